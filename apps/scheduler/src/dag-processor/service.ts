/**
 * The DAG processor: watches the DAG folder, re-parses only files whose content changed, and writes the results
 * (DAGs or import errors) to the metastore, then tells the scheduler which DAGs changed. Nothing else in
 * Windsock parses DAG files.
 */
import { readFile, realpath } from 'node:fs/promises';
import { join, sep } from 'node:path';
import type { Kysely } from 'kysely';
import type { Database } from '@windsock/metastore';
import type { EventBus } from '@windsock/queue';
import type { DagFolderProcessor, ScanResult } from '@windsock/dag-parser';
import { silentLogger, type Logger } from '@windsock/config';
import { syncDags } from './sync-dags.ts';
import { NO_METRICS, type Metrics } from '@windsock/metrics';

export interface DagProcessorServiceOptions {
  pausedAtCreation: boolean;
}

export class DagProcessorService {
  private readonly db: Kysely<Database>;
  private readonly events: EventBus;
  private readonly folder: DagFolderProcessor;
  private readonly dagsFolder: string;
  private readonly opts: DagProcessorServiceOptions;
  private readonly log: Logger;
  private readonly metrics: Metrics;
  private stopWatch: (() => void) | null = null;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(deps: { db: Kysely<Database>; events: EventBus; processor: DagFolderProcessor; dagsFolder: string; options: DagProcessorServiceOptions; logger?: Logger; metrics?: Metrics }) {
    this.db = deps.db;
    this.events = deps.events;
    this.folder = deps.processor;
    this.dagsFolder = deps.dagsFolder;
    this.opts = deps.options;
    this.log = deps.logger ?? silentLogger;
    this.metrics = deps.metrics ?? NO_METRICS;
  }

  /** Scans the folder once and stores what changed. Scans never overlap. */
  syncOnce(): Promise<{ changedDagIds: string[]; scan: ScanResult }> {
    const next = this.chain.then(async () => this.apply(await this.folder.scan()));
    this.chain = next.catch(() => {});
    return next;
  }

  start(): void {
    this.stopWatch = this.folder.watch((scan) => {
      const next = this.chain.then(() => this.apply(scan));
      this.chain = next.catch((err) => this.log.error({ err }, 'storing parsed DAGs failed'));
    });
  }

  stop(): void {
    this.stopWatch?.();
    this.stopWatch = null;
  }

  private async apply(scan: ScanResult): Promise<{ changedDagIds: string[]; scan: ScanResult }> {
    const sources = new Map<string, string>();
    for (const r of scan.changed) {
      if (!r.ok) this.log.warn({ file: r.fileloc, line: r.error.line }, `import error: ${r.error.message}`);
      // The code view never shows a file the processor refused (a symlink out of the DAG folder).
      if (!r.ok && r.error.code === 'OUTSIDE_DAG_FOLDER') continue;
      try {
        const file = await realpath(join(this.dagsFolder, r.fileloc));
        const root = await realpath(this.dagsFolder);
        if (file.startsWith(root + sep)) sources.set(r.fileloc, await readFile(file, 'utf8'));
      } catch { /* deleted meanwhile */ }
    }
    const changedDagIds = await syncDags(this.db, { results: scan.changed, deleted: scan.deleted, sources }, { pausedAtCreation: this.opts.pausedAtCreation });
    if (changedDagIds.length > 0 || scan.deleted.length > 0) {
      this.log.info({ changed: changedDagIds, deleted_files: scan.deleted }, 'DAGs updated');
      this.events.emit('dags:changed', { dagIds: changedDagIds });
    }
    await this.report(scan);
    return { changedDagIds, scan };
  }

  /** dag_processing.*: the scan's time, each parsed file's, and the import errors now recorded. */
  private async report(scan: ScanResult): Promise<void> {
    if (this.metrics === NO_METRICS) return;
    if (scan.durationMs !== undefined) this.metrics.gauge('dag_processing.total_parse_time', scan.durationMs / 1000);
    for (const r of scan.changed) if (r.parseMs !== undefined) this.metrics.timing('dag_processing.last_duration', r.parseMs, { file_name: r.fileloc.split('/').pop()!.replace(/\.[^.]+$/, '') });
    try {
      const row = await this.db.selectFrom('import_error').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirst();
      this.metrics.gauge('dag_processing.import_errors', Number(row?.n ?? 0));
    } catch (err) { this.log.warn({ err }, 'could not count import errors for dag_processing.import_errors'); }
  }
}
