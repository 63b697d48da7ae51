/**
 * The DAG processor: watches the DAG folder, re-parses only files whose content changed, and writes the results
 * (DAGs or import errors) to the metastore, then tells the scheduler which DAGs changed. Nothing else in
 * Windsock parses DAG files.
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import type { Kysely } from 'kysely';
import type { Database } from '@windsock/metastore';
import type { EventBus } from '@windsock/queue';
import type { DagFolderProcessor, ScanResult } from '@windsock/dag-parser';
import { silentLogger, type Logger } from '@windsock/config';
import { syncDags } from './sync-dags.ts';
import { setBundleVersion } from './sql/bundle-version.ts';
import { NO_METRICS, type Metrics } from '@windsock/metrics';

export interface DagProcessorServiceOptions {
  pausedAtCreation: boolean;
}

/** What the service needs of libs/dag-sources' DagSourceSet (structural: the scheduler does not fetch anything). */
export interface DagSourceCatalog {
  sourceOf(fileloc: string): { name: string; commit: string | null } | null;
  states(): readonly { name: string; commit: string | null }[];
}

export class DagProcessorService {
  private readonly db: Kysely<Database>;
  private readonly events: EventBus;
  private readonly folder: DagFolderProcessor;
  private readonly dagsFolder: string;
  private readonly opts: DagProcessorServiceOptions;
  private readonly log: Logger;
  private readonly sources: DagSourceCatalog | null;
  private readonly folderVersion: (() => Promise<string | null>) | null;
  private readonly metrics: Metrics;
  private stopWatch: (() => void) | null = null;
  private seeded = false;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(deps: {
    db: Kysely<Database>; events: EventBus; processor: DagFolderProcessor; dagsFolder: string; options: DagProcessorServiceOptions; logger?: Logger; metrics?: Metrics;
    /** The DAG sources the folder is the root of. */
    sources?: DagSourceCatalog | null;
    /** Without sources: the commit of the plain DAG folder (a git checkout), recorded as its DAGs' bundle_version. */
    folderVersion?: () => Promise<string | null>;
  }) {
    this.sources = deps.sources ?? null;
    this.folderVersion = deps.folderVersion ?? null;
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
    const next = this.chain.then(async () => {
      // The first scan after a start: a dag_id two files declare stays with the file that held it (no silent switch).
      if (!this.seeded) {
        this.seeded = true;
        this.folder.seedOwners((await this.db.selectFrom('dag').select('fileloc').where('is_active', '=', true).execute()).map((r) => r.fileloc));
      }
      return this.apply(await this.folder.scan());
    });
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
    const catalog = this.sources;
    if (catalog) scan = await this.ofSources(scan, catalog);
    const plainVersion = !catalog && this.folderVersion ? await this.folderVersion() : null;
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
    const bundleOf = (fileloc: string) => {
      if (!catalog) return { name: null, version: plainVersion };
      const s = catalog.sourceOf(fileloc);
      return s ? { name: s.name, version: s.commit } : null;
    };
    // The source's checkout is already at the new commit: its DAGs are stamped before the changed files are stored,
    // so no DAG (and no run created from it) is seen at the old commit once a new file of the commit is visible.
    for (const s of catalog?.states() ?? []) if (s.commit) await setBundleVersion(this.db, s.name, s.commit);
    const changedDagIds = await syncDags(this.db, { results: scan.changed, deleted: scan.deleted, sources }, { pausedAtCreation: this.opts.pausedAtCreation, bundleOf });
    if (changedDagIds.length > 0 || scan.deleted.length > 0) {
      this.log.info({ changed: changedDagIds, deleted_files: scan.deleted }, 'DAGs updated');
      this.events.emit('dags:changed', { dagIds: changedDagIds });
    }
    await this.report(scan);
    return { changedDagIds, scan };
  }

  /** Tags each source's DAGs `repo:<name>`; drops "deleted" files of a source whose folder cannot be read now. */
  private async ofSources(scan: ScanResult, catalog: DagSourceCatalog): Promise<ScanResult> {
    const changed = scan.changed.map((r) => {
      const src = catalog.sourceOf(r.fileloc);
      if (!r.ok || !src) return r;
      const tag = `repo:${src.name}`;
      return { ...r, dags: r.dags.map((d) => (d.tags.includes(tag) ? d : { ...d, tags: [...d.tags, tag] })) };
    });
    // Looked at now, not at the last sync: a sidecar's link may vanish between two syncs, and its files with it.
    const readable = new Map<string, boolean>();
    for (const f of scan.deleted) {
      const name = catalog.sourceOf(f)?.name;
      if (name && !readable.has(name)) readable.set(name, (await stat(join(this.dagsFolder, name)).catch(() => null))?.isDirectory() ?? false);
    }
    const kept = scan.deleted.filter((f) => readable.get(catalog.sourceOf(f)?.name ?? '') ?? true);
    if (kept.length < scan.deleted.length) this.log.warn({ files: scan.deleted.length - kept.length }, 'a DAG source cannot be read: its DAGs are kept as they were');
    return { ...scan, changed, deleted: kept };
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
