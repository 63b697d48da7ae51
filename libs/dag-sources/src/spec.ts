/**
 * `[dag_sources] sources`: what each DAG source is, checked once at the edge. Pure.
 *
 * The value is a list, or a mapping name → source (YAML in the config file, JSON text in
 * `WINDSOCK__DAG_SOURCES__SOURCES`):
 *
 *   - { name: team-a, git: https://git.example.com/team-a/dags.git, branch: main, subdir: dags, sync_interval_sec: 2 }
 *   - { name: team-b, git: https://git.example.com/team-b/dags.git, tag: v1.4.0 }
 *   - { name: team-c, folder: .sources/team-c/current, subdir: dags }     # a git-sync sidecar's link
 *
 * Each source appears in the DAG folder as `<root>/<name>`, so its files are `<name>/...` and never clash with
 * another source's. A folder source's path is relative to the root (or absolute inside it): DAG files are read
 * only from inside the root, which the parser's sandbox mounts.
 */
import { isValidBranch, gitUrlProblem, normalizeSubdir } from './validate.ts';

interface Common { name: string; subdir: string; intervalMs: number }
export interface GitSourceSpec extends Common { kind: 'git'; url: string; branch: string; tag?: string }
export interface FolderSourceSpec extends Common { kind: 'folder'; path: string }
export type DagSourceSpec = GitSourceSpec | FolderSourceSpec;

export class DagSourceConfigError extends Error {
  readonly code = 'BAD_DAG_SOURCE';
  constructor(message: string) { super(`[dag_sources] sources: ${message}`); this.name = 'DagSourceConfigError'; }
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;
const KEYS = new Set(['name', 'git', 'url', 'folder', 'path', 'branch', 'tag', 'subdir', 'sync_interval_sec']);

/** The sources of `raw` (JSON text, or an already-parsed list/mapping); `[]` when empty. */
export function compileDagSources(raw: unknown, defaultIntervalSec: number): DagSourceSpec[] {
  let doc = raw;
  if (typeof raw === 'string') {
    if (raw.trim() === '') return [];
    try { doc = JSON.parse(raw); } catch { throw new DagSourceConfigError('not valid JSON (a list of {name, git | folder, ...} or a mapping name → {...})'); }
  }
  if (doc === null || doc === undefined) return [];
  const entries: [string | undefined, unknown][] = Array.isArray(doc)
    ? doc.map((v) => [undefined, v])
    : typeof doc === 'object' ? Object.entries(doc as Record<string, unknown>) : [];
  if (!Array.isArray(doc) && typeof doc !== 'object') throw new DagSourceConfigError('expected a list or a mapping');
  const seen = new Set<string>();
  return entries.map(([key, v], i) => {
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new DagSourceConfigError(`entry ${key ?? i + 1} must be a mapping`);
    const o = v as Record<string, unknown>;
    const name = String(o.name ?? key ?? '');
    const at = `source "${name || i + 1}"`;
    if (!NAME.test(name)) throw new DagSourceConfigError(`${at}: name must be letters, digits, "-" or "_" (at most 63), not starting with "-" or "_"`);
    if (key !== undefined && o.name !== undefined && o.name !== key) throw new DagSourceConfigError(`${at}: its key and name differ`);
    if (seen.has(name)) throw new DagSourceConfigError(`${at}: two sources have this name`);
    seen.add(name);
    const unknown = Object.keys(o).filter((k) => !KEYS.has(k));
    if (unknown.length) throw new DagSourceConfigError(`${at}: unknown key(s) ${unknown.join(', ')}`);
    const sub = normalizeSubdir(o.subdir === undefined ? undefined : String(o.subdir));
    if ('error' in sub) throw new DagSourceConfigError(`${at}: subdir ${sub.error}`);
    const sec = o.sync_interval_sec === undefined ? defaultIntervalSec : Number(o.sync_interval_sec);
    if (!Number.isFinite(sec) || sec <= 0) throw new DagSourceConfigError(`${at}: sync_interval_sec must be a positive number`);
    const common = { name, subdir: sub.subdir, intervalMs: Math.round(sec * 1000) };
    const url = o.git ?? o.url;
    const folder = o.folder ?? o.path;
    if ((url === undefined) === (folder === undefined)) throw new DagSourceConfigError(`${at}: give either git (a URL) or folder (a path)`);
    if (folder !== undefined) {
      if (o.branch !== undefined || o.tag !== undefined) throw new DagSourceConfigError(`${at}: a folder source has no branch or tag (its sidecar chooses)`);
      if (typeof folder !== 'string' || folder.trim() === '') throw new DagSourceConfigError(`${at}: folder must be a path`);
      return { kind: 'folder', path: folder, ...common };
    }
    const problem = gitUrlProblem(String(url));
    if (problem) throw new DagSourceConfigError(`${at}: git: ${problem.replace('[sandboxes] git_credentials_file', '[dag_sources] credentials_file')}`);
    if (o.branch !== undefined && o.tag !== undefined) throw new DagSourceConfigError(`${at}: give a branch or a tag, not both`);
    const branch = o.branch === undefined ? 'main' : String(o.branch);
    if (!isValidBranch(branch)) throw new DagSourceConfigError(`${at}: branch "${branch}" is not a valid branch name`);
    if (o.tag !== undefined && !isValidBranch(String(o.tag))) throw new DagSourceConfigError(`${at}: tag "${String(o.tag)}" is not a valid tag name`);
    return { kind: 'git', url: String(url), branch, ...(o.tag !== undefined ? { tag: String(o.tag) } : {}), ...common };
  });
}
