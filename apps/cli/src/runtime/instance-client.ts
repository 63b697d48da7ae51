/**
 * Going through a running instance instead of opening its embedded store (one writer per store): the CLI signs in
 * to the instance that holds the store's lock as standalone's `admin` (its password is kept in
 * $WINDSOCK_HOME/standalone_admin_password.txt, readable by the same OS user) and makes the change with the API.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { NewUser } from '@windsock/webserver/users';
import type { CliEnv } from '../config.ts';
import { describeHolder, readStoreLock, type LockHolder } from './store-lock.ts';

export type RemoteResult =
  | { ok: true; username: string; role: string; url: string }
  | { ok: false; message: string; exitCode: number };

/** How long to wait for a standalone that holds the store but does not serve yet (it parses the DAGs first). */
const WAIT_FOR_URL_MS = 120_000;

export async function createUserThroughInstance(env: CliEnv, dataDir: string, first: LockHolder, user: NewUser): Promise<RemoteResult> {
  let holder: LockHolder | null = first;
  if (!holder.url) process.stderr.write(`windsock: ${describeHolder(holder)} holds ${dataDir}; waiting for it to serve its API…\n`);
  const deadline = Date.now() + WAIT_FOR_URL_MS;
  while (holder && !holder.url && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    holder = readStoreLock(dataDir);
  }
  if (!holder) return { ok: false, exitCode: 1, message: `${describeHolder(first)} stopped while this command waited for it; run the command again` };
  const refuse = (why: string): RemoteResult => ({
    ok: false, exitCode: 1,
    message: `the embedded store ${dataDir} is in use by ${describeHolder(holder)}, and the user could not be created through it: ${why}. `
      + `Stop that process and run the command again, or create the user with its API as an Admin (POST /api/v1/users).`,
  });
  if (!holder.url) return refuse(`it did not serve its API within ${WAIT_FOR_URL_MS / 1000} s`);
  const url = holder.url;
  const passwordFile = join(env.home, 'standalone_admin_password.txt');
  let password: string;
  try { password = (await readFile(passwordFile, 'utf8')).trim(); } catch (err) { return refuse(`cannot read the admin password in ${passwordFile} (${(err as Error).message})`); }

  const call = async (path: string, body: unknown, token?: string) => {
    const res = await fetch(url + path, {
      method: 'POST', body: JSON.stringify(body), signal: AbortSignal.timeout(30_000),
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    });
    return { status: res.status, body: (await res.json().catch(() => ({}))) as Record<string, unknown> };
  };
  let signIn;
  try { signIn = await call('/auth/token', { username: 'admin', password }); } catch (err) { return refuse(`${url} did not answer (${(err as Error).message})`); }
  if (signIn.status !== 201 || typeof signIn.body.access_token !== 'string') {
    return refuse(`signing in as admin with the password in ${passwordFile} failed (HTTP ${signIn.status}: ${String(signIn.body.detail ?? signIn.body.title ?? '')})`);
  }
  const made = await call('/api/v1/users', {
    username: user.username, password: user.password, roles: [{ name: user.role }],
    ...(user.email ? { email: user.email } : {}), ...(user.firstName ? { first_name: user.firstName } : {}), ...(user.lastName ? { last_name: user.lastName } : {}),
  }, signIn.body.access_token);
  if (made.status === 200) {
    const roles = made.body.roles as { name: string }[] | undefined;
    return { ok: true, username: String(made.body.username), role: roles?.[0]?.name ?? user.role, url };
  }
  if (made.status === 400 || made.status === 409) return { ok: false, exitCode: 1, message: String(made.body.detail ?? made.body.title) };
  return refuse(`POST ${url}/api/v1/users answered HTTP ${made.status}: ${String(made.body.detail ?? made.body.title ?? '')}`);
}
