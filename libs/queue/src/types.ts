/**
 * The task queue carries one job per task-instance try from the scheduler to the workers. Postgres stays the
 * source of truth: a job only says "this try is queued"; the worker's guarded `queued → running` update decides
 * whether it really runs, so a duplicate or stale job is harmless.
 */
export interface TaskJob {
  tiId: string;
  dagId: string;
  taskId: string;
  runId: string;
  mapIndex: number;
  tryNumber: number;
  /** Airflow's named queue (the task's `queue` argument); workers subscribe to queues by name. */
  queue: string;
  /** Higher runs first (the task's effective priority weight). */
  priority: number;
}

/** The job id: the same try enqueued twice (say, after a crash) is one job. */
export function jobId(job: Pick<TaskJob, 'dagId' | 'taskId' | 'runId' | 'mapIndex' | 'tryNumber'>): string {
  return [job.dagId, job.taskId, job.runId, String(job.mapIndex), String(job.tryNumber)].map(encodeURIComponent).join('|');
}

export type JobHandler = (job: TaskJob) => Promise<void>;

export interface Consumer {
  /** Stops taking new jobs and waits for the handlers in flight. */
  close(): Promise<void>;
  /** Handlers running now. */
  readonly active: number;
}

export interface TaskQueue {
  enqueue(jobs: TaskJob[]): Promise<void>;
  consume(queues: string[], handler: JobHandler, opts: { concurrency: number }): Consumer;
  /** Jobs waiting (not yet taken), for reconciliation and metrics. */
  waitingJobIds(): Promise<Set<string>>;
  close(): Promise<void>;
}
