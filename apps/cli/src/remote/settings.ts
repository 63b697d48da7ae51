/**
 * Where the CLI finds a running Windsock and who it is there. Each value comes from the first of: the flag
 * (`--api-url`, `--token`, `--sandbox`), the environment (`WINDSOCK_API_URL`, `WINDSOCK_API_TOKEN`,
 * `WINDSOCK_SANDBOX`), the CLI's file. The file is `$WINDSOCK_CLI_CONFIG`, else
 * `$XDG_CONFIG_HOME/windsock/cli.yaml`, else `~/.config/windsock/cli.yaml` (not `$WINDSOCK_CONFIG`: that names
 * the server's settings file, whose unknown keys are errors). `windsock login` writes it with mode 0600; a token
 * in a file that others may read is refused, as ssh refuses such a key.
 */
import { chmodSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { CliError, EXIT, usageError } from './errors.ts';

export interface SavedLogin { token?: string; username?: string; expires_at?: string }
export interface CliFile extends SavedLogin {
  api_url?: string;
  /** Logins to sandboxes (`windsock login --sandbox NAME`), by sandbox name. */
  sandboxes?: Record<string, SavedLogin>;
}

export function cliFilePath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.WINDSOCK_CLI_CONFIG) return resolve(env.WINDSOCK_CLI_CONFIG);
  const base = env.XDG_CONFIG_HOME ? resolve(env.XDG_CONFIG_HOME) : join(env.HOME || homedir(), '.config');
  return join(base, 'windsock', 'cli.yaml');
}

const hasToken = (f: CliFile) => Boolean(f.token || Object.values(f.sandboxes ?? {}).some((s) => s?.token));

/** The file's content ({} when there is none). A token in a file group or others may read is refused. */
export function readCliFile(path: string): CliFile {
  let text: string;
  try { text = readFileSync(path, 'utf8'); } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new CliError(`cannot read ${path}: ${(e as Error).message}`, EXIT.USAGE);
  }
  let data: unknown;
  try { data = parse(text); } catch (e) { throw new CliError(`${path} is not valid YAML: ${(e as Error).message}; fix it or remove it and run windsock login`, EXIT.USAGE); }
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) throw new CliError(`${path} must be a YAML mapping (api_url, token, username); fix it or remove it and run windsock login`, EXIT.USAGE);
  const file = data as CliFile;
  const mode = statSync(path).mode & 0o777;
  if (hasToken(file) && (mode & 0o077) !== 0) {
    throw new CliError(`${path} holds an API token but others may read it (mode ${mode.toString(8).padStart(4, '0')}): run chmod 600 ${path}`, EXIT.USAGE);
  }
  return file;
}

/** Writes the file with mode 0600 (its folder 0700 when created), atomically: a reader sees the old or the new. */
export function writeCliFile(path: string, file: CliFile): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `# windsock CLI login (windsock login / windsock logout); keep it private\n${stringify(file)}`, { mode: 0o600 });
  chmodSync(tmp, 0o600); // the umask may have narrowed it, never widened: be sure
  renameSync(tmp, path);
}

export interface RemoteFlags { apiUrl?: string; token?: string; sandbox?: string }

export interface Target {
  /** The Windsock's URL, as given (no trailing slash). */
  apiUrl: string;
  /** Where requests go: apiUrl, or `{apiUrl}/sandboxes/NAME` with a sandbox. */
  base: string;
  sandbox: string | null;
  token: string | null;
  /** Where the token came from, for messages. */
  tokenFrom: 'flag' | 'env' | 'file' | null;
  file: string;
}

export function normalizeUrl(url: string, from: string): string {
  let u: URL;
  try { u = new URL(url); } catch { throw usageError(`${from} is not a URL: "${url}" (e.g. http://localhost:8080)`); }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw usageError(`${from} must be an http:// or https:// URL (got "${url}")`);
  return u.toString().replace(/\/+$/, '');
}

// The server's rule (apps/sandboxes/src/names.ts): a name is also a namespace's, a schema's and a role's.
const SANDBOX_NAME = /^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$/;

export function checkSandboxName(name: string): string {
  if (!SANDBOX_NAME.test(name)) throw usageError(`sandbox names are 1-40 lowercase letters, digits and dashes, starting with a letter and not ending with a dash; got "${name}"`);
  return name;
}

/** Resolves URL, sandbox and token. `needUrl`: no URL anywhere is a usage error saying where to set one. */
export function resolveTarget(flags: RemoteFlags, env: NodeJS.ProcessEnv = process.env): Target {
  const path = cliFilePath(env);
  // Set but empty is unset, as shells and CI templates leave them.
  env = { ...env, WINDSOCK_API_URL: env.WINDSOCK_API_URL || undefined, WINDSOCK_API_TOKEN: env.WINDSOCK_API_TOKEN || undefined };
  // The file is read only for what flags and environment leave open (a CI job passing both never touches it).
  const file = (flags.apiUrl ?? env.WINDSOCK_API_URL) && (flags.token ?? env.WINDSOCK_API_TOKEN) ? {} : readCliFile(path);
  const rawUrl = flags.apiUrl ?? env.WINDSOCK_API_URL ?? file.api_url;
  if (!rawUrl) throw usageError(`no Windsock API URL: pass --api-url URL, set WINDSOCK_API_URL, or run windsock login --api-url URL`);
  const apiUrl = normalizeUrl(rawUrl, flags.apiUrl ? '--api-url' : env.WINDSOCK_API_URL ? 'WINDSOCK_API_URL' : `api_url in ${path}`);
  const sandboxName = flags.sandbox ?? (env.WINDSOCK_SANDBOX || undefined);
  const sandbox = sandboxName ? checkSandboxName(sandboxName) : null;
  // A saved token belongs to the URL it was saved for: never send it to another server.
  const sameServer = !file.api_url || normalizeUrl(file.api_url, path) === apiUrl;
  const saved = !sameServer ? undefined : sandbox ? file.sandboxes?.[sandbox]?.token ?? file.token : file.token;
  const token = flags.token ?? (env.WINDSOCK_API_TOKEN || undefined) ?? saved;
  const tokenFrom = flags.token ? 'flag' : env.WINDSOCK_API_TOKEN ? 'env' : saved ? 'file' : null;
  return { apiUrl, base: sandbox ? `${apiUrl}/sandboxes/${sandbox}` : apiUrl, sandbox, token: token ?? null, tokenFrom, file: path };
}
