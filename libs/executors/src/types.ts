/**
 * The executor interface: how a worker runs one task-instance try. Every executor (local process, Kubernetes
 * pod, SparkApplication) implements these few methods and passes the same conformance suite
 * (test/executor-conformance.ts).
 */
import type { SerializedDag, SerializedTask } from '@windsock/dag-model';

export interface TryKey {
  tiId: string;
  dagId: string;
  taskId: string;
  runId: string;
  mapIndex: number;
  tryNumber: number;
}

export interface TaskLaunch {
  key: TryKey;
  dag: SerializedDag;
  task: SerializedTask;
  /** The task's args with templates rendered. */
  rendered: Record<string, unknown>;
  /** Environment Windsock adds for the task (AIRFLOW_CTX_*, WINDSOCK_XCOM_PATH, ...). */
  env: Record<string, string>;
  /** The try's template context, JSON only (dates as ISO strings): what Python callables receive. */
  context: Record<string, unknown>;
  /** This run's XComs by task id and key, loaded for tasks that pull them (Python callables). */
  xcoms: Record<string, Record<string, unknown>>;
  /**
   * A sensor's settings for the runner's poke loop (dag-model's sensors.ts, in seconds, snake_case), with
   * `started_at` (epoch seconds of the first poke, reschedule mode) and `poke_count`.
   */
  sensor?: Record<string, unknown>;
  /** execution_timeout in ms; the executor stops the task when it runs longer. */
  timeoutMs: number | null;
  /** The worker that launches it (recorded on pods for adoption). */
  workerId: string;
  /**
   * For `adopt` only: the lines of this try's log already in the metastore, in order. The executor re-reads
   * the pod's log from the start and skips what is here, so the log is neither cut nor repeated.
   */
  storedLog?: string[];
  /**
   * The worker's secrets masker for this try: stored lines had secrets replaced by `***`, so adoption compares
   * each re-read line through it.
   */
  maskLine?: (line: string) => string;
}

/** Lines of task output, each without its trailing newline. Writes never block the task. */
export interface LogSink {
  write(line: string): void;
}

export interface ExecutionResult {
  outcome: 'success' | 'failed';
  /** Process / container exit code, when there was one. */
  exitCode: number | null;
  /** Why it failed: 'timeout', 'cancelled', 'OOMKilled', 'ImagePullBackOff', a signal name, ... */
  reason: string | null;
  /** JSON value the task returned (its `return_value` XCom), when it wrote one. */
  xcom?: unknown;
}

export interface ExecutionHandle {
  /** Settles when the try ends, whatever the outcome; never rejects. */
  readonly result: Promise<ExecutionResult>;
  /** Stops the try (deletes the pod / kills the process group); the result then says 'cancelled'. */
  cancel(reason: string): Promise<void>;
  /** What identifies the running try outside Windsock (pod name, pid), stored as external_executor_id. */
  readonly externalId: string | null;
}

export interface Executor {
  readonly name: string;
  start(launch: TaskLaunch, log: LogSink): Promise<ExecutionHandle>;
  /**
   * Takes over a try that a dead worker launched (a pod found by its labels), when the executor can.
   * Returns null when there is nothing to adopt.
   */
  adopt?(launch: TaskLaunch, externalId: string, log: LogSink): Promise<ExecutionHandle | null>;
  close(): Promise<void>;
}

/** Executor errors: a closed set with stable codes. */
export type ExecutorErrorCode = 'LAUNCH_FAILED' | 'UNSUPPORTED_TASK' | 'API_ERROR';
export class ExecutorError extends Error {
  readonly code: ExecutorErrorCode;
  constructor(code: ExecutorErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ExecutorError';
    this.code = code;
  }
}
