/**
 * Several DAG sources as one DAG folder: `<root>/<name>` is each source's DAGs, so one folder processor (and one
 * parser sandbox mounting the root) reads them all, a file's path names its source, and each source's
 * `.airflowignore` applies within it.
 *
 * A git source is synced by Windsock into `<root>/.sources/<name>` (git-sync.ts: a shallow clone, `current` swapped
 * atomically) and `<root>/<name>` links to `.sources/<name>/current/<subdir>`. A folder source is a folder inside
 * the root that something else fills (a git-sync sidecar); `<root>/<name>` links to it, and its commit is read from
 * git-sync's layout (a link to `.../<40-hex commit>`) or a `.git` folder.
 *
 * A sync that fails keeps the last good checkout (nothing a reader sees changes) and records the error in the
 * source's state; `healthy` is false while its DAG folder cannot be read, so a caller never takes missing files for
 * deleted DAGs.
 */
import { lstat, mkdir, readlink, rename, stat, symlink } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { redactUrl } from '@windsock/dag-model';
import { credentialsFor, loadGitCredentials } from './credentials.ts';
import { remoteHead, syncRepo, GitSyncError, refLabel } from './git-sync.ts';
import type { DagSourceSpec } from './spec.ts';
import { folderCommit } from './folder-commit.ts';

export { folderCommit };

export interface DagSourceState {
  name: string;
  kind: 'git' | 'folder';
  /** The repository URL (password redacted) or the folder's path. */
  url: string;
  /** `main`, `tag:v1.2`, or null for a folder. */
  ref: string | null;
  subdir: string;
  commit: string | null;
  lastSyncAt: Date | null;
  lastSuccessAt: Date | null;
  error: string | null;
  errorCode: string | null;
  /** Whether the source's DAG folder can be read (false before a first checkout, or while its folder is gone). */
  healthy: boolean;
}

/** pino's shape, so any logger fits. */
export interface SourceLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface DagSourceSetOptions {
  root: string;
  sources: readonly DagSourceSpec[];
  /** `[dag_sources] credentials_file`, read at every sync (a rotated Secret is picked up). */
  credentialsFile?: string;
  logger?: SourceLogger;
  /** Minimum time between two progress lines of one clone (default 2000 ms). */
  progressEveryMs?: number;
  /** Network timeout of one fetch (default 120 000 ms). */
  timeoutMs?: number;
}

export interface SyncOutcome { name: string; changed: boolean; state: DagSourceState }

const quiet: SourceLogger = { info: () => {}, warn: () => {} };

export class DagSourceSet {
  readonly root: string;
  readonly #specs: ReadonlyMap<string, DagSourceSpec>;
  readonly #states = new Map<string, DagSourceState>();
  readonly #o: DagSourceSetOptions;
  readonly #log: SourceLogger;
  #timers: NodeJS.Timeout[] = [];
  #stopped = false;
  #running = new Set<Promise<unknown>>();

  constructor(o: DagSourceSetOptions) {
    this.#o = o;
    this.root = resolve(o.root);
    this.#log = o.logger ?? quiet;
    this.#specs = new Map(o.sources.map((s) => [s.name, s]));
    for (const s of o.sources) {
      this.#states.set(s.name, {
        name: s.name, kind: s.kind, url: s.kind === 'git' ? redactUrl(s.url) : s.path, ref: s.kind === 'git' ? (s.tag ? `tag:${s.tag}` : s.branch) : null,
        subdir: s.subdir, commit: null, lastSyncAt: null, lastSuccessAt: null, error: null, errorCode: null, healthy: false,
      });
    }
  }

  /** Every source's state, in configuration order (copies). */
  states(): DagSourceState[] { return [...this.#states.values()].map((s) => ({ ...s })); }

  /** The source a DAG file (`<name>/...`, relative to the root) belongs to. */
  sourceOf(fileloc: string): DagSourceState | null {
    const s = this.#states.get(fileloc.split('/')[0]!);
    return s ? { ...s } : null;
  }

  /** Makes the root, `.sources/` and each `<root>/<name>` link. Throws on a folder source outside the root. */
  async prepare(): Promise<void> {
    await mkdir(join(this.root, '.sources'), { recursive: true });
    for (const s of this.#specs.values()) {
      const link = join(this.root, s.name);
      const target = s.kind === 'git' ? join(this.root, '.sources', s.name, 'current', s.subdir) : join(resolve(this.root, s.path), s.subdir);
      const rel = relative(this.root, target);
      if (rel.startsWith('..') || isAbsolute(rel)) throw new GitSyncError('FAILED', `[dag_sources] source "${s.name}": folder ${target} is outside the DAG sources root ${this.root}; mount it under the root`);
      if (target === link) { await mkdir(link, { recursive: true }); continue; }
      if (target.startsWith(link + '/')) throw new GitSyncError('FAILED', `[dag_sources] source "${s.name}": its folder may not lie inside ${link}; use .sources/${s.name}/...`);
      const want = relative(dirname(link), target);
      const have = await lstat(link).then((st) => (st.isSymbolicLink() ? readlink(link) : '<not a link>'), () => null);
      if (have === want) continue;
      if (have === '<not a link>') throw new GitSyncError('FAILED', `[dag_sources] source "${s.name}": ${link} exists and is not a link; remove it`);
      const tmp = `${link}.tmp-${process.pid}`;
      await symlink(want, tmp);
      await rename(tmp, link);
    }
  }

  /** Syncs every source once (in parallel); the first sync of a large repository logs its progress. */
  syncAll(): Promise<SyncOutcome[]> {
    return Promise.all([...this.#specs.keys()].map((n) => this.sync(n)));
  }

  /** Syncs one source: fetches a git source, or reads a folder source's commit. Never throws: errors go to the state. */
  async sync(name: string): Promise<SyncOutcome> {
    const spec = this.#specs.get(name);
    const state = this.#states.get(name);
    if (!spec || !state) throw new Error(`no DAG source named ${name}`);
    const before = state.commit;
    const wasHealthy = state.healthy;
    const now = () => new Date();
    try {
      const commit = spec.kind === 'git' ? await this.#syncGit(spec) : await this.#readFolder(spec);
      state.commit = commit;
      state.error = null;
      state.errorCode = null;
      state.healthy = true;
      state.lastSuccessAt = now();
    } catch (err) {
      const e = err instanceof GitSyncError ? err : new GitSyncError('FAILED', (err as Error).message);
      if (state.error !== e.message) this.#log.warn({ source: name, code: e.code, commit: state.commit, error: e.message }, 'DAG source sync failed; serving its last good commit');
      state.error = e.message;
      state.errorCode = e.code;
      state.healthy = await this.#readable(spec);
    }
    state.lastSyncAt = now();
    if (state.commit !== before && state.commit) this.#log.info({ source: name, commit: state.commit, was: before }, 'DAG source at a new commit');
    return { name, changed: state.commit !== before || state.healthy !== wasHealthy, state: { ...state } };
  }

  /** Syncs each source every its interval; `onSynced` gets each outcome (changed or not). */
  start(onSynced: (o: SyncOutcome) => Promise<void> | void): void {
    this.#stopped = false;
    for (const spec of this.#specs.values()) {
      const loop = () => {
        if (this.#stopped) return;
        const t = setTimeout(() => {
          const p = this.sync(spec.name).then(onSynced).catch((err: unknown) => this.#log.warn({ source: spec.name, error: (err as Error).message }, 'storing a DAG source\'s sync failed'))
            .finally(() => { this.#running.delete(p); loop(); });
          this.#running.add(p);
        }, spec.intervalMs);
        t.unref();
        this.#timers.push(t);
      };
      loop();
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers = [];
    await Promise.allSettled([...this.#running]);
  }

  async #syncGit(spec: Extract<DagSourceSpec, { kind: 'git' }>): Promise<string> {
    const creds = this.#o.credentialsFile ? loadGitCredentials(this.#o.credentialsFile) : [];
    const dir = join(this.root, '.sources', spec.name);
    const first = !(await lstat(join(dir, 'current')).then(() => true, () => false));
    const every = this.#o.progressEveryMs ?? 2000;
    let lastAt = 0;
    let lastPhase = '';
    const onProgress = first ? (p: { phase: string; loaded: number; total: number }) => {
      const t = Date.now();
      if (p.phase === lastPhase && t - lastAt < every) return;
      lastAt = t;
      lastPhase = p.phase;
      const percent = p.total > 0 ? Math.round((100 * p.loaded) / p.total) : null;
      this.#log.info({ source: spec.name, phase: p.phase, loaded: p.loaded, total: p.total || null, percent }, `cloning DAG source ${spec.name} (${refLabel(spec)}): ${p.phase}${percent === null ? ` ${p.loaded}` : ` ${percent}%`}`);
    } : undefined;
    const auth = credentialsFor(spec.url, creds);
    const timeout = this.#o.timeoutMs ? { timeoutMs: this.#o.timeoutMs } : {};
    // As git-sync does: one small request for the head, and a fetch only when it moved.
    const known = this.#states.get(spec.name)?.commit;
    if (!first && known && await remoteHead({ url: spec.url, branch: spec.branch, ...(spec.tag ? { tag: spec.tag } : {}), auth, ...timeout }) === known) return known;
    const r = await syncRepo({
      url: spec.url, branch: spec.branch, ...(spec.tag ? { tag: spec.tag } : {}), subdir: spec.subdir || undefined, dir,
      auth, ...timeout, ...(onProgress ? { onProgress } : {}),
    });
    return r.commit;
  }

  async #readFolder(spec: Extract<DagSourceSpec, { kind: 'folder' }>): Promise<string | null> {
    const path = resolve(this.root, spec.path);
    const dags = join(path, spec.subdir);
    const st = await stat(dags).catch(() => null);
    if (!st?.isDirectory()) throw new GitSyncError('SUBDIR_MISSING', `folder ${dags} does not exist (yet): is its git-sync sidecar running?`);
    return folderCommit(path);
  }

  async #readable(spec: DagSourceSpec): Promise<boolean> {
    return (await stat(join(this.root, spec.name)).catch(() => null))?.isDirectory() ?? false;
  }
}
