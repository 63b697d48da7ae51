import { describe, expect, it } from 'vitest';
import { compileConfig, ConfigError } from '@windsock/config';
import { compileWorkerOptions, shutdownGraceMs } from './options.ts';

describe('compileWorkerOptions', () => {
  it('turns the configured seconds into milliseconds', () => {
    const config = compileConfig({ WINDSOCK__WORKER__HEARTBEAT_SEC: '0.5', WINDSOCK__WORKER__CONCURRENCY: '8', WINDSOCK__WORKER__QUEUES: 'default,gpu',
      WINDSOCK__WORKER__TEMPLATE_IDLE_RELEASE_SEC: '0', WINDSOCK__SCHEDULER__SCHEDULE_AFTER_TASK_EXECUTION: 'false' });
    expect(compileWorkerOptions(config)).toMatchObject({ heartbeatMs: 500, concurrency: 8, queues: ['default', 'gpu'], templateIdleReleaseMs: 0, templateTimeoutMs: 10_000, followOn: false });
    expect(shutdownGraceMs(config)).toBe(25_000);
  });

  it('keeps what the process decides itself', () => {
    expect(compileWorkerOptions(compileConfig({}), { workerId: 'w-1' }).workerId).toBe('w-1');
  });

  it('refuses values the worker cannot work with', () => {
    expect(() => compileWorkerOptions(compileConfig({ WINDSOCK__WORKER__HEARTBEAT_SEC: '0' }))).toThrow(ConfigError);
    expect(() => compileWorkerOptions(compileConfig({ WINDSOCK__WORKER__CONCURRENCY: '0' }))).toThrow(/concurrency/);
    expect(() => compileWorkerOptions(compileConfig({ WINDSOCK__WORKER__QUEUES: '' }))).toThrow(/queues/);
  });
});
