/**
 * Git credentials: a file (YAML or JSON) mapping URL prefixes to a username and a password or token, e.g.
 *
 *   https://github.com/acme/: { username: ci-bot, token: ghp_... }
 *   https://gitlab.example.com/: { username: oauth2, password: glpat-... }
 *
 * A URL gets the credentials of the longest prefix it starts with, at a boundary (`https://github.com/acme`
 * matches `https://github.com/acme/dags.git`, not `https://github.com/acme-evil/...`). Secrets never appear in
 * an error: a file that does not parse is reported by line only.
 */
import { readFileSync } from 'node:fs';
import { parse, YAMLParseError } from 'yaml';

export interface GitAuth { username: string; password: string }
export interface GitCredential extends GitAuth { prefix: string }

/** The username a token goes with when none is given (GitHub and most hosts take any name with a token). */
export const TOKEN_USERNAME = 'x-access-token';

export function parseGitCredentials(text: string, source = 'the git credentials file'): GitCredential[] {
  let doc: unknown;
  try { doc = parse(text); } catch (err) {
    const line = err instanceof YAMLParseError ? err.linePos?.[0]?.line : undefined;
    // The parser's error quotes the file, secrets included: only the line number is kept.
    // eslint-disable-next-line preserve-caught-error
    throw new Error(`${source} is not valid YAML or JSON${line ? ` (line ${line})` : ''}`);
  }
  if (doc === null || doc === undefined) return [];
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new Error(`${source}: expected a map of URL prefix → {username, password or token}`);
  return Object.entries(doc as Record<string, unknown>).map(([prefix, v]) => {
    const e = (v ?? {}) as { username?: unknown; password?: unknown; token?: unknown };
    const secret = e.password ?? e.token;
    if (typeof secret !== 'string' || !secret) throw new Error(`${source}: ${prefix} has no password or token`);
    if (e.username !== undefined && typeof e.username !== 'string') throw new Error(`${source}: ${prefix}: username must be a string`);
    return { prefix: prefix.trim(), username: (e.username as string | undefined) || TOKEN_USERNAME, password: secret };
  });
}

/** Reads and parses the file (every call: a rotated secret is picked up without a restart). */
export function loadGitCredentials(file: string): GitCredential[] {
  let text: string;
  try { text = readFileSync(file, 'utf8'); } catch (err) {
    throw new Error(`cannot read the git credentials file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
  return parseGitCredentials(text, `the git credentials file ${file}`);
}

function matches(url: string, prefix: string): boolean {
  if (!prefix || !url.startsWith(prefix)) return false;
  return prefix.endsWith('/') || url.length === prefix.length || '/?#'.includes(url[prefix.length]!);
}

/** The credentials for `url` (the longest matching prefix), or null. */
export function credentialsFor(url: string, creds: readonly GitCredential[]): GitAuth | null {
  let best: GitCredential | null = null;
  for (const c of creds) if (matches(url, c.prefix) && (!best || c.prefix.length > best.prefix.length)) best = c;
  return best ? { username: best.username, password: best.password } : null;
}
