/**
 * The scheduler's options compiled from the configuration, once, at the edge: validated, seconds turned into
 * `…Ms`. The apps call this instead of picking config keys by hand; the Scheduler itself only sees options.
 */
import { ConfigError, type WindsockConfig } from '@windsock/config';
import { defaultSchedulerOptions, type SchedulerOptions } from './scheduler.ts';

export interface SchedulerSetting {
  /**
   * The metastore. Embedded PGlite has one connection and no autovacuum: the scheduler refreshes its statistics
   * and paces its passes, leaving the connection to the worker between them (see SchedulerOptions).
   */
  metastore: 'postgres' | 'pglite';
  /**
   * Where jobs live. An in-process queue is rebuilt by every maintenance pass (every queued try is re-enqueued);
   * a shared queue only gets back the tries queued for longer than a reconcile interval (lost jobs).
   */
  queue: 'memory' | 'shared';
}

const seconds = (key: string, value: number, min = 0): number => {
  if (!Number.isFinite(value) || value <= min) throw new ConfigError(`[scheduler] ${key} must be a number of seconds above ${min}, got ${value}`);
  return Math.round(value * 1000);
};

const positiveInt = (key: string, value: number): number => {
  if (!Number.isInteger(value) || value < 1) throw new ConfigError(`${key} must be a whole number of at least 1, got ${value}`);
  return value;
};

export function compileSchedulerOptions(config: WindsockConfig, setting: SchedulerSetting): SchedulerOptions {
  const pglite = setting.metastore === 'pglite';
  const maintenanceMs = seconds('reconcile_interval', config.scheduler.reconcile_interval);
  return {
    ...defaultSchedulerOptions,
    parallelism: positiveInt('[core] parallelism', config.core.parallelism),
    tickMs: positiveInt('[scheduler] tick_ms', config.scheduler.tick_ms),
    maxMapLength: positiveInt('[core] max_map_length', config.core.max_map_length),
    heartbeatTimeoutMs: seconds('task_instance_heartbeat_timeout', config.scheduler.task_instance_heartbeat_timeout),
    queuedTimeoutMs: seconds('task_queued_timeout', config.scheduler.task_queued_timeout),
    maintenanceMs,
    requeueAfterMs: setting.queue === 'memory' ? 0 : maintenanceMs,
    analyzeMs: pglite ? 5000 : 0,
    passGapFactor: pglite ? 0.5 : 0,
  };
}
