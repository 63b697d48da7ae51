/**
 * Builds a Windsock instance from its real parts for a test: DAG processor (YAML files), N schedulers and
 * N workers with the local executor on one metastore, an in-process queue and event bus (or given ones).
 */
import { mkdtemp, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Metastore } from '@windsock/metastore';
import { LocalEventBus, MemoryTaskQueue, waitForEvent, type EventBus, type TaskQueue } from '@windsock/queue';
import { DagProcessorService, Scheduler, createManualRun, type SchedulerOptions } from '@windsock/scheduler';
import { Worker, type WorkerOptions } from '@windsock/worker';
import { LocalExecutor, type Executor } from '@windsock/executors';
import { AIRFLOW_SHIM_PATH, DagFolderProcessor, PythonDagLoader } from '@windsock/dag-parser';
import { TEST_SNAPSHOT_DIR } from './snapshots.ts';
import type { Metrics } from '@windsock/metrics';

export async function dagFolder(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'windsock-dags-'));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), text);
  }
  return dir;
}

export interface TestInstance {
  store: Metastore;
  events: EventBus;
  queue: TaskQueue;
  schedulers: Scheduler[];
  workers: Worker[];
  processor: DagProcessorService;
  /** Triggers a manual run and resolves with its final state. */
  runDag(dagId: string, opts?: { conf?: Record<string, unknown>; logicalDate?: Date; timeoutMs?: number }): Promise<{ dagRunId: number; runId: string; state: string }>;
  tiStates(dagRunId: number): Promise<Record<string, { state: string | null; try_number: number }>>;
  stop(): Promise<void>;
}

export async function startInstance(opts: {
  store: Metastore; dagsFolder: string; schedulers?: number; workers?: number; queue?: TaskQueue; events?: EventBus;
  executor?: () => Executor; schedulerOptions?: Partial<SchedulerOptions>; workerOptions?: Partial<WorkerOptions>;
  /** Decrypts connections for `{{ conn.… }}` templates. */
  fernetKey?: string;
  /** Where the scheduler, worker and DAG processor report metrics. */
  metrics?: Metrics;
}): Promise<TestInstance> {
  const metrics = opts.metrics ? { metrics: opts.metrics } : {};
  const events = opts.events ?? new LocalEventBus();
  const queue = opts.queue ?? new MemoryTaskQueue();
  const db = opts.store.db;
  const python = new PythonDagLoader({ dagFolder: opts.dagsFolder, poolSize: 1, snapshotDir: TEST_SNAPSHOT_DIR });
  const processor = new DagProcessorService({ db, events, processor: new DagFolderProcessor({ folder: opts.dagsFolder, loaders: { '.py': python } }), dagsFolder: opts.dagsFolder, options: { pausedAtCreation: false }, ...metrics });
  await processor.syncOnce();
  const schedulers = Array.from({ length: opts.schedulers ?? 1 }, () => new Scheduler({ db, queue, events, ...metrics, options: { tickMs: 200, ...opts.schedulerOptions } }));
  const workers = Array.from({ length: opts.workers ?? 1 }, (_, i) => new Worker({ db, queue, events, executor: opts.executor?.() ?? new LocalExecutor({ killGraceMs: 500, pythonPath: [opts.dagsFolder, AIRFLOW_SHIM_PATH] }), options: { workerId: `test-worker-${i}`, heartbeatMs: 500, templateSnapshotDir: TEST_SNAPSHOT_DIR, ...opts.workerOptions }, fernetKey: opts.fernetKey ?? null, ...metrics }));
  for (const w of workers) w.start();
  for (const s of schedulers) s.start();
  return {
    store: opts.store, events, queue, schedulers, workers, processor,
    async runDag(dagId, o = {}) {
      const run = await createManualRun(db, { dagId, conf: o.conf, logicalDate: o.logicalDate });
      const done = waitForEvent(events, 'dagrun:finished', (e) => e.dagRunId === run.id, o.timeoutMs ?? 30_000);
      events.emit('dagrun:created', { dagId, runId: run.run_id, dagRunId: run.id });
      const e = await done;
      return { dagRunId: run.id, runId: run.run_id, state: e.state };
    },
    async tiStates(dagRunId) {
      const rows = await db.selectFrom('task_instance').select(['task_id', 'state', 'try_number']).where('dag_run_id', '=', dagRunId).execute();
      return Object.fromEntries(rows.map((r) => [r.task_id, { state: r.state, try_number: r.try_number }]));
    },
    async stop() {
      processor.stop();
      for (const s of schedulers) await s.stop();
      for (const w of workers) await w.stop({ drain: false });
      await python.close();
    },
  };
}
