import { describe, expect, it } from 'vitest';
import { compileConfig, ConfigError } from '@windsock/config';
import { compileSchedulerOptions } from './options.ts';
import { defaultSchedulerOptions } from './scheduler.ts';

describe('compileSchedulerOptions', () => {
  it('turns the configured seconds into milliseconds', () => {
    const config = compileConfig({ WINDSOCK__SCHEDULER__TASK_QUEUED_TIMEOUT: '12.5', WINDSOCK__SCHEDULER__RECONCILE_INTERVAL: '3', WINDSOCK__CORE__PARALLELISM: '7' });
    const o = compileSchedulerOptions(config, { metastore: 'postgres', queue: 'shared' });
    expect(o).toMatchObject({ parallelism: 7, queuedTimeoutMs: 12_500, maintenanceMs: 3000, requeueAfterMs: 3000, heartbeatTimeoutMs: 300_000, tickMs: 1000 });
    expect(o.maxTisPerPass).toBe(defaultSchedulerOptions.maxTisPerPass);
  });

  it('paces passes and refreshes statistics on PGlite only', () => {
    const config = compileConfig({});
    expect(compileSchedulerOptions(config, { metastore: 'pglite', queue: 'memory' })).toMatchObject({ analyzeMs: 5000, passGapFactor: 0.5, requeueAfterMs: 0 });
    expect(compileSchedulerOptions(config, { metastore: 'postgres', queue: 'memory' })).toMatchObject({ analyzeMs: 0, passGapFactor: 0, requeueAfterMs: 0 });
  });

  it('refuses values the loop cannot work with', () => {
    expect(() => compileSchedulerOptions(compileConfig({ WINDSOCK__SCHEDULER__RECONCILE_INTERVAL: '0' }), { metastore: 'postgres', queue: 'shared' })).toThrow(ConfigError);
    expect(() => compileSchedulerOptions(compileConfig({ WINDSOCK__CORE__PARALLELISM: '0' }), { metastore: 'postgres', queue: 'shared' })).toThrow(/parallelism/);
  });
});
