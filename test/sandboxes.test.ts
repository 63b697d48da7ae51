/**
 * Sandboxes end to end, on real Postgres and Redis with real child processes: two users each create a sandbox from
 * their own DAG folder, run their DAGs through `/sandboxes/<name>/api/v2`, and cannot see, trigger, read or cancel
 * each other's; a scoped token is refused elsewhere; a delete (and a TTL expiry, and a delete whose control plane
 * was killed half-way) leaves no schema, queue key or process behind; an idle sandbox sleeps and wakes on a call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PLATFORM_PASSWORD as PASSWORD, startPlatform, until, yamlChain as chain, type Platform } from './support/platform.ts';

let p: Platform;
let tokens: Record<string, string>;
let call: Platform['call'], ready: Platform['ready'], gone: Platform['gone'], schemaExists: Platform['schemaExists'], redisKeys: Platform['redisKeys'];
let store: Platform['store'];

beforeAll(async () => {
  p = await startPlatform({
    users: { alice: 'User', bob: 'User', root: 'Admin', vera: 'Viewer' },
    dags: { alice: { 'alice_chain.yaml': chain('alice_chain', 'hello'), 'alice_long.yaml': chain('alice_long', 'lengthy', 300) }, bob: { 'bob_chain.yaml': chain('bob_chain', 'howdy') } },
    env: { WINDSOCK__SANDBOXES__IDLE_SLEEP_SEC: '3' },
  });
  ({ tokens, call, ready, gone, schemaExists, redisKeys, store } = p);
}, 60_000);

afterAll(async () => { await p?.close(); });

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
    expect(await dagsOf('alice-dev', tokens.alice!)).toEqual(['alice_chain', 'alice_long']);
    expect(await dagsOf('bob-dev', tokens.bob!)).toEqual(['bob_chain']);
    expect(await dagsOf('alice-dev', tokens.root!)).toEqual(['alice_chain', 'alice_long']);
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

  it('deleting a sandbox cancels its running task and leaves no schema, queue key or process behind', async () => {
    const before = await call('/api/windsock/v1/sandboxes/alice-dev', { token: tokens.alice });
    // A task that would run for five minutes is running when the sandbox is deleted.
    const run = await call('/sandboxes/alice-dev/api/v2/dags/alice_long/dagRuns', { method: 'POST', token: tokens.alice, body: { logical_date: null } });
    expect(run.status).toBe(200);
    const tiPath = `/sandboxes/alice-dev/api/v2/dags/alice_long/dagRuns/${encodeURIComponent(run.body.dag_run_id)}/taskInstances/hello`;
    await until('the long task running', async () => (await call(tiPath, { token: tokens.alice })).body.state === 'running');
    const tasks = () => { try { return execFileSync('pgrep', ['-f', 'done lengthy']).toString().trim(); } catch { return ''; } };
    await until('its process', async () => tasks() !== '');
    expect(await schemaExists('sb_alice_dev')).toBe(true);
    expect((await redisKeys(before.body.queue_prefix)).length).toBeGreaterThan(0);
    const del = await call('/api/windsock/v1/sandboxes/alice-dev', { method: 'DELETE', token: tokens.alice });
    expect(del.status).toBe(202);
    expect(del.body.status).toBe('deleting');
    await gone('alice-dev', tokens.alice!);
    expect(await schemaExists('sb_alice_dev')).toBe(false);
    expect(await redisKeys(before.body.queue_prefix)).toEqual([]);
    expect((await call('/sandboxes/alice-dev/api/v2/dags', { token: tokens.alice })).status).toBe(404);
    expect(tasks()).toBe('');
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

  it('an idle sandbox stops its scheduler; a change in its DAG folder wakes it, and so does a call', async () => {
    const state = async () => (await call('/api/windsock/v1/sandboxes/bob-dev', { token: tokens.bob })).body.scheduler;
    await until('bob-dev asleep', async () => (await state()) === 'asleep', 60_000);
    await writeFile(join(p.root, 'bob', 'dags', 'bob_second.yaml'), chain('bob_second', 'again'));
    await until('bob-dev woken by the new file', async () => (await state()) === 'running', 60_000);
    await until('bob_second listed', async () => (await call('/sandboxes/bob-dev/api/v2/dags', { token: tokens.bob })).body.dags.some((d: { dag_id: string }) => d.dag_id === 'bob_second'), 30_000);
    await until('bob-dev asleep again', async () => (await state()) === 'asleep', 60_000);
    // Asleep, its API still answers (from its schema), and the call wakes the scheduler.
    expect((await call('/sandboxes/bob-dev/api/v2/dags', { token: tokens.bob })).status).toBe(200);
    await until('bob-dev awake', async () => (await call('/api/windsock/v1/sandboxes/bob-dev', { token: tokens.bob })).body.scheduler === 'running', 60_000);
  });
});
