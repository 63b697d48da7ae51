/**
 * DagFolderProcessor: keeps a DAG folder's parse results current. Each scan lists the DAG files,
 * hashes their bytes (sha256) and re-parses only the files that are new or changed; a file that
 * disappeared is reported once. A loader that throws, or a file that cannot be read, becomes that
 * file's import error: one broken file never stops the others.
 *
 * Every result is sanitized (sanitize.ts) before it leaves: whatever a file raised or declared can
 * be stored. A file that is a symlink leading outside the DAG folder is refused, unread, with an
 * import error that does not name its target.
 *
 * A dag_id already defined by another file is an import error of the later file (Airflow's
 * AirflowDagDuplicatedIdException); such a file is parsed again at every scan until the conflict
 * is gone, so it recovers when the other file drops the id. Within one scan the files are taken in
 * path order, except that files named by seedOwners() (who held each dag_id before a restart) go
 * first, so a restart never hands a dag_id to the other file.
 *
 * watch() re-scans on file-system events (debounced) and also every rescanIntervalMs, because
 * events are lost in ordinary cases (a git-sync symlink swap, an inotify limit, a watcher error).
 */
import { createHash } from 'node:crypto';
import { watch as fsWatch, type FSWatcher } from 'node:fs';
import { readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import type { FileParseResult } from '../declaration.ts';
import { DagParserConfigError } from '../errors.ts';
import type { ParserOptions, ParserOptionsInput } from '../normalize/options.ts';
import { sanitizeParseResult } from '../sanitize.ts';
import { createYamlLoader } from '../yaml/load.ts';
import type { IgnoreSyntax, WarnFn } from './ignore.ts';
import { listDagFiles } from './list.ts';
import type { DagFileLoader } from '../loader.ts';

/** `parseMs`: how long its loader took (dag_processing.last_duration). */
export type ParsedFile = FileParseResult & { contentHash: string; parseMs?: number };

/** Files handed to loaders at once; enough to keep a parser pool busy, few enough to bound memory. */
const PARSE_CONCURRENCY = 16;

async function mapConcurrently<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return out;
}

export interface ScanResult {
  /** Files new or changed since the last scan, freshly parsed. */
  changed: ParsedFile[];
  /** Files gone since the last scan (each reported once). */
  deleted: string[];
  /** Files whose content hash did not change (not parsed again). */
  unchanged: string[];
  /** How long the scan took, listing and parsing included (dag_processing.total_parse_time). */
  durationMs?: number;
}

export interface DagFolderProcessorOptions {
  folder: string;
  /** Extension (".py") -> loader. `.yaml` and `.yml` default to the built-in YAML loader. */
  loaders?: Readonly<Record<string, DagFileLoader>>;
  /** For the built-in YAML loader (when `loaders` gives none); defaults when absent. */
  parserOptions?: ParserOptions | ParserOptionsInput;
  /** [core] dag_discovery_safe_mode. Default true. */
  safeMode?: boolean;
  /** [core] dag_ignore_file_syntax. Default "regexp" (Airflow 2). */
  ignoreSyntax?: IgnoreSyntax;
  /** watch(): periodic re-scan interval. Default 30 000 ms ([scheduler] min_file_process_interval). */
  rescanIntervalMs?: number;
  /** watch(): quiet time after the last event before scanning. Default 50 ms. */
  debounceMs?: number;
  onWarning?: WarnFn;
  /**
   * Only the files it accepts (relative paths) are parsed; the others are left alone, as if absent. `dags test`
   * uses it to parse the file that holds its DAG and nothing else.
   */
  include?: (relPath: string) => boolean;
}

interface Known {
  /** null: parse again at the next scan whatever the hash (duplicate dag_id conflict). */
  hash: string | null;
  dagIds: string[];
}

export class DagFolderProcessor {
  readonly folder: string;
  readonly #loaders: ReadonlyMap<string, DagFileLoader>;
  readonly #safeMode: boolean;
  readonly #ignoreSyntax: IgnoreSyntax;
  readonly #rescanIntervalMs: number;
  readonly #debounceMs: number;
  readonly #warn: WarnFn;
  readonly #include: (relPath: string) => boolean;
  readonly #known = new Map<string, Known>();
  #seededOwners = new Set<string>();
  #queue: Promise<unknown> = Promise.resolve();

  constructor(opts: DagFolderProcessorOptions) {
    const count = (name: string, v: number | undefined, dflt: number): number => {
      if (v === undefined) return dflt;
      if (!Number.isFinite(v) || v < 0) throw new DagParserConfigError('INVALID_OPTION', `${name} must be >= 0`);
      return v;
    };
    if (typeof opts.folder !== 'string' || opts.folder === '') {
      throw new DagParserConfigError('INVALID_OPTION', 'folder must be a path');
    }
    if (opts.ignoreSyntax !== undefined && opts.ignoreSyntax !== 'regexp' && opts.ignoreSyntax !== 'glob') {
      throw new DagParserConfigError('INVALID_OPTION', `ignoreSyntax must be "regexp" or "glob", got ${String(opts.ignoreSyntax)}`);
    }
    this.folder = opts.folder;
    const yaml = createYamlLoader(opts.parserOptions);
    this.#loaders = new Map(Object.entries({ '.yaml': yaml, '.yml': yaml, ...opts.loaders }));
    this.#safeMode = opts.safeMode ?? true;
    this.#ignoreSyntax = opts.ignoreSyntax ?? 'regexp';
    this.#rescanIntervalMs = count('rescanIntervalMs', opts.rescanIntervalMs, 30_000);
    this.#debounceMs = count('debounceMs', opts.debounceMs, 50);
    this.#warn = opts.onWarning ?? (() => {});
    this.#include = opts.include ?? (() => true);
  }

  /** One scan; concurrent calls run one after the other. */
  scan(): Promise<ScanResult> {
    const run = this.#queue.then(() => this.#scanOnce());
    this.#queue = run.catch(() => {});
    return run;
  }

  /** Files that held dag_ids before (e.g. the metastore's `dag.fileloc`): the next scan takes them first. */
  seedOwners(relPaths: Iterable<string>): void {
    this.#seededOwners = new Set(relPaths);
  }

  /** Makes the next scan parse `relPath` (or every file) again even if unchanged. */
  forget(relPath?: string): void {
    if (relPath === undefined) this.#known.clear();
    else this.#known.delete(relPath);
  }

  async #scanOnce(): Promise<ScanResult> {
    const started = performance.now();
    const files = (await listDagFiles(this.folder, {
      safeMode: this.#safeMode, ignoreSyntax: this.#ignoreSyntax, onWarning: this.#warn,
    })).filter((f) => this.#loaders.has(path.extname(f)) && this.#include(f));
    const present = new Set(files);
    const deleted = [...this.#known.keys()].filter((f) => !present.has(f)).sort();
    for (const f of deleted) this.#known.delete(f);

    const unchanged: string[] = [];
    const toParse: { relPath: string; bytes: Buffer | null; hash: string; readError?: unknown; outside?: boolean }[] = [];
    const root = await realpath(this.folder);
    for (const relPath of files) {
      let bytes: Buffer | null = null;
      let hash: string;
      let readError: unknown;
      try {
        // A symlink out of the DAG folder is refused before it is read: its target is not the author's to show.
        if (!isInside(root, await realpath(path.join(this.folder, relPath)))) {
          const known = this.#known.get(relPath);
          if (known && known.hash === OUTSIDE) unchanged.push(relPath);
          else toParse.push({ relPath, bytes: null, hash: OUTSIDE, outside: true });
          continue;
        }
        bytes = await readFile(path.join(this.folder, relPath));
        hash = createHash('sha256').update(bytes).digest('hex');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT' && this.#known.has(relPath)) {
          this.#known.delete(relPath); // removed between listing and reading
          deleted.push(relPath);
          continue;
        }
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
        readError = err;
        hash = `unreadable:${String(err)}`;
      }
      const known = this.#known.get(relPath);
      if (known && known.hash === hash) unchanged.push(relPath);
      else toParse.push({ relPath, bytes, hash, readError });
    }

    // dag_id ownership: files that keep their DAGs first, then changed files in path order.
    const owner = new Map<string, string>();
    for (const f of unchanged) for (const id of this.#known.get(f)!.dagIds) owner.set(id, f);
    const changed: ParsedFile[] = [];
    const parseMs = new Map<string, number>();
    // Files are parsed concurrently (a loader such as Python's has a pool of workers), then taken in path order.
    const parsed = await mapConcurrently(toParse, PARSE_CONCURRENCY, async (item) => sanitizeParseResult(item.outside
      ? failure(item.relPath, 'OUTSIDE_DAG_FOLDER', 'refused: this file is a symbolic link that leads outside the DAG folder; '
        + 'DAG files are read only from inside the DAG folder')
      : item.readError !== undefined
        ? failure(item.relPath, 'UNREADABLE', `cannot read the file: ${errorText(item.readError)}`, item.readError)
        : await this.#timedLoad(item.relPath, item.bytes!, parseMs)));
    const seeded = this.#seededOwners;
    this.#seededOwners = new Set();
    const order = [...toParse.keys()].sort((a, b) => Number(seeded.has(toParse[b]!.relPath)) - Number(seeded.has(toParse[a]!.relPath)) || a - b);
    const results = new Array<ParsedFile>(toParse.length);
    for (const i of order) {
      const item = toParse[i]!;
      let result = parsed[i]!;
      let conflict = false;
      if (result.ok) {
        const taken = result.dags.find((d) => owner.has(d.dag_id) && owner.get(d.dag_id) !== item.relPath);
        if (taken) {
          conflict = true;
          result = failure(item.relPath, 'DUPLICATE_DAG_ID',
            `DAG '${taken.dag_id}' is already defined in ${owner.get(taken.dag_id)} (dag_id must be unique)`);
        } else {
          for (const d of result.dags) owner.set(d.dag_id, item.relPath);
        }
      }
      this.#known.set(item.relPath, {
        hash: conflict ? null : item.hash,
        dagIds: result.ok ? result.dags.map((d) => d.dag_id) : [],
      });
      results[i] = { ...result, fileloc: item.relPath, contentHash: item.hash, ...(parseMs.has(item.relPath) ? { parseMs: parseMs.get(item.relPath)! } : {}) };
    }
    changed.push(...results); // reported in path order whatever order they were judged in
    return { changed, deleted: deleted.sort(), unchanged, durationMs: performance.now() - started };
  }

  async #timedLoad(relPath: string, bytes: Buffer, timings: Map<string, number>): Promise<FileParseResult> {
    const started = performance.now();
    try { return await this.#load(relPath, bytes); } finally { timings.set(relPath, performance.now() - started); }
  }

  async #load(relPath: string, bytes: Buffer): Promise<FileParseResult> {
    const loader = this.#loaders.get(path.extname(relPath))!;
    try {
      return await loader.load(relPath, bytes.toString('utf8'));
    } catch (err) {
      return failure(relPath, 'LOADER_FAILED', `the ${path.extname(relPath)} loader failed: ${errorText(err)}`, err);
    }
  }

  /**
   * Re-scans on changes under the folder and every rescanIntervalMs; `onChange` gets each scan
   * that found something new or deleted. Call scan() first for the initial state. Returns stop().
   */
  watch(onChange: (result: ScanResult) => void | Promise<void>): () => void {
    let stopped = false;
    let debounce: NodeJS.Timeout | null = null;
    let watcher: FSWatcher | null = null;
    const rescan = (): void => {
      if (stopped) return;
      this.scan().then(async (result) => {
        if (!stopped && (result.changed.length > 0 || result.deleted.length > 0)) await onChange(result);
      }).catch((err: unknown) => this.#warn(`DAG folder scan failed: ${errorText(err)}`));
    };
    const onEvent = (): void => {
      if (stopped) return;
      if (debounce) clearTimeout(debounce);
      debounce = setTimeout(() => {
        debounce = null;
        rescan();
      }, this.#debounceMs);
    };
    const closeWatcher = (): void => {
      try {
        watcher?.close();
      } catch {
        // already closed
      }
      watcher = null;
    };
    try {
      watcher = fsWatch(this.folder, { recursive: true, persistent: true }, onEvent);
      watcher.on('error', (err) => {
        this.#warn(`watching ${this.folder} failed (${errorText(err)}); re-scanning every ${this.#rescanIntervalMs} ms`);
        closeWatcher();
      });
    } catch (err) {
      this.#warn(`cannot watch ${this.folder} (${errorText(err)}); re-scanning every ${this.#rescanIntervalMs} ms`);
    }
    const interval = this.#rescanIntervalMs > 0 ? setInterval(rescan, this.#rescanIntervalMs) : null;
    return () => {
      stopped = true;
      if (debounce) clearTimeout(debounce);
      if (interval) clearInterval(interval);
      closeWatcher();
    };
  }
}

/** The hash of a file refused because it leads outside the DAG folder (it is not read, so has no content hash). */
const OUTSIDE = 'outside-dag-folder';

function isInside(root: string, real: string): boolean {
  return real === root || real.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function failure(relPath: string, code: string, message: string, err?: unknown): FileParseResult {
  const stack = err instanceof Error && err.stack ? err.stack : message;
  return { ok: false, fileloc: relPath, error: { filename: relPath, line: null, message, stacktrace: stack, code } };
}
