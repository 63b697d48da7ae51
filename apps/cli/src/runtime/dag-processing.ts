/**
 * The DAG processor as every process that runs one wires it: the Python loader, the folder processor, the
 * service that stores what it parses, and the variables snapshot `Variable.get` in DAG files reads (refreshed
 * before the first scan and every few seconds). startDagProcessing parses the folder once before it returns;
 * `start()` then watches it.
 */
import type { Kysely } from 'kysely';
import type { Database } from '@windsock/metastore';
import type { EventBus } from '@windsock/queue';
import { DagProcessorService } from '@windsock/scheduler';
import type { DagFileLoader, PythonDagLoader, ScanResult } from '@windsock/dag-parser';
import type { Logger, WindsockConfig } from '@windsock/config';
import type { Metrics } from '@windsock/metrics';
import { discoveryOf, folderProcessorOf, pythonLoaderOf } from './folder.ts';
import { filesMentioning } from './focus.ts';
import { variablesSnapshot } from './sql/variables-snapshot.ts';
import { folderCommit } from '@windsock/dag-sources/folder-commit';
import { dagSourcesOf, openDagSources, type RunningDagSources } from './dag-sources.ts';

const VARIABLES_REFRESH_MS = 5000;

export interface DagProcessingOptions {
  config: WindsockConfig;
  db: Kysely<Database>;
  events: EventBus;
  dagsFolder: string;
  logger: Logger;
  /**
   * The one DAG this process is for (`dags test`, `tasks test`): the files that mention it are parsed first, and
   * the rest of the folder only when it is not among them.
   */
  focusDagId?: string;
  /** Start the Python parser (Pyodide) on the first Python file rather than at once: a YAML folder never starts it. */
  lazyPython?: boolean;
  /** Where interpreters' memory snapshots are kept (see libs/pysandbox/src/snapshot.ts). */
  snapshotDir?: string;
  /** A Python parser made (and warming up) before the store opened; it reads `variables`. */
  python?: PythonDagLoader | null;
  /** The files that mention `focusDagId`, when the caller has already looked (so the folder is read once). */
  focusFiles?: Set<string> | null;
  /** The variables snapshot, shared with a parser made early. */
  variables?: { current: Record<string, string> };
  /** Where dag_processing.* metrics go. */
  metrics?: Metrics;
}

export interface DagProcessing {
  /** The service storing parsed DAGs (the focused one when the focus found its DAG). */
  readonly processor: DagProcessorService;
  /** Scans the folder once and stores what changed. */
  syncOnce(): Promise<{ changedDagIds: string[]; scan: ScanResult }>;
  /** Watches the folder from now on. */
  start(): void;
  /** Stops watching and refreshing, and closes the Python parser. */
  stop(): Promise<void>;
  /** Whether a Python DAG file was parsed (with lazyPython, only then is the Python parser started). */
  readonly pythonStarted: boolean;
}

export async function startDagProcessing(opts: DagProcessingOptions): Promise<DagProcessing> {
  const { config, db, events, dagsFolder, logger } = opts;
  // With [dag_sources], the DAG folder is their root: they are synced into it before the first scan.
  const sources: RunningDagSources | null = dagSourcesOf(config).length > 0 ? await openDagSources({ config, root: dagsFolder, db, logger, ...(opts.metrics ? { metrics: opts.metrics } : {}) }) : null;
  const variables = opts.variables ?? { current: {} };
  const refreshVariables = async () => { variables.current = await variablesSnapshot(db); };
  await refreshVariables();
  const varTimer = setInterval(() => void refreshVariables().catch(() => {}), VARIABLES_REFRESH_MS);
  varTimer.unref();
  const make = () => pythonLoaderOf(config, dagsFolder, () => variables.current, opts.snapshotDir);
  let python: PythonDagLoader | null = opts.python ?? (opts.lazyPython ? null : make());
  const loader: DagFileLoader = { load: (relPath, text) => (python ??= make()).load(relPath, text) };
  const serviceFor = (include?: (relPath: string) => boolean) => new DagProcessorService({
    db, events, dagsFolder, logger, ...(opts.metrics ? { metrics: opts.metrics } : {}), options: { pausedAtCreation: config.core.dags_are_paused_at_creation },
    processor: folderProcessorOf(config, dagsFolder, loader, include),
    sources: sources?.set ?? null, folderVersion: () => folderCommit(dagsFolder),
  });
  let processor = serviceFor();
  const focus = opts.focusDagId;
  const candidates = focus === undefined ? null : opts.focusFiles ?? await filesMentioning(dagsFolder, focus, discoveryOf(config));
  if (focus !== undefined && candidates && candidates.size > 0) {
    const focused = serviceFor((f) => candidates.has(f));
    const { scan } = await focused.syncOnce();
    if (scan.changed.some((r) => r.ok && r.dags.some((d) => d.dag_id === focus))) processor = focused;
    else await processor.syncOnce();
  } else {
    await processor.syncOnce();
  }
  return {
    get processor() { return processor; },
    syncOnce: () => processor.syncOnce(),
    start: () => {
      processor.start();
      sources?.start(() => processor.syncOnce());
    },
    async stop() {
      await sources?.stop();
      clearInterval(varTimer);
      processor.stop();
      await python?.close();
    },
    get pythonStarted() { return python !== null; },
  };
}
