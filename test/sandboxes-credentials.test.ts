/**
 * A sandbox's scheduler holds credentials that open its sandbox and nothing else: a Postgres role that reads and
 * writes its schema only, a Redis user limited to its queue prefix, and a Fernet key of its own (for its connections). Proven by
 * connecting with exactly what the scheduler was given (its process's environment), against real Postgres and
 * Redis, while the sandbox really runs a DAG with them; and by a delete that removes the role and the user.
 * Also: git sources on hosts the platform does not allow are refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { sql } from 'kysely';
import pg from 'pg';
import { Redis } from 'ioredis';
import { fernetDecrypt } from '@windsock/metastore';
import { startPlatform, until, type Json, type Platform } from './support/platform.ts';
import { REDIS_URL } from './support/db.ts';

let p: Platform;
const dagWithVariable = `alice_var:
  schedule: null
  is_paused_upon_creation: false
  default_args: { start_date: 2024-01-01 }
  tasks:
    - task_id: show
      operator: airflow.operators.bash.BashOperator
      bash_command: 'echo "greeting is {{ conn.greet.extra_dejson.word }}"'
`;

/** The environment of the sandbox's scheduler process, as the operating system has it. */
async function schedulerEnv(name: string): Promise<Record<string, string>> {
  const { execFileSync } = await import('node:child_process');
  const pids = execFileSync('pgrep', ['-f', 'sandbox-scheduler'], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  for (const pid of pids) {
    const raw = await readFile(`/proc/${pid}/environ`, 'utf8').catch(() => '');
    const env = Object.fromEntries(raw.split('\0').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
    if (env.WINDSOCK_SANDBOX === name) return env;
  }
  throw new Error(`no scheduler process for ${name}`);
}

async function asRole<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try { return await fn(c); } finally { await c.end(); }
}
const denied = (p: Promise<unknown>) => p.then(() => 'allowed', (e: Error) => e.message);

beforeAll(async () => {
  p = await startPlatform({
    users: { alice: 'User', bob: 'User', root: 'Admin' },
    dags: { alice: { 'alice_var.yaml': dagWithVariable }, bob: { 'bob.yaml': dagWithVariable.replace('alice_var', 'bob_var') } },
    env: { WINDSOCK__SANDBOXES__GIT_ALLOWED_HOSTS: 'git.example.com,*.corp.example:8443' },
  });
}, 60_000);

afterAll(async () => { await p?.close(); });

describe('a sandbox\'s own credentials', { timeout: 180_000 }, () => {
  let env: Record<string, string>;

  it('its scheduler gets a role, a Redis user and a key of its own, and runs a DAG with them', async () => {
    const { call, tokens } = p;
    for (const [user, name] of [['alice', 'alice-dev'], ['bob', 'bob-dev']] as const) {
      expect((await call('/api/windsock/v1/sandboxes', { method: 'POST', token: tokens[user], body: { name, dag_source: { folder: `${user}/dags` } } })).status).toBe(201);
    }
    await p.ready('alice-dev', tokens.alice!);
    await p.ready('bob-dev', tokens.bob!);
    env = await schedulerEnv('alice-dev');
    const dbUrl = new URL(env.WINDSOCK__DATABASE__URL!);
    expect(dbUrl.username).toMatch(/^wsb_[0-9a-f]{8}_alice_dev$/);
    expect(dbUrl.username).not.toBe(new URL(p.config.database.url).username);
    expect(new URL(env.WINDSOCK__QUEUE__REDIS_URL!).username).toBe(`${p.config.queue.prefix}-sb-alice-dev`);
    expect(env.WINDSOCK__CORE__FERNET_KEY).toMatch(/^[A-Za-z0-9_-]{43}=$/);
    expect(env.WINDSOCK__CORE__FERNET_KEY).not.toBe(p.config.core.fernet_key);
    // The platform's key appears nowhere in what the scheduler holds.
    expect(Object.values(env).join('\n')).not.toContain(p.config.core.fernet_key);

    // A connection set through the sandbox's API (the webserver encrypts its extra) is read by the scheduler's worker.
    const base = '/sandboxes/alice-dev/api/v2';
    const v = await call(`${base}/connections`, { method: 'POST', token: tokens.alice, body: { connection_id: 'greet', conn_type: 'http', extra: JSON.stringify({ word: 'bonjour' }) } });
    expect(v.status, JSON.stringify(v.body)).toBeLessThan(300);
    const stored = await p.store.db.withSchema('sb_alice_dev').selectFrom('connection').select(['extra', 'is_extra_encrypted']).where('conn_id', '=', 'greet').executeTakeFirstOrThrow();
    expect(stored.is_extra_encrypted).toBe(true);
    expect(fernetDecrypt(env.WINDSOCK__CORE__FERNET_KEY!, stored.extra!)).toContain('bonjour'); // the sandbox's key, not the platform's
    expect(() => fernetDecrypt(p.config.core.fernet_key, stored.extra!)).toThrow();
    const run = await call(`${base}/dags/alice_var/dagRuns`, { method: 'POST', token: tokens.alice, body: { logical_date: null } });
    expect(run.status).toBe(200);
    const runPath = `${base}/dags/alice_var/dagRuns/${encodeURIComponent(run.body.dag_run_id)}`;
    await until('alice_var run success', async () => {
      const s = (await call(runPath, { token: tokens.alice })).body.state;
      if (s === 'failed') throw new Error('the run failed');
      return s === 'success';
    }, 90_000);
    const log = await call(`${runPath}/taskInstances/show/logs/1`, { token: tokens.alice });
    expect(JSON.stringify(log.body)).toContain('greeting is bonjour');
  });

  it('the role reads and writes its own schema, and nothing of the platform\'s or another sandbox\'s', async () => {
    const url = env.WINDSOCK__DATABASE__URL!;
    await asRole(url, async (c) => {
      expect(await denied(c.query('select count(*)::int as n from public.dag'))).toMatch(/permission denied/);
      await c.query('set search_path = sb_alice_dev'); // as the scheduler's connections do
      expect((await c.query('select count(*)::int as n from dag')).rows[0].n).toBe(1);
      await c.query(`update connection set description = 'touched' where conn_id = 'greet'`);
      expect((await c.query('select count(*)::int as n from sb_alice_dev.connection')).rows[0].n).toBe(1);
      expect(await denied(c.query('select * from public.ab_user'))).toMatch(/permission denied/);
      expect(await denied(c.query('select * from public.sandbox'))).toMatch(/permission denied/);
      expect(await denied(c.query('select * from sb_bob_dev.connection'))).toMatch(/permission denied/);
      expect(await denied(c.query('create schema evil'))).toMatch(/permission denied/);
      expect(await denied(c.query('create table sb_alice_dev.evil (x int)'))).toMatch(/permission denied/);
      expect(await denied(c.query('create role evil'))).toMatch(/permission denied/);
      expect(await denied(c.query('drop table dag'))).toMatch(/must be owner/);
      const roles = (await c.query('select rolsuper, rolcreaterole, rolcreatedb, rolconnlimit from pg_roles where rolname = current_user')).rows[0];
      expect(roles).toEqual({ rolsuper: false, rolcreaterole: false, rolcreatedb: false, rolconnlimit: 16 });
    });
  });

  it('the Redis user reaches its own prefix only, and no server command', async () => {
    const r = new Redis(env.WINDSOCK__QUEUE__REDIS_URL!, { lazyConnect: true, maxRetriesPerRequest: 1 });
    const platform = new Redis(REDIS_URL);
    try {
      await r.connect();
      const prefix = env.WINDSOCK__QUEUE__PREFIX!;
      expect(await r.set(`${prefix}:probe`, '1')).toBe('OK');
      await platform.set(`${p.config.queue.prefix}:secret`, 'platform');
      expect(await denied(r.get(`${p.config.queue.prefix}:secret`))).toMatch(/NOPERM/);
      expect(await denied(r.get(`${p.config.queue.prefix}-sb-bob-dev:anything`))).toMatch(/NOPERM/);
      expect(await denied(r.publish(`${p.config.queue.prefix}-sb-bob-dev:events`, 'x'))).toMatch(/NOPERM/);
      for (const cmd of [['FLUSHALL'], ['KEYS', '*'], ['CONFIG', 'GET', '*'], ['ACL', 'LIST'], ['DEBUG', 'SLEEP', '0'], ['CLIENT', 'LIST'], ['SHUTDOWN']]) {
        expect(await denied(r.call(cmd[0]!, ...cmd.slice(1))), cmd.join(' ')).toMatch(/NOPERM|not allowed/);
      }
      expect(await platform.get(`${p.config.queue.prefix}:secret`)).toBe('platform');
    } finally {
      r.disconnect();
      await platform.del(`${p.config.queue.prefix}:secret`);
      platform.disconnect();
    }
  });

  it('a delete removes the role and the Redis user; their connections end', async () => {
    const { call, tokens } = p;
    const role = new URL(env.WINDSOCK__DATABASE__URL!).username;
    const user = new URL(env.WINDSOCK__QUEUE__REDIS_URL!).username;
    const held = new pg.Client({ connectionString: env.WINDSOCK__DATABASE__URL! });
    await held.connect();
    held.on('error', () => {});
    expect((await call('/api/windsock/v1/sandboxes/alice-dev', { method: 'DELETE', token: tokens.alice })).status).toBe(202);
    await p.gone('alice-dev', tokens.alice!);
    const roles = await sql<{ n: number }>`select count(*)::int as n from pg_roles where rolname = ${role}`.execute(p.store.db);
    expect(roles.rows[0]!.n).toBe(0);
    expect(await denied(held.query('select 1'))).not.toBe('allowed');
    const platform = new Redis(REDIS_URL);
    try {
      expect((await platform.call('ACL', 'USERS')) as string[]).not.toContain(user);
    } finally { platform.disconnect(); }
    // Bob's sandbox is untouched.
    expect((await call('/api/windsock/v1/sandboxes/bob-dev', { token: tokens.bob })).body.status).toBe('ready');
  });
});

describe('git sources and the hosts the platform allows', () => {
  const create = (url: string) => p.call('/api/windsock/v1/sandboxes', { method: 'POST', token: p.tokens.alice, body: { name: 'alice-git', dag_source: { git: { url, branch: 'main' } } } });
  it('refuses a host outside [sandboxes] git_allowed_hosts, and link-local (metadata) addresses always', async () => {
    for (const [url, why] of [
      ['https://github.com/team/dags.git', /host "github\.com" is not one of \[sandboxes\] git_allowed_hosts/],
      ['http://169.254.169.254/latest/meta-data', /link-local or metadata/],
      ['http://metadata.google.internal/computeMetadata', /link-local or metadata/],
      ['https://git.corp.example/dags.git', /not one of/], // the pattern asks for port 8443
      ['https://evilgit.example.com/dags.git', /not one of/],
    ] as const) {
      const r = await create(url);
      expect(r.status, url).toBe(400);
      expect((r.body as Json).detail, url).toMatch(why);
    }
  });
});
