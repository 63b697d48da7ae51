/**
 * A branch (or a tag) of a git repository kept as a folder, over smart HTTP with isomorphic-git (no `git` binary
 * needed).
 *
 * Under `dir`: `repo.git` (a bare, shallow clone of the one branch or tag), `trees/<commit>-<n>` (a commit's files) and
 * `current`, a symlink to the tree of the latest commit. Each sync fetches the branch head (depth 1); a new commit
 * is written to a fresh tree, then `current` is swapped with one rename, so a reader of `<dir>/current/...` sees
 * one commit's files or the next's, never a mix. The previous tree is kept (a reader may be inside it); older ones
 * are removed. A failed sync changes nothing on disk that a reader sees.
 *
 * Errors are `GitSyncError`s whose message names the branch and the URL with any password replaced by `***`.
 */
import * as fs from 'node:fs';
import { mkdir, readdir, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join, relative, isAbsolute } from 'node:path';
import { randomBytes } from 'node:crypto';
import git from 'isomorphic-git';
import http from 'isomorphic-git/http/node';
import { redactUrl } from '@windsock/dag-model';
import type { GitAuth } from './credentials.ts';

export interface RemoteBranch {
  url: string;
  /** The branch to follow; ignored when `tag` is set. */
  branch: string;
  /** A tag to check out instead of a branch (moved tags are followed too: a force-pushed tag is a new commit). */
  tag?: string;
  auth?: GitAuth | null;
  /** Network operations give up after this long (default 120 000 ms). */
  timeoutMs?: number;
}

export interface SyncOptions extends RemoteBranch {
  /** The folder this branch is kept in (made when missing). */
  dir: string;
  /** A folder the commit must hold (the DAGs' sub-folder): a commit without it is refused, the last good kept. */
  subdir?: string;
  /** isomorphic-git's fetch progress (phase, objects loaded, total when known): a first clone of a large repo is slow. */
  onProgress?: (p: { phase: string; loaded: number; total: number }) => void;
}

export interface SyncResult {
  commit: string;
  /** `<dir>/current`: always the latest synced commit's files. */
  path: string;
  /** Whether this sync moved `current` to a new commit. */
  changed: boolean;
}

export type GitSyncErrorCode = 'BRANCH_NOT_FOUND' | 'REPO_NOT_FOUND' | 'AUTH_FAILED' | 'UNREACHABLE' | 'SUBDIR_MISSING' | 'TIMEOUT' | 'FAILED';

export class GitSyncError extends Error {
  readonly code: GitSyncErrorCode;
  constructor(code: GitSyncErrorCode, message: string) { super(message); this.name = 'GitSyncError'; this.code = code; }
}

/** `branch "main"` or `tag "v1"`: how errors name what was asked for. */
export const refLabel = (o: Pick<RemoteBranch, 'branch' | 'tag'>) => (o.tag ? `tag "${o.tag}"` : `branch "${o.branch}"`);
const fullRef = (o: Pick<RemoteBranch, 'branch' | 'tag'>) => (o.tag ? `refs/tags/${o.tag}` : `refs/heads/${o.branch}`);

/** The checkout a reader should use: `<dir>/current`. */
export const checkoutPath = (dir: string) => join(dir, 'current');

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);

/** `err` as a GitSyncError whose message holds no secret. */
export function describeGitError(err: unknown, o: RemoteBranch): GitSyncError {
  if (err instanceof GitSyncError) return err;
  const e = err as Error & { code?: string; data?: { statusCode?: number; what?: string } };
  const where = `${refLabel(o)} of ${redactUrl(o.url)}`;
  const scrub = (text: string) => {
    let t = text.split(o.url).join(redactUrl(o.url));
    if (o.auth?.password) t = t.split(o.auth.password).join('***');
    return t;
  };
  const status = e.data?.statusCode;
  if (e.code === 'NotFoundError') return new GitSyncError('BRANCH_NOT_FOUND', `${where}: the ${o.tag ? 'tag' : 'branch'} does not exist`);
  if (status === 401 || status === 403) {
    return new GitSyncError('AUTH_FAILED', `${where}: access denied (HTTP ${status}): ${o.auth ? 'the credentials were refused' : 'no credentials match this URL'}`);
  }
  if (status === 404) return new GitSyncError('REPO_NOT_FOUND', `${where}: no repository at this URL (HTTP 404)`);
  if (e.code && NETWORK_CODES.has(e.code)) return new GitSyncError('UNREACHABLE', `${where}: cannot reach the server (${e.code})`);
  return new GitSyncError('FAILED', `${where}: ${scrub(e.message ?? String(err))}`);
}

async function withTimeout<T>(o: RemoteBranch, what: string, fn: () => Promise<T>): Promise<T> {
  const ms = o.timeoutMs ?? 120_000;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new GitSyncError('TIMEOUT', `${refLabel(o)} of ${redactUrl(o.url)}: ${what} took longer than ${ms} ms`)), ms);
  });
  try { return await Promise.race([fn(), timeout]); } catch (err) { throw describeGitError(err, o); } finally { clearTimeout(timer); }
}

const authOf = (o: RemoteBranch) => (o.auth ? { onAuth: () => ({ username: o.auth!.username, password: o.auth!.password }) } : {});

/** The commit at the head of the branch (or the tag's commit) on the server (one small request; nothing is written). */
export async function remoteHead(o: RemoteBranch): Promise<string> {
  const ref = fullRef(o);
  const refs = await withTimeout(o, 'listing the ref', () => git.listServerRefs({ http, url: o.url, prefix: ref, peelTags: true, ...authOf(o) }));
  const head = refs.find((r) => r.ref === ref);
  if (!head) throw new GitSyncError('BRANCH_NOT_FOUND', `${refLabel(o)} of ${redactUrl(o.url)}: the ${o.tag ? 'tag' : 'branch'} does not exist`);
  return head.peeled ?? head.oid;
}

/** Syncs on one folder run one after the other (in this process). */
const chains = new Map<string, Promise<unknown>>();

/** Fetches the branch head into `<dir>/repo.git` and, when it moved, makes `<dir>/current` its files. */
export function syncRepo(o: SyncOptions): Promise<SyncResult> {
  const prev = chains.get(o.dir) ?? Promise.resolve();
  const run = prev.then(() => syncOnce(o));
  const settled = run.catch(() => {});
  chains.set(o.dir, settled);
  void settled.then(() => { if (chains.get(o.dir) === settled) chains.delete(o.dir); });
  return run;
}

async function syncOnce(o: SyncOptions): Promise<SyncResult> {
  const gitdir = join(o.dir, 'repo.git');
  const trees = join(o.dir, 'trees');
  await mkdir(trees, { recursive: true });
  await git.init({ fs, gitdir, bare: true, defaultBranch: o.tag ? 'main' : o.branch });
  await git.addRemote({ fs, gitdir, remote: 'origin', url: o.url, force: true });
  const onProgress = o.onProgress;
  const fetched = await withTimeout(o, 'fetching', () => git.fetch({
    fs, http, gitdir, url: o.url, ref: o.tag ? fullRef(o) : o.branch, remoteRef: o.tag ? fullRef(o) : o.branch, singleBranch: true, depth: 1, tags: false,
    ...(onProgress ? { onProgress: (p: { phase: string; loaded: number; total: number }) => onProgress({ phase: p.phase, loaded: p.loaded, total: p.total }) } : {}),
    ...authOf(o),
  }));
  const commit = fetched.fetchHead ? await peel(gitdir, fetched.fetchHead) : null;
  if (!commit) throw new GitSyncError('BRANCH_NOT_FOUND', `${refLabel(o)} of ${redactUrl(o.url)}: the ${o.tag ? 'tag' : 'branch'} does not exist`);
  const link = checkoutPath(o.dir);
  const current = await readlink(link).catch(() => null);
  if (current && current.startsWith(`trees/${commit}-`)) return { commit, path: link, changed: false };
  if (o.subdir) await requireFolder(gitdir, commit, o.subdir, o);
  const name = `${commit}-${randomBytes(3).toString('hex')}`;
  const tmp = join(trees, `.tmp-${name}`);
  try {
    await exportTree(gitdir, commit, tmp);
    await rename(tmp, join(trees, name));
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err instanceof GitSyncError ? err : new GitSyncError('FAILED', `writing commit ${commit.slice(0, 12)} of ${refLabel(o)} failed: ${(err as Error).message}`);
  }
  const swap = join(o.dir, `.current-${randomBytes(3).toString('hex')}`);
  await symlink(`trees/${name}`, swap);
  await rename(swap, link); // atomic: readers of <dir>/current see the old tree or the new one
  await prune(trees, [name, current?.replace(/^trees\//, '') ?? '']);
  return { commit, path: link, changed: true };
}

/** The commit an annotated tag points at (a branch head or a lightweight tag is a commit already). */
async function peel(gitdir: string, oid: string): Promise<string> {
  for (let i = 0; i < 5; i++) {
    const obj = await git.readObject({ fs, gitdir, oid, format: 'parsed' }).catch(() => null);
    if (!obj || obj.type !== 'tag') return oid;
    oid = (obj.object as { object: string }).object;
  }
  return oid;
}

async function requireFolder(gitdir: string, commit: string, subdir: string, o: RemoteBranch): Promise<void> {
  try {
    await git.readTree({ fs, gitdir, oid: commit, filepath: subdir });
  } catch {
    throw new GitSyncError('SUBDIR_MISSING', `${refLabel(o)} of ${redactUrl(o.url)} at ${commit.slice(0, 12)} has no folder ${subdir}`);
  }
}

/** Removes every tree but `keep` (and half-written ones of an interrupted sync). */
async function prune(trees: string, keep: string[]): Promise<void> {
  for (const entry of await readdir(trees).catch(() => [] as string[])) {
    if (!keep.includes(entry)) await rm(join(trees, entry), { recursive: true, force: true }).catch(() => {});
  }
}

const MODE_EXECUTABLE = 0o100755;
const MODE_SYMLINK = 0o120000;

/** Writes the files of `commit` under `out` (executable bits and symlinks kept; submodules left empty). */
async function exportTree(gitdir: string, commit: string, out: string): Promise<void> {
  await mkdir(out, { recursive: true });
  await git.walk({
    fs, gitdir, trees: [git.TREE({ ref: commit })],
    map: async (filepath, [entry]) => {
      if (!entry || filepath === '.') return true;
      const target = join(out, filepath);
      const rel = relative(out, target);
      if (rel.startsWith('..') || isAbsolute(rel) || filepath.split('/').some((p) => p === '..' || p === '.git')) return null; // never written
      const type = await entry.type();
      if (type === 'tree' || type === 'commit') { await mkdir(target, { recursive: true }); return type === 'tree' ? true : null; }
      const mode = await entry.mode();
      const content = (await entry.content()) ?? new Uint8Array();
      if (mode === MODE_SYMLINK) await symlink(Buffer.from(content).toString('utf8'), target);
      else await writeFile(target, content, { flag: 'wx', mode: mode === MODE_EXECUTABLE ? 0o755 : 0o644 });
      return true;
    },
  });
}
