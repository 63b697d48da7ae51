/**
 * An embedded Windsock: metastore, in-process queue and events, DAG processor, scheduler and a worker with the
 * local executor, in this process. `windsock standalone` runs one on a PGlite data folder; `dags test` and
 * `tasks test` run a throwaway one in memory.
 */
import { DagCache, migrateToLatest, openMetastore, type Metastore, type MetastoreOptions } from '@windsock/metastore';
import { LocalEventBus, MemoryTaskQueue } from '@windsock/queue/local';
import { Scheduler, DagProcessorService } from '@windsock/scheduler';
import { Worker } from '@windsock/worker';
import { join } from 'node:path';
import { DagFolderProcessor, PythonDagLoader, type DagFileLoader } from '@windsock/dag-parser';
import { createExecutor } from './executor.ts';
import { normalizeOptions } from './folder.ts';
import { jobRows } from './job-rows.ts';
import { silentLogger, type Logger, type WindsockConfig } from '@windsock/config';
import { windsockHome } from '../config.ts';
import { filesMentioning } from './focus.ts';

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
  const log = opts.logger ?? silentLogger;
  const { config } = opts;
  // A PGlite store without a data folder of its own (dags test) starts from the migrated image in $WINDSOCK_HOME/cache.
  const storeOptions: MetastoreOptions = opts.metastore.kind === 'pglite' && opts.metastore.imageCacheDir === undefined
    ? { ...opts.metastore, imageCacheDir: join(windsockHome(), 'cache') } : opts.metastore;
  const normalize = normalizeOptions(config);
  const discovery = { safeMode: config.core.dag_discovery_safe_mode, ignoreSyntax: config.core.dag_ignore_file_syntax as 'regexp' | 'glob' };
  // Variable.get in DAG files reads a snapshot of the variables, refreshed before each scan and every few seconds.
  let variables: Record<string, string> = {};
  // Made on the first Python file: a folder of YAML files never starts the Python parser.
  let python: PythonDagLoader | null = null;
  const pythonLoader = () => (python ??= new PythonDagLoader({
    dagFolder: opts.dagsFolder, timeoutSeconds: config.core.dagbag_import_timeout, maxMemoryMb: config.dag_processor.parser_max_memory_mb,
    idleReleaseSeconds: config.dag_processor.parser_idle_release_sec, operatorAliases: normalize.operatorAliases, parserOptions: normalize,
    variables: () => variables, snapshotDir: join(windsockHome(), 'cache'),
  }));
  const lazyPython: DagFileLoader = { load: (relPath, text) => pythonLoader().load(relPath, text) };
  const focus = opts.focusDagId;
  const candidates = focus === undefined ? null : await filesMentioning(opts.dagsFolder, focus, discovery);
  // The DAG is in a Python file: its interpreter boots in its own process while this one opens the store.
  if (candidates && [...candidates].some((f) => f.endsWith('.py'))) pythonLoader().warmUp().catch(() => { /* load() reports it */ });
  const store = await openMetastore(storeOptions);
  await migrateToLatest(store.db);
  const events = new LocalEventBus();
  const queue = new MemoryTaskQueue();
  const refreshVariables = async () => {
    variables = Object.fromEntries((await store.db.selectFrom('variable').select(['key', 'val']).execute()).map((v) => [v.key, v.val]));
  };
  await refreshVariables();
  const varTimer = setInterval(() => void refreshVariables().catch(() => {}), 5000);
  varTimer.unref();
  const makeProcessor = (include?: (relPath: string) => boolean) => new DagProcessorService({
    db: store.db, events, dagsFolder: opts.dagsFolder, options: { pausedAtCreation: config.core.dags_are_paused_at_creation }, logger: log,
    processor: new DagFolderProcessor({ folder: opts.dagsFolder, ...discovery, loaders: { '.py': lazyPython }, parserOptions: normalize, include }),
  });
  let processor = makeProcessor();
  // Scheduler and worker share one process here, so they share one DAG cache: each DAG is read once.
  const dags = new DagCache(store.db);
  const scheduler = new Scheduler({ db: store.db, queue, events, logger: log, dags, options: {
    parallelism: config.core.parallelism, tickMs: config.scheduler.tick_ms, heartbeatTimeoutMs: config.scheduler.task_instance_heartbeat_timeout * 1000,
    // PGlite has one connection: paced passes leave it to the worker between them (see SchedulerOptions).
    analyzeMs: store.kind === 'pglite' ? 5000 : 0, passGapFactor: store.kind === 'pglite' ? 0.5 : 0, queuedTimeoutMs: config.scheduler.task_queued_timeout * 1000,
    maintenanceMs: config.scheduler.reconcile_interval * 1000,
  } });
  const executor = createExecutor(config, opts.dagsFolder);
  const worker = new Worker({ db: store.db, queue, events, executor, logger: log, dags, fernetKey: config.core.fernet_key || null, options: {
    concurrency: config.worker.concurrency, queues: config.worker.queues, heartbeatMs: config.worker.heartbeat_sec * 1000, followOn: config.scheduler.schedule_after_task_execution,
    sensitiveFields: config.core.sensitive_var_conn_names,
    templateIdleReleaseMs: config.worker.template_idle_release_sec * 1000, templateTimeoutMs: config.worker.template_render_timeout_sec * 1000,
    templateSnapshotDir: join(windsockHome(), 'cache'),
  } });

  if (focus !== undefined && candidates && candidates.size > 0) {
    const focused = makeProcessor((f) => candidates.has(f));
    const { scan } = await focused.syncOnce();
    if (scan.changed.some((r) => r.ok && r.dags.some((d) => d.dag_id === focus))) processor = focused;
    else await processor.syncOnce();
  } else {
    await processor.syncOnce();
  }
  // Nothing from an earlier process is still running: its tries are zombies now, and its queue was in memory.
  if (opts.metastore.kind === 'pglite') await scheduler.maintenance(new Date(), { heartbeatCutoff: new Date(Date.now() + 1) });
  if (opts.watch) processor.start();
  let endJobRows: (() => Promise<void>) | null = null;
  const run = (parts: { scheduler?: boolean; worker?: boolean } = {}) => {
    if (parts.worker ?? true) worker.start();
    if (parts.scheduler ?? true) scheduler.start();
    // Standalone is scheduler, DAG processor and worker at once: the health endpoint sees all three.
    if (opts.watch) void jobRows(store.db, ['scheduler', 'dag_processor', 'worker'], worker.workerId, () => true, log).then((end) => { endJobRows = end; });
  };
  if (opts.autoStart ?? true) run();
  return {
    store, events, queue, scheduler, worker, processor, run,
    get pythonStarted() { return python !== null; },
    async stop() {
      clearInterval(varTimer);
      await endJobRows?.();
      processor.stop();
      await scheduler.stop();
      await worker.stop({ drain: false });
      await executor.close();
      await python?.close();
      await events.close();
      await store.close();
    },
  };
}
