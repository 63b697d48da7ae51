/** Where a sandbox's scheduler runs: a child process of the control plane, or a Deployment in its namespace. */
import type { SandboxRow } from './types.ts';

/** What a sandbox's scheduler is started with (its configuration, as environment variables). */
export interface SchedulerLaunch {
  /** `WINDSOCK__…` settings that make an instance this sandbox (schema, queue prefix, namespace, DAG folder). */
  env: Record<string, string>;
}

export type HostState = { state: 'absent' } | { state: 'starting' } | { state: 'running' } | { state: 'failed'; reason: string };

export interface SchedulerHost {
  readonly kind: 'process' | 'kubernetes';
  /** Starts the scheduler when it is not running (idempotent). */
  ensure(sb: SandboxRow, launch: SchedulerLaunch): Promise<void>;
  state(sb: SandboxRow): Promise<HostState>;
  /** Stops it (scale to zero, or before a delete); running tasks are cancelled. Idempotent. */
  stop(sb: SandboxRow): Promise<void>;
  /** The control plane stops: what it hosts stops too (another control plane takes the leases and restarts them). */
  close(): Promise<void>;
}
