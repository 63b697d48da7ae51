/**
 * `windsock login`: `POST {url}/auth/token` with user name and password (a sandbox's own with --sandbox), then
 * the URL, user name and token kept in the CLI's file (settings.ts). `windsock logout` forgets the token.
 */
import { ApiClient } from './client.ts';
import { CliError, EXIT, usageError } from './errors.ts';
import { ask, readStdin } from './prompt.ts';
import { cliFilePath, normalizeUrl, readCliFile, resolveTarget, writeCliFile, type CliFile } from './settings.ts';

export async function login(opts: { apiUrl?: string; sandbox?: string; username?: string; passwordStdin?: boolean }): Promise<void> {
  const target = resolveTarget({ apiUrl: opts.apiUrl, sandbox: opts.sandbox });
  const file = readCliFile(target.file);
  const sameServer = Boolean(file.api_url) && normalizeUrl(file.api_url!, target.file) === target.apiUrl;
  const remembered = sameServer ? (target.sandbox ? file.sandboxes?.[target.sandbox]?.username : undefined) ?? file.username : undefined;
  let username = opts.username;
  if (!username && process.stdin.isTTY && !opts.passwordStdin) username = (await ask(`Username${remembered ? ` [${remembered}]` : ''}: `, false)) || remembered;
  username ??= remembered;
  if (!username) throw usageError('no user name: pass --username NAME');
  const password = opts.passwordStdin ? await readStdin() : await ask(`Password for ${username} at ${target.base}: `, true);
  if (!password) throw usageError('empty password');

  const client = new ApiClient({ ...target, token: null, tokenFrom: null });
  let answer: { access_token?: string; expires_in?: number };
  try {
    answer = await client.request('POST', '/auth/token', { body: { username, password }, anonymous: true });
  } catch (err) {
    if (err instanceof CliError && err.exitCode === EXIT.AUTH) throw new CliError(`sign-in refused for ${username} at ${target.base}: wrong user name or password`, EXIT.AUTH);
    if (err instanceof CliError && err.exitCode === EXIT.NOT_FOUND) throw new CliError(`${target.base}/auth/token does not exist: is ${target.base} a Windsock${target.sandbox ? ` and ${target.sandbox} one of its sandboxes` : ''}?`, EXIT.NOT_FOUND);
    throw err;
  }
  if (typeof answer?.access_token !== 'string') throw new CliError(`${target.base}/auth/token answered without an access_token: is it a Windsock?`);
  const saved = { token: answer.access_token, username, ...(answer.expires_in ? { expires_at: new Date(Date.now() + answer.expires_in * 1000).toISOString() } : {}) };
  // Another server's logins are dropped: a token is only ever sent back to the URL it came from.
  const next: CliFile = sameServer ? { ...file } : {};
  next.api_url = target.apiUrl;
  if (target.sandbox) next.sandboxes = { ...next.sandboxes, [target.sandbox]: saved };
  else Object.assign(next, saved);
  writeCliFile(target.file, next);
  const until = saved.expires_at ? `, valid until ${saved.expires_at}` : '';
  process.stderr.write(`Logged in to ${target.base} as ${username}${until} (token kept in ${target.file})\n`);
}

export function logout(opts: { sandbox?: string }): void {
  const path = cliFilePath();
  const file = readCliFile(path);
  const sandbox = opts.sandbox ?? (process.env.WINDSOCK_SANDBOX || undefined);
  let had: boolean;
  if (sandbox) {
    had = Boolean(file.sandboxes?.[sandbox]);
    if (file.sandboxes) delete file.sandboxes[sandbox];
    if (file.sandboxes && Object.keys(file.sandboxes).length === 0) delete file.sandboxes;
  } else {
    had = Boolean(file.token || file.sandboxes);
    delete file.token; delete file.expires_at; delete file.sandboxes;
  }
  if (had) writeCliFile(path, file);
  const where = `${file.api_url ?? 'Windsock'}${sandbox ? `/sandboxes/${sandbox}` : ''}`;
  process.stderr.write(had ? `Logged out of ${where} (the token is removed from ${path})\n` : `Not logged in to ${where}: nothing to do\n`);
}
