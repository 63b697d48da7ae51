/**
 * A sandbox scheduler's DAGs from a branch of a git repository: the control plane names the branch (and the
 * credentials for its URL) in the environment; this process clones it into a temporary folder before the DAG
 * processor starts, then fetches it every `[sandboxes] git_sync_interval_sec`. A new commit is swapped in
 * atomically (libs/dag-sources) and the DAG processor told to rescan; a failed fetch keeps the last good commit
 * and is logged. A first clone that fails fails the process, with a message naming the branch.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '@windsock/config';
import { redactUrl } from '@windsock/dag-model';
import { checkGitSource, syncRepo, type GitAuth, type GitSource } from '@windsock/dag-sources';
import { GIT_AUTH_ENV as AUTH_ENV, GIT_SOURCE_ENV as SOURCE_ENV } from '@windsock/sandboxes/git-source';

export interface GitDagsSource { source: GitSource; auth: GitAuth | null }

/** The git source the control plane set (`WINDSOCK_SANDBOX_GIT`, `WINDSOCK_SANDBOX_GIT_AUTH`), or null. */
export function gitSourceFromEnv(env: Record<string, string | undefined>): GitDagsSource | null {
  const raw = env[SOURCE_ENV];
  if (!raw) return null;
  let parsed: GitSource;
  try { parsed = JSON.parse(raw) as GitSource; } catch { throw new Error(`${SOURCE_ENV} is not JSON {url, branch, subdir?}`); }
  const checked = checkGitSource({ url: String(parsed.url), branch: String(parsed.branch), subdir: parsed.subdir });
  if ('error' in checked) throw new Error(`${SOURCE_ENV}: ${checked.error}`);
  let auth: GitAuth | null = null;
  if (env[AUTH_ENV]) {
    try { auth = JSON.parse(env[AUTH_ENV]) as GitAuth; } catch { throw new Error(`${AUTH_ENV} is not JSON {username, password}`); }
  }
  return { source: checked.source, auth };
}

export interface GitDags {
  /** `<checkout>/<subdir>`: a path through the swapped symlink, so it always shows the latest synced commit. */
  readonly dagsFolder: string;
  readonly commit: string;
  stop(): Promise<void>;
}

export async function startGitDags(o: GitDagsSource & { name: string; intervalMs: number; logger: Logger; onChange: () => Promise<void> | void }): Promise<GitDags> {
  const { source, logger: log } = o;
  const where = { url: redactUrl(source.url), branch: source.branch };
  const dir = await mkdtemp(join(tmpdir(), `windsock-git-${o.name}-`));
  const sync = () => syncRepo({ url: source.url, branch: source.branch, subdir: source.subdir, auth: o.auth, dir });
  let commit: string;
  let dagsFolder: string;
  try {
    const first = await sync();
    commit = first.commit;
    dagsFolder = join(first.path, source.subdir ?? '');
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`cannot check out the sandbox's DAGs: ${(err as Error).message}`, { cause: err });
  }
  log.info({ ...where, commit }, 'DAGs checked out from git');
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> = Promise.resolve();
  const tick = async () => {
    try {
      const r = await sync();
      if (r.changed) {
        log.info({ ...where, commit: r.commit, was: commit }, 'new commit on the DAGs\' branch: DAGs updated');
        commit = r.commit;
        await o.onChange();
      }
    } catch (err) {
      log.error({ ...where, commit, error: (err as Error).message }, 'git sync failed; keeping the last good commit');
    }
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => { running = tick().finally(schedule); }, o.intervalMs);
    timer.unref();
  };
  schedule();
  return {
    dagsFolder,
    get commit() { return commit; },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
