/**
 * Sandboxes whose DAGs come from a branch of a git repository: what the control plane gives the sandbox's
 * scheduler (the source, and the credentials for its URL, as environment variables; on Kubernetes they land in the
 * scheduler's Secret), and the branch's head on the server, checked at most every 30 s, for waking a sleeping
 * sandbox when the branch moves. The scheduler fetches the branch itself (apps/cli/src/runtime/sandbox-git.ts).
 */
import { credentialsFor, loadGitCredentials, remoteHead, resolvedHostProblem, type GitSource } from '@windsock/dag-sources';
import { redactUrl } from '@windsock/dag-model';
import type { Logger, WindsockConfig } from '@windsock/config';
import type { SandboxRow } from './types.ts';

/** JSON `{url, branch, subdir?}`: the branch the sandbox scheduler syncs its DAGs from. */
export const GIT_SOURCE_ENV = 'WINDSOCK_SANDBOX_GIT';
/** JSON `{username, password}`, when `[sandboxes] git_credentials_file` has some for the URL. */
export const GIT_AUTH_ENV = 'WINDSOCK_SANDBOX_GIT_AUTH';

/** The sandbox's git source, or null when its DAGs come from a folder. */
export function gitSourceOf(row: Pick<SandboxRow, 'dag_source'>): GitSource | null {
  const g = (row.dag_source as { git?: GitSource }).git;
  return g && typeof g.url === 'string' && typeof g.branch === 'string' ? g : null;
}

function authFor(url: string, c: WindsockConfig['sandboxes']) {
  return c.git_credentials_file ? credentialsFor(url, loadGitCredentials(c.git_credentials_file)) : null;
}

/** The scheduler's environment for a git source (the credentials file is read now: a rotated secret is used). */
export function gitLaunchEnv(g: GitSource, c: WindsockConfig['sandboxes']): Record<string, string> {
  const auth = authFor(g.url, c);
  return {
    [GIT_SOURCE_ENV]: JSON.stringify({ url: g.url, branch: g.branch, ...(g.subdir ? { subdir: g.subdir } : {}) }),
    WINDSOCK__SANDBOXES__GIT_SYNC_INTERVAL_SEC: String(c.git_sync_interval_sec),
    ...(auth ? { [GIT_AUTH_ENV]: JSON.stringify(auth) } : {}),
  };
}

/** The heads of sandboxes' branches on their servers, asked at most every `everyMs` per sandbox. */
export class RemoteHeads {
  readonly #seen = new Map<string, { at: number; head: string | null }>();
  readonly #c: WindsockConfig['sandboxes'];
  readonly #log: Logger;
  readonly #everyMs: number;

  constructor(c: WindsockConfig['sandboxes'], logger: Logger, everyMs = 30_000) { this.#c = c; this.#log = logger; this.#everyMs = everyMs; }

  /** The head (the last one known while the server does not answer; null before any answer). */
  async head(name: string, g: GitSource): Promise<string | null> {
    const seen = this.#seen.get(name);
    if (seen && Date.now() - seen.at < this.#everyMs) return seen.head;
    const now = { at: Date.now(), head: seen?.head ?? null };
    this.#seen.set(name, now);
    try {
      // The control plane itself asks the server: a host the platform does not allow is not asked.
      const problem = await resolvedHostProblem(g.url, this.#c.git_allowed_hosts);
      if (problem) throw new Error(problem);
      now.head = await remoteHead({ url: g.url, branch: g.branch, auth: authFor(g.url, this.#c), timeoutMs: 10_000 });
    } catch (err) {
      this.#log.warn({ sandbox: name, url: redactUrl(g.url), branch: g.branch, error: (err as Error).message }, 'cannot read the head of a sandbox\'s git branch');
    }
    return now.head;
  }

  forget(name: string): void { this.#seen.delete(name); }
}
