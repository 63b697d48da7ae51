/**
 * Sandboxes end to end, on real Postgres and Redis with real child processes: two users each create a sandbox from
 * their own DAG folder, run their DAGs through `/sandboxes/<name>/api/v2`, and cannot see, trigger, read or cancel
 * each other's; a scoped token is refused elsewhere; a delete (and a TTL expiry, and a delete whose control plane
 * was killed half-way) leaves no schema, queue key or process behind; an idle sandbox sleeps and wakes on a call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { Redis } from 'ioredis';
import { compileConfig, silentLogger } from '@windsock/config';
import { generateFernetKey, type Metastore } from '@windsock/metastore';
import { LocalEventBus } from '@windsock/queue';
import { createUser, startWebserver, type Webserver } from '@windsock/webserver';
import { startControlPlane, type ControlPlane } from '../apps/cli/src/runtime/control-plane.ts';
import { freshDatabase, REDIS_URL, type TestDatabase } from './support/db.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON of many shapes, read by the assertions
type Json = any;
const PASSWORD = 'sandbox pass';
const chain = (dagId: string, word: string) => `${dagId}:
  schedule: null
  is_paused_upon_creation: false
  default_args: { start_date: 2024-01-01 }
  tasks:
    - task_id: hello
      operator: airflow.operators.bash.BashOperator
      bash_command: 'echo "${word} from {{ dag.dag_id }}"'
    - task_id: bye
      operator: airflow.operators.bash.BashOperator
      bash_command: 'echo bye'
      dependencies: [hello]
`;

let tdb: TestDatabase, store: Metastore, web: Webserver, control: ControlPlane, root: string, home: string;
const prefix = `wstest${randomBytes(3).toString('hex')}`;
const tokens: Record<string, string> = {};

async function call(path: string, o: { method?: string; token?: string; body?: unknown } = {}): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${web.url}${path}`, {
    method: o.method ?? 'GET',
    headers: { ...(o.token ? { authorization: `Bearer ${o.token}` } : {}), ...(o.body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: o.body === undefined ? undefined : JSON.stringify(o.body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const ready = (name: string, token: string) => until(`${name} ready`, async () => {
  const r = await call(`/api/windsock/v1/sandboxes/${name}`, { token });
  if (r.body?.status === 'failed') throw new Error(`sandbox failed: ${r.body.reason}`);
  return r.body?.status === 'ready' ? r.body : null;
});
const gone = (name: string, token: string) => until(`${name} gone`, async () => (await call(`/api/windsock/v1/sandboxes/${name}`, { token })).status === 404, 60_000);
const schemaExists = async (schema: string) => ((await sql<{ n: number }>`select count(*)::int as n from pg_namespace where nspname = ${schema}`.execute(store.db)).rows[0]!.n > 0);
async function redisKeys(p: string): Promise<string[]> {
  const r = new Redis(REDIS_URL);
  try { return await r.keys(`${p}:*`); } finally { r.disconnect(); }
}

beforeAll(async () => {
  tdb = await freshDatabase();
  store = await tdb.open(5);
  root = await mkdtemp(join(tmpdir(), 'ws-sb-root-'));
  home = await mkdtemp(join(tmpdir(), 'ws-sb-home-'));
  for (const [user, dag, word] of [['alice', 'alice_chain', 'hello'], ['bob', 'bob_chain', 'howdy']] as const) {
    await mkdir(join(root, user, 'dags'), { recursive: true });
    await writeFile(join(root, user, 'dags', `${dag}.yaml`), chain(dag, word));
  }
  const config = compileConfig({
    WINDSOCK__DATABASE__URL: tdb.url, WINDSOCK__QUEUE__REDIS_URL: REDIS_URL, WINDSOCK__QUEUE__PREFIX: prefix, WINDSOCK__CORE__FERNET_KEY: generateFernetKey(),
    WINDSOCK__SANDBOXES__DAGS_ROOT: root, WINDSOCK__API_AUTH__JWT_SECRET: randomBytes(32).toString('hex'), WINDSOCK__LOGGING__LEVEL: 'warn',
    WINDSOCK__SANDBOXES__IDLE_SLEEP_SEC: '3', WINDSOCK__WORKER__SHUTDOWN_GRACE_SEC: '2',
  });
  control = await startControlPlane({ config, db: store.db, home, logger: silentLogger });
  web = await startWebserver({ db: store.db, events: new LocalEventBus(), config, logger: silentLogger, fernetKey: config.core.fernet_key, port: 0, host: '127.0.0.1', sandboxes: control.web });
  for (const [name, role] of [['alice', 'User'], ['bob', 'User'], ['root', 'Admin'], ['vera', 'Viewer']] as const) {
    await createUser(store.db, { username: name, password: PASSWORD, role });
    tokens[name] = (await call('/auth/token', { method: 'POST', body: { username: name, password: PASSWORD } })).body.access_token;
  }
}, 60_000);

afterAll(async () => {
  await web?.close();
  await control?.stop();
  await store?.close();
  await tdb?.drop();
});

describe('sandboxes', { timeout: 180_000 }, () => {
  it('two users each get a sandbox, run their own DAGs and cannot touch the other\'s', async () => {
    const t0 = Date.now();
    const a = await call('/api/windsock/v1/sandboxes', { method: 'POST', token: tokens.alice, body: { name: 'alice-dev', dag_source: { folder: 'alice/dags' }, quota: { cpu: '2', memory: '4Gi' } } });
    expect(a.status).toBe(201);
    expect(a.body).toMatchObject({ name: 'alice-dev', owner: 'alice', status: 'pending', schema: 'sb_alice_dev', api_url: '/sandboxes/alice-dev/api/v2' });
    // Bob may not point his sandbox at Alice's folder, nor out of the root.
    expect((await call('/api/windsock/v1/sandboxes', { method: 'POST', token: tokens.bob, body: { name: 'bob-evil', dag_source: { folder: 'alice/dags' } } })).status).toBe(400);
    expect((await call('/api/windsock/v1/sandboxes', { method: 'POST', token: tokens.bob, body: { name: 'bob-evil', dag_source: { folder: '../../etc' } } })).status).toBe(400);
    expect((await call('/api/windsock/v1/sandboxes', { method: 'POST', token: tokens.vera, body: { name: 'vera-dev', dag_source: { folder: 'vera' } } })).status).toBe(403);
    expect((await call('/api/windsock/v1/sandboxes', { method: 'POST', token: tokens.bob, body: { name: 'Bad_Name', dag_source: { folder: 'bob/dags' } } })).status).toBe(400);
    const b = await call('/api/windsock/v1/sandboxes', { method: 'POST', token: tokens.bob, body: { name: 'bob-dev', dag_source: { folder: 'bob/dags' } } });
    expect(b.status).toBe(201);
    expect((await call('/api/windsock/v1/sandboxes', { method: 'POST', token: tokens.bob, body: { name: 'bob-dev', dag_source: { folder: 'bob/dags' } } })).status).toBe(409);

    await ready('alice-dev', tokens.alice!);
    const readyMs = Date.now() - t0;
    await ready('bob-dev', tokens.bob!);
    expect(readyMs).toBeLessThan(60_000);
    console.log(`alice-dev ready ${readyMs} ms after create`);

    // Each lists only their own sandboxes; the admin sees both.
    expect((await call('/api/windsock/v1/sandboxes', { token: tokens.alice })).body.sandboxes.map((s: { name: string }) => s.name)).toEqual(['alice-dev']);
    expect((await call('/api/windsock/v1/sandboxes', { token: tokens.root })).body.total_entries).toBe(2);
    expect((await call('/api/windsock/v1/sandboxes/alice-dev', { token: tokens.bob })).status).toBe(404);

    // Each sandbox's API shows its own DAGs only.
    const dagsOf = async (name: string, token: string) => (await call(`/sandboxes/${name}/api/v2/dags`, { token })).body.dags.map((d: { dag_id: string }) => d.dag_id);
    expect(await dagsOf('alice-dev', tokens.alice!)).toEqual(['alice_chain']);
    expect(await dagsOf('bob-dev', tokens.bob!)).toEqual(['bob_chain']);
    expect(await dagsOf('alice-dev', tokens.root!)).toEqual(['alice_chain']);
    expect((await call('/api/v2/dags', { token: tokens.alice })).body.dags).toEqual([]); // the shared instance has neither

    // Alice runs her DAG; the log is hers to read.
    const run = await call('/sandboxes/alice-dev/api/v2/dags/alice_chain/dagRuns', { method: 'POST', token: tokens.alice, body: { logical_date: null } });
    expect(run.status).toBe(200);
    const runId = run.body.dag_run_id as string;
    const runPath = `/sandboxes/alice-dev/api/v2/dags/alice_chain/dagRuns/${encodeURIComponent(runId)}`;
    await until('alice run success', async () => (await call(runPath, { token: tokens.alice })).body.state === 'success');
    const log = await call(`${runPath}/taskInstances/hello/logs/1`, { token: tokens.alice });
    expect(JSON.stringify(log.body)).toContain('hello from alice_chain');

    // Bob can neither list, trigger, read the log of, nor cancel anything of Alice's; nor can a Viewer.
    for (const token of [tokens.bob, tokens.vera]) {
      expect((await call('/sandboxes/alice-dev/api/v2/dags', { token })).status).toBe(404);
      expect((await call('/sandboxes/alice-dev/api/v2/dags/alice_chain/dagRuns', { method: 'POST', token, body: { logical_date: null } })).status).toBe(404);
      expect((await call(`${runPath}/taskInstances/hello/logs/1`, { token })).status).toBe(404);
      expect((await call(runPath, { method: 'PATCH', token, body: { state: 'failed' } })).status).toBe(404);
      // Bob's delete finds no such sandbox; a Viewer may delete none at all.
      expect((await call('/api/windsock/v1/sandboxes/alice-dev', { method: 'DELETE', token })).status).toBe(token === tokens.bob ? 404 : 403);
    }
    // Nobody signed in gets nothing either.
    expect((await call('/sandboxes/alice-dev/api/v2/dags')).status).toBe(401);
  });

  it('a token scoped to one sandbox is refused by another and by the shared instance', async () => {
    const scoped = await call('/sandboxes/alice-dev/auth/token', { method: 'POST', body: { username: 'alice', password: PASSWORD } });
    expect(scoped.status).toBe(201);
    const t = scoped.body.access_token as string;
    expect((await call('/sandboxes/alice-dev/api/v2/dags', { token: t })).status).toBe(200);
    expect((await call('/api/v2/dags', { token: t })).status).toBe(401);
    expect((await call('/api/windsock/v1/sandboxes', { token: t })).status).toBe(401);
    expect([401, 404]).toContain((await call('/sandboxes/bob-dev/api/v2/dags', { token: t })).status);
    // Bob cannot get a token for Alice's sandbox.
    expect((await call('/sandboxes/alice-dev/auth/token', { method: 'POST', body: { username: 'bob', password: PASSWORD } })).status).toBe(404);
  });

  it('an Airflow client works against /sandboxes/<name>/api/v2 by changing only its base URL', async () => {
    const base = `/sandboxes/bob-dev/api/v2`;
    const token = tokens.bob;
    expect((await call(`${base}/version`, { token })).body).toHaveProperty('version');
    expect((await call(`${base}/monitor/health`, { token })).body.metadatabase.status).toBe('healthy');
    expect((await call(`${base}/dags/bob_chain`, { token })).body).toMatchObject({ dag_id: 'bob_chain' });
    expect((await call(`${base}/dags/bob_chain/tasks`, { token })).body.tasks.map((x: { task_id: string }) => x.task_id).sort()).toEqual(['bye', 'hello']);
    const v = await call(`${base}/variables`, { method: 'POST', token, body: { key: 'env', value: 'sandbox' } });
    expect(v.status).toBe(201);
    expect((await call('/api/v2/variables/env', { token: tokens.root })).status).toBe(404); // not the shared instance's
    expect((await call(`/sandboxes/bob-dev/api/v1/dags`, { token })).body.dags.map((d: { dag_id: string }) => d.dag_id)).toEqual(['bob_chain']);
  });

  it('deleting a sandbox leaves no schema, queue key or process behind', async () => {
    const before = await call('/api/windsock/v1/sandboxes/alice-dev', { token: tokens.alice });
    expect(await schemaExists('sb_alice_dev')).toBe(true);
    expect((await redisKeys(before.body.queue_prefix)).length).toBeGreaterThan(0);
    const del = await call('/api/windsock/v1/sandboxes/alice-dev', { method: 'DELETE', token: tokens.alice });
    expect(del.status).toBe(202);
    expect(del.body.status).toBe('deleting');
    await gone('alice-dev', tokens.alice!);
    expect(await schemaExists('sb_alice_dev')).toBe(false);
    expect(await redisKeys(before.body.queue_prefix)).toEqual([]);
    expect((await call('/sandboxes/alice-dev/api/v2/dags', { token: tokens.alice })).status).toBe(404);
  });

  it('a TTL expiry deletes a sandbox, and extend pushes it back', async () => {
    const c = await call('/api/windsock/v1/sandboxes', { method: 'POST', token: tokens.alice, body: { name: 'alice-ttl', dag_source: { folder: 'alice/dags' }, ttl_seconds: 3600 } });
    expect(c.status).toBe(201);
    const e = await call('/api/windsock/v1/sandboxes/alice-ttl/extend', { method: 'POST', token: tokens.alice, body: { by_seconds: 3600 } });
    expect(new Date(e.body.expires_at).getTime() - new Date(c.body.expires_at).getTime()).toBeGreaterThanOrEqual(3_599_000);
    await ready('alice-ttl', tokens.alice!);
    await store.db.updateTable('sandbox').set({ expires_at: new Date(Date.now() - 1000) }).where('name', '=', 'alice-ttl').execute();
    await gone('alice-ttl', tokens.alice!);
    expect(await schemaExists('sb_alice_ttl')).toBe(false);
  });

  it('a delete whose control plane was killed half-way is finished by the next one', async () => {
    const c = await call('/api/windsock/v1/sandboxes', { method: 'POST', token: tokens.alice, body: { name: 'alice-cut', dag_source: { folder: 'alice/dags' } } });
    expect(c.status).toBe(201);
    await ready('alice-cut', tokens.alice!);
    // As a control plane killed mid-delete leaves it: deleting, its lease held by a process that is gone.
    await store.db.updateTable('sandbox').set({ status: 'deleting', lease_owner: 'dead-host-1-abc', lease_until: new Date(Date.now() + 1500) }).where('name', '=', 'alice-cut').execute();
    await gone('alice-cut', tokens.alice!);
    expect(await schemaExists('sb_alice_cut')).toBe(false);
  });

  it('an idle sandbox stops its scheduler, and a call wakes it', async () => {
    await until('bob-dev asleep', async () => (await call('/api/windsock/v1/sandboxes/bob-dev', { token: tokens.bob })).body.scheduler === 'asleep', 60_000);
    // Asleep, its API still answers (from its schema), and the call wakes the scheduler.
    expect((await call('/sandboxes/bob-dev/api/v2/dags', { token: tokens.bob })).status).toBe(200);
    await until('bob-dev awake', async () => (await call('/api/windsock/v1/sandboxes/bob-dev', { token: tokens.bob })).body.scheduler === 'running', 60_000);
  });
});
