/**
 * The worker's options compiled from the configuration, once, at the edge: validated, seconds turned into `…Ms`.
 * The apps call this instead of picking config keys by hand; the Worker itself only sees options.
 */
import { ConfigError, type WindsockConfig } from '@windsock/config';
import { defaultWorkerOptions, type WorkerOptions } from './worker.ts';

const ms = (key: string, value: number, zeroAllowed: boolean): number => {
  if (!Number.isFinite(value) || value < 0 || (value === 0 && !zeroAllowed)) {
    throw new ConfigError(`[worker] ${key} must be a number of seconds ${zeroAllowed ? 'of at least 0' : 'above 0'}, got ${value}`);
  }
  return Math.round(value * 1000);
};

/** `overrides`: what a process decides for itself rather than the configuration (its worker id). */
export function compileWorkerOptions(config: WindsockConfig, overrides: Partial<Pick<WorkerOptions, 'workerId'>> = {}): WorkerOptions {
  const { worker } = config;
  if (!Number.isInteger(worker.concurrency) || worker.concurrency < 1) throw new ConfigError(`[worker] concurrency must be a whole number of at least 1, got ${worker.concurrency}`);
  if (worker.queues.length === 0) throw new ConfigError('[worker] queues must name at least one queue');
  return {
    ...defaultWorkerOptions(),
    ...overrides,
    concurrency: worker.concurrency,
    queues: worker.queues,
    heartbeatMs: ms('heartbeat_sec', worker.heartbeat_sec, false),
    followOn: config.scheduler.schedule_after_task_execution,
    sensitiveFields: config.core.sensitive_var_conn_names,
    templateIdleReleaseMs: ms('template_idle_release_sec', worker.template_idle_release_sec, true),
    templateTimeoutMs: ms('template_render_timeout_sec', worker.template_render_timeout_sec, false),
  };
}

/** How long a draining worker lets its tries finish on shutdown ([worker] shutdown_grace_sec). */
export function shutdownGraceMs(config: WindsockConfig): number {
  return ms('shutdown_grace_sec', config.worker.shutdown_grace_sec, true);
}
