/**
 * An embedded Windsock: metastore, in-process queue and events, DAG processor, scheduler and a worker with the
 * local executor, in this process. `windsock standalone` runs one on a PGlite data folder; `dags test` and
 * `tasks test` run a throwaway one in memory.
 */
import { DagCache, migrateToLatest, openMetastore, type Metastore, type MetastoreOptions } from '@windsock/metastore';
import { LocalEventBus, MemoryTaskQueue } from '@windsock/queue/local';
import { Scheduler, compileSchedulerOptions, type DagProcessorService } from '@windsock/scheduler';
import { Worker, compileWorkerOptions } from '@windsock/worker';
import { join } from 'node:path';
import { createExecutor } from './executor.ts';
import { startDagProcessing } from './dag-processing.ts';
import { discoveryOf, pythonLoaderOf } from './folder.ts';
import { filesMentioning } from './focus.ts';
import { jobRows } from './job-rows.ts';
import { silentLogger, type Logger, type WindsockConfig } from '@windsock/config';
import { windsockHome } from '../config.ts';
import type { Metrics } from '@windsock/metrics';

export interface EmbeddedOptions {
  config: WindsockConfig;
  metastore: MetastoreOptions;
  dagsFolder: string;
  logger?: Logger;
  /** Watch the DAG folder for changes (standalone) or parse it once (tests). */
  watch: boolean;
  /** Start the scheduler and worker loops at once (default true); false leaves that to the caller. */
  autoStart?: boolean;
  /**
   * The one DAG this store is for (`dags test`, `tasks test`): the files that mention it are parsed first, and the
   * rest of the folder only when it is not among them.
   */
  focusDagId?: string;
  /** Where the scheduler, worker and DAG processor report (standalone serves them on the webserver's /metrics). */
  metrics?: Metrics;
}

export interface Embedded {
  store: Metastore;
  events: LocalEventBus;
  queue: MemoryTaskQueue;
  scheduler: Scheduler;
  worker: Worker;
  processor: DagProcessorService;
  /** Whether a Python DAG file was parsed (only then is the Python parser, Pyodide, started). */
  readonly pythonStarted: boolean;
  /** Starts the worker and scheduler loops (when autoStart was false). */
  run(parts?: { scheduler?: boolean; worker?: boolean }): void;
  stop(): Promise<void>;
}

export async function startEmbedded(opts: EmbeddedOptions): Promise<Embedded> {
  const metrics = opts.metrics ? { metrics: opts.metrics } : {};
  const log = opts.logger ?? silentLogger;
  const { config } = opts;
  // A PGlite store without a data folder of its own (dags test) starts from the migrated image in $WINDSOCK_HOME/cache.
  const storeOptions: MetastoreOptions = opts.metastore.kind === 'pglite' && opts.metastore.imageCacheDir === undefined
    ? { ...opts.metastore, imageCacheDir: join(windsockHome(), 'cache') } : opts.metastore;
  // Interpreters boot from the memory snapshot kept beside the store image.
  const snapshotDir = join(windsockHome(), 'cache');
  // The DAG of `dags test` is in a Python file: its interpreter boots in its own process while this one opens the store.
  const variables = { current: {} as Record<string, string> };
  const candidates = opts.focusDagId === undefined ? null : await filesMentioning(opts.dagsFolder, opts.focusDagId, discoveryOf(config));
  const early = candidates && [...candidates].some((f) => f.endsWith('.py')) ? pythonLoaderOf(config, opts.dagsFolder, () => variables.current, snapshotDir) : null;
  early?.warmUp().catch(() => { /* load() reports it */ });
  const store = await openMetastore(storeOptions);
  await migrateToLatest(store.db);
  const events = new LocalEventBus();
  const queue = new MemoryTaskQueue();
  // Scheduler and worker share one process here, so they share one DAG cache: each DAG is read once.
  const dags = new DagCache(store.db);
  // PGlite has one connection: paced passes leave it to the worker between them (see compileSchedulerOptions).
  const scheduler = new Scheduler({ db: store.db, queue, events, logger: log, dags, ...metrics, options: compileSchedulerOptions(config, { metastore: store.kind, queue: 'memory' }) });
  const executor = await createExecutor(config, opts.dagsFolder, opts.metrics);
  const worker = new Worker({ db: store.db, queue, events, executor, logger: log, dags, ...metrics, fernetKey: config.core.fernet_key || null, options: { ...compileWorkerOptions(config), templateSnapshotDir: snapshotDir } });

  // Variable.get in DAG files reads a snapshot of the variables; a folder of YAML files never starts the Python parser.
  const dagProcessing = await startDagProcessing({
    config, db: store.db, events, dagsFolder: opts.dagsFolder, logger: log, focusDagId: opts.focusDagId, lazyPython: true, ...metrics, snapshotDir, python: early, variables, focusFiles: candidates,
  });
  // Nothing from an earlier process is still running: its tries are zombies now, and its queue was in memory.
  if (opts.metastore.kind === 'pglite') await scheduler.maintenance(new Date(), { heartbeatCutoff: new Date(Date.now() + 1) });
  if (opts.watch) dagProcessing.start();
  let endJobRows: (() => Promise<void>) | null = null;
  const run = (parts: { scheduler?: boolean; worker?: boolean } = {}) => {
    if (parts.worker ?? true) worker.start();
    if (parts.scheduler ?? true) scheduler.start();
    // Standalone is scheduler, DAG processor and worker at once: the health endpoint sees all three.
    if (opts.watch) void jobRows(store.db, ['scheduler', 'dag_processor', 'worker'], worker.workerId, () => true, log).then((end) => { endJobRows = end; });
  };
  if (opts.autoStart ?? true) run();
  return {
    store, events, queue, scheduler, worker, run,
    get processor() { return dagProcessing.processor; },
    get pythonStarted() { return dagProcessing.pythonStarted; },
    async stop() {
      await endJobRows?.();
      await dagProcessing.stop();
      await scheduler.stop();
      await worker.stop({ drain: false });
      await executor.close();
      await events.close();
      await store.close();
    },
  };
}
