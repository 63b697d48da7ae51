/**
 * The distributed task queue: BullMQ on Redis (or on BullMQ's PostgreSQL backend), behind the same TaskQueue
 * interface as the in-process queue.
 *
 * - One BullMQ job per task-instance try, its id from `jobId()`: enqueueing a try again (reconciliation, a
 *   scheduler that crashed after committing) is a no-op while the job exists. Jobs are removed when done, so a
 *   try whose job was lost or dropped can always be put back.
 * - Priority from the task's priority weight (`bullPriority`); Airflow's named queues are BullMQ queues; the
 *   instance's prefix starts every key, so sandboxes share one Redis safely.
 * - A job stays active while its try runs, so the worker's concurrency is the number of tries it runs. Postgres
 *   decides whether a try really runs (the worker's guarded claim): a duplicate or stale job is harmless.
 */
import { Queue, Worker, createPostgresBackend } from 'bullmq';
import type { Consumer, JobHandler, TaskJob, TaskQueue } from '../types.ts';
import { jobId } from '../types.ts';
import { redisOptionsFromUrl } from '../redis/connection.ts';
import { bullPriority, bullQueueName, compileBullMqOptions, postgresSchemaFor, type BullMqQueueOptions } from './options.ts';
import { Semaphore } from './semaphore.ts';
import { silentQueueLogger, type QueueLogger } from '../logger.ts';

/** The parts of BullMQ's Queue this adapter uses (its generic type differs per backend). */
interface Producer {
  addBulk(jobs: Array<{ name: string; data: TaskJob; opts: Record<string, unknown> }>): Promise<unknown>;
  getJobs(types: string[], start?: number, end?: number): Promise<Array<{ id?: string } | undefined>>;
  getJobCounts(...types: string[]): Promise<Record<string, number>>;
  close(): Promise<void>;
  on(event: 'error', fn: (err: Error) => void): unknown;
}
interface BullWorker {
  close(force?: boolean): Promise<void>;
  on(event: 'error', fn: (err: Error) => void): unknown;
}

const JOB_OPTIONS = { removeOnComplete: true, removeOnFail: true, attempts: 1 } as const;

export class BullMqTaskQueue implements TaskQueue {
  private readonly opts: BullMqQueueOptions;
  private readonly log: QueueLogger;
  private readonly producers = new Map<string, Producer>();
  private readonly workers = new Set<BullWorker>();
  private lastWarn = 0;

  constructor(options: Partial<BullMqQueueOptions> & { prefix: string }) {
    this.opts = compileBullMqOptions(options);
    this.log = this.opts.logger ?? silentQueueLogger;
  }

  get backend(): 'redis' | 'postgres' { return this.opts.backend; }

  async enqueue(jobs: TaskJob[]): Promise<void> {
    const byQueue = new Map<string, TaskJob[]>();
    for (const j of jobs) {
      const list = byQueue.get(j.queue);
      if (list) list.push(j);
      else byQueue.set(j.queue, [j]);
    }
    await Promise.all([...byQueue].map(([queue, list]) => this.producer(queue).addBulk(list.map((j) => ({
      name: 'ti', data: j, opts: { ...JOB_OPTIONS, jobId: jobId(j), priority: bullPriority(j.priority) },
    })))));
  }

  consume(queues: string[], handler: JobHandler, opts: { concurrency: number }): Consumer {
    const slots = new Semaphore(opts.concurrency);
    const workers = queues.map((queue) => {
      const processor = async (job: { data: TaskJob }) => {
        await slots.acquire();
        try { await handler(job.data); } finally { slots.release(); }
      };
      const common = { concurrency: Math.max(1, opts.concurrency), lockDuration: this.opts.lockDurationMs, stalledInterval: this.opts.lockDurationMs, maxStalledCount: 1 };
      const w = (this.opts.backend === 'postgres'
        ? new Worker(bullQueueName(queue), processor, { ...common, connection: this.postgresConnection() }, createPostgresBackend)
        : new Worker(bullQueueName(queue), processor, { ...common, connection: this.redisConnection(), prefix: this.opts.prefix })) as unknown as BullWorker;
      w.on('error', (err) => this.warn(err, `worker of queue ${queue}`));
      this.workers.add(w);
      return w;
    });
    return {
      close: async () => {
        await Promise.all(workers.map((w) => w.close()));
        for (const w of workers) this.workers.delete(w);
      },
      get active() { return slots.active; },
    };
  }

  async waitingJobIds(): Promise<Set<string>> {
    const ids = new Set<string>();
    for (const p of this.producers.values()) {
      for (const j of await p.getJobs(['waiting', 'prioritized', 'delayed'], 0, -1)) if (j?.id) ids.add(j.id);
    }
    return ids;
  }

  /** One round trip to the backend (for health checks); rejects when it is unreachable. */
  async ping(): Promise<void> {
    await this.producer('default').getJobCounts('waiting');
  }

  async close(): Promise<void> {
    await Promise.all([...this.workers].map((w) => w.close()));
    this.workers.clear();
    await Promise.all([...this.producers.values()].map((p) => p.close()));
    this.producers.clear();
  }

  private producer(queue: string): Producer {
    let p = this.producers.get(queue);
    if (!p) {
      p = (this.opts.backend === 'postgres'
        ? new Queue(bullQueueName(queue), { connection: this.postgresConnection() }, createPostgresBackend)
        : new Queue(bullQueueName(queue), { connection: { ...this.redisConnection(), maxRetriesPerRequest: 3 }, prefix: this.opts.prefix })) as unknown as Producer;
      p.on('error', (err) => this.warn(err, `queue ${queue}`));
      this.producers.set(queue, p);
    }
    return p;
  }

  private redisConnection() {
    return { ...redisOptionsFromUrl(this.opts.redisUrl), maxRetriesPerRequest: null };
  }

  private postgresConnection() {
    return { connectionString: this.opts.postgresUrl, schema: postgresSchemaFor(this.opts.prefix), migrate: true, max: 4, application_name: 'windsock-bullmq' };
  }

  private warn(err: Error, where: string): void {
    if (Date.now() - this.lastWarn < 10_000) return;
    this.lastWarn = Date.now();
    this.log.warn({ err }, `task queue: ${where}: ${err.message} (jobs lost meanwhile are re-enqueued from Postgres)`);
  }
}
