/**
 * Contract tests: a real webserver on real Postgres, a DAG that really ran, and every implemented operation of
 * /api/v2 and /api/v1 called over HTTP, each response (errors included) validated against the schema Airflow's
 * document gives that operation and status. Every other operation of both documents must answer 501 with a
 * problem body.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { dagFolder, startInstance, type TestInstance } from './support/instance.ts';
import { SpecValidator, startApi, enc, type ApiHarness } from './support/api.ts';
import type { Metastore } from '@windsock/metastore';

const DAG = `contract_dag:
  schedule: null
  tags: [contract, "repo:tests"]
  default_args: {owner: data, start_date: 2024-01-01, retries: 1}
  tasks:
    - task_id: first
      operator: airflow.operators.bash.BashOperator
      bash_command: 'echo "hello from first"; echo "{\\"rows\\": 7}" > "$WINDSOCK_XCOM_PATH"'
    - task_id: second
      operator: airflow.operators.bash.BashOperator
      bash_command: 'echo second'
      dependencies: [first]
`;

let tdb: TestDatabase; let store: Metastore; let inst: TestInstance; let api: ApiHarness; let runId: string;
const v1 = new SpecValidator('v1');
const v2 = new SpecValidator('v2');

/** Calls `path` (concrete) as operation `template` of `version`, checks the status and validates the body. */
async function op(version: 'v1' | 'v2', method: string, template: string, path: string, status: number, o: { body?: unknown; rawBody?: string; token?: string | null; accept?: string } = {}) {
  const prefix = version === 'v1' ? '/api/v1' : '';
  const r = await api.call(method, prefix + path, { body: o.body, rawBody: o.rawBody, token: o.token === undefined ? api.tokens.Admin : o.token, headers: o.accept ? { accept: o.accept } : {} });
  expect(r.status, `${method} ${path}: ${r.text.slice(0, 300)}`).toBe(status);
  (version === 'v1' ? v1 : v2).check(method, template, status, r.body, o.accept);
  return r;
}

beforeAll(async () => {
  tdb = await freshDatabase();
  store = await tdb.open();
  inst = await startInstance({ store, dagsFolder: await dagFolder({ 'contract.yaml': DAG }) });
  const done = await inst.runDag('contract_dag');
  expect(done.state).toBe('success');
  runId = done.runId;
  api = await startApi(store, inst.events);
});
afterAll(async () => { await api?.close(); await inst?.stop(); await store?.close(); await tdb?.drop(); });

describe('/api/v2 contract', () => {
  const D = '/api/v2/dags/{dag_id}';
  const R = `${D}/dagRuns/{dag_run_id}`;
  const T = `${R}/taskInstances/{task_id}`;
  const r = () => `/api/v2/dags/contract_dag/dagRuns/${enc(runId)}`;

  it('DAGs: list with filters, get, details, tasks, source, pause', async () => {
    const list = await op('v2', 'GET', '/api/v2/dags', '/api/v2/dags?tags=contract&dag_id_pattern=contract&paused=false', 200);
    expect((list.body as { total_entries: number }).total_entries).toBe(1);
    expect(((await op('v2', 'GET', '/api/v2/dags', '/api/v2/dags?tags=nope', 200)).body as { dags: unknown[] }).dags).toEqual([]);
    await op('v2', 'GET', '/api/v2/dags', '/api/v2/dags?order_by=-dag_id&limit=1&offset=0', 200);
    await op('v2', 'GET', D, '/api/v2/dags/contract_dag', 200);
    await op('v2', 'GET', D, '/api/v2/dags/missing', 404);
    await op('v2', 'GET', `${D}/details`, '/api/v2/dags/contract_dag/details', 200);
    const tasks = await op('v2', 'GET', `${D}/tasks`, '/api/v2/dags/contract_dag/tasks', 200);
    expect((tasks.body as { tasks: { task_id: string }[] }).tasks.map((t) => t.task_id)).toEqual(['first', 'second']);
    await op('v2', 'GET', `${D}/tasks/{task_id}`, '/api/v2/dags/contract_dag/tasks/second', 200);
    await op('v2', 'GET', `${D}/tasks/{task_id}`, '/api/v2/dags/contract_dag/tasks/nope', 404);
    await op('v2', 'GET', '/api/v2/dagSources/{dag_id}', '/api/v2/dagSources/contract_dag', 200);
    const paused = await op('v2', 'PATCH', D, '/api/v2/dags/contract_dag', 200, { body: { is_paused: true } });
    expect((paused.body as { is_paused: boolean }).is_paused).toBe(true);
    await op('v2', 'PATCH', D, '/api/v2/dags/contract_dag', 200, { body: { is_paused: false } });
    await op('v2', 'PATCH', D, '/api/v2/dags/missing', 404, { body: { is_paused: false } });
    await op('v2', 'PATCH', D, '/api/v2/dags/contract_dag', 422, { body: { is_paused: 'maybe' } });
  });

  it('DAG runs: list (also across DAGs), get, trigger, patch, clear, delete', async () => {
    await op('v2', 'GET', `${D}/dagRuns`, '/api/v2/dags/contract_dag/dagRuns?state=success&order_by=-run_after', 200);
    const all = await op('v2', 'GET', `${D}/dagRuns`, '/api/v2/dags/~/dagRuns', 200);
    expect((all.body as { total_entries: number }).total_entries).toBeGreaterThanOrEqual(1);
    await op('v2', 'GET', R, r(), 200);
    await op('v2', 'GET', R, '/api/v2/dags/contract_dag/dagRuns/nope', 404);
    const t = await op('v2', 'POST', `${D}/dagRuns`, '/api/v2/dags/contract_dag/dagRuns', 200, { body: { dag_run_id: 'contract_manual', logical_date: null, conf: { x: 1 }, note: 'from the test' } });
    expect(t.body).toMatchObject({ dag_run_id: 'contract_manual', conf: { x: 1 }, note: 'from the test', run_type: 'manual' });
    await op('v2', 'POST', `${D}/dagRuns`, '/api/v2/dags/contract_dag/dagRuns', 409, { body: { dag_run_id: 'contract_manual' } });
    await op('v2', 'POST', `${D}/dagRuns`, '/api/v2/dags/missing/dagRuns', 404, { body: {} });
    await op('v2', 'PATCH', R, '/api/v2/dags/contract_dag/dagRuns/contract_manual', 200, { body: { note: 'changed' } });
    const failed = await op('v2', 'PATCH', R, '/api/v2/dags/contract_dag/dagRuns/contract_manual', 200, { body: { state: 'failed' } });
    expect(failed.body).toMatchObject({ state: 'failed', note: 'changed' });
    const dry = await op('v2', 'POST', `${R}/clear`, '/api/v2/dags/contract_dag/dagRuns/contract_manual/clear', 200, { body: { dry_run: true } });
    expect(dry.body).toHaveProperty('task_instances');
    await op('v2', 'DELETE', R, '/api/v2/dags/contract_dag/dagRuns/contract_manual', 204);
    await op('v2', 'DELETE', R, '/api/v2/dags/contract_dag/dagRuns/contract_manual', 404);
  });

  it('task instances: list, get, tries, logs (json with continuation, text), XComs, dry-run mark and clear', async () => {
    const list = await op('v2', 'GET', `${R}/taskInstances`, `${r()}/taskInstances`, 200);
    expect((list.body as { total_entries: number }).total_entries).toBe(2);
    await op('v2', 'GET', `${R}/taskInstances`, '/api/v2/dags/~/dagRuns/~/taskInstances?state=success&order_by=-start_date', 200);
    await op('v2', 'GET', T, `${r()}/taskInstances/first`, 200);
    await op('v2', 'GET', T, `${r()}/taskInstances/nope`, 404);
    const tries = await op('v2', 'GET', `${T}/tries`, `${r()}/taskInstances/first/tries`, 200);
    expect((tries.body as { total_entries: number }).total_entries).toBe(1);
    await op('v2', 'GET', `${T}/tries/{task_try_number}`, `${r()}/taskInstances/first/tries/1`, 200);
    await op('v2', 'GET', `${T}/tries/{task_try_number}`, `${r()}/taskInstances/first/tries/9`, 404);
    const log = await op('v2', 'GET', `${T}/logs/{try_number}`, `${r()}/taskInstances/first/logs/1`, 200);
    const lb = log.body as { content: { event: string }[]; continuation_token: string };
    expect(lb.content.map((l) => l.event)).toContain('hello from first');
    const more = await op('v2', 'GET', `${T}/logs/{try_number}`, `${r()}/taskInstances/first/logs/1?token=${enc(lb.continuation_token)}`, 200);
    expect((more.body as { content: unknown[] }).content).toEqual([]);
    const text = await api.call('GET', `${r()}/taskInstances/first/logs/1`, { token: api.tokens.Admin, headers: { accept: 'text/plain' } });
    expect(text.text).toContain('hello from first');
    await op('v2', 'GET', `${T}/logs/{try_number}`, `${r()}/taskInstances/first/logs/4`, 404);
    const xs = await op('v2', 'GET', `${T}/xcomEntries`, `${r()}/taskInstances/first/xcomEntries`, 200);
    expect((xs.body as { xcom_entries: { key: string }[] }).xcom_entries.map((x) => x.key)).toEqual(['return_value']);
    const x = await op('v2', 'GET', `${T}/xcomEntries/{xcom_key}`, `${r()}/taskInstances/first/xcomEntries/return_value`, 200);
    expect((x.body as { value: unknown }).value).toEqual({ rows: 7 });
    await op('v2', 'GET', `${T}/xcomEntries/{xcom_key}`, `${r()}/taskInstances/first/xcomEntries/none`, 404);
    const dry = await op('v2', 'PATCH', `${T}/dry_run`, `${r()}/taskInstances/first/dry_run`, 200, { body: { new_state: 'failed', include_downstream: true } });
    expect((dry.body as { total_entries: number }).total_entries).toBe(2);
    await op('v2', 'PATCH', T, `${r()}/taskInstances/first`, 200, { body: { note: 'looked at it' } });
    const clear = await op('v2', 'POST', `${D}/clearTaskInstances`, '/api/v2/dags/contract_dag/clearTaskInstances', 200, { body: { dry_run: true, only_failed: false, task_ids: ['second'] } });
    expect((clear.body as { total_entries: number }).total_entries).toBe(1);
  });

  it('variables, connections (secrets never returned), pools', async () => {
    await op('v2', 'POST', '/api/v2/variables', '/api/v2/variables', 201, { body: { key: 'k1', value: { a: 1 }, description: 'd' } });
    await op('v2', 'POST', '/api/v2/variables', '/api/v2/variables', 409, { body: { key: 'k1', value: 'x' } });
    await op('v2', 'GET', '/api/v2/variables', '/api/v2/variables', 200);
    const v = await op('v2', 'GET', '/api/v2/variables/{variable_key}', '/api/v2/variables/k1', 200);
    expect((v.body as { value: string }).value).toBe('{"a":1}');
    await op('v2', 'PATCH', '/api/v2/variables/{variable_key}', '/api/v2/variables/k1', 200, { body: { key: 'k1', value: 'two' } });
    await op('v2', 'DELETE', '/api/v2/variables/{variable_key}', '/api/v2/variables/k1', 204);
    await op('v2', 'GET', '/api/v2/variables/{variable_key}', '/api/v2/variables/k1', 404);

    const c = await op('v2', 'POST', '/api/v2/connections', '/api/v2/connections', 201, { body: { connection_id: 'pg', conn_type: 'postgres', host: 'db', login: 'u', password: 'hunter2', extra: '{"sslmode": "require", "api_key": "s3cret"}' } });
    expect(JSON.stringify(c.body)).not.toContain('hunter2');
    expect(JSON.stringify(c.body)).not.toContain('s3cret');
    const row = await store.db.selectFrom('connection').selectAll().where('conn_id', '=', 'pg').executeTakeFirstOrThrow();
    expect(row.password).not.toContain('hunter2');
    expect(row.is_encrypted).toBe(true);
    await op('v2', 'POST', '/api/v2/connections', '/api/v2/connections', 409, { body: { connection_id: 'pg', conn_type: 'postgres' } });
    await op('v2', 'GET', '/api/v2/connections', '/api/v2/connections', 200);
    const got = await op('v2', 'GET', '/api/v2/connections/{connection_id}', '/api/v2/connections/pg', 200);
    expect(got.body).toMatchObject({ password: '***', host: 'db', extra: '{"sslmode":"require","api_key":"***"}' });
    await op('v2', 'PATCH', '/api/v2/connections/{connection_id}', '/api/v2/connections/pg?update_mask=host', 200, { body: { connection_id: 'pg', conn_type: 'postgres', host: 'db2' } });
    await op('v2', 'DELETE', '/api/v2/connections/{connection_id}', '/api/v2/connections/pg', 204);
    await op('v2', 'GET', '/api/v2/connections/{connection_id}', '/api/v2/connections/pg', 404);

    await op('v2', 'POST', '/api/v2/pools', '/api/v2/pools', 201, { body: { name: 'gpu', slots: 2 } });
    await op('v2', 'POST', '/api/v2/pools', '/api/v2/pools', 409, { body: { name: 'gpu', slots: 2 } });
    await op('v2', 'GET', '/api/v2/pools', '/api/v2/pools', 200);
    await op('v2', 'PATCH', '/api/v2/pools/{pool_name}', '/api/v2/pools/gpu', 200, { body: { slots: 4 } });
    await op('v2', 'GET', '/api/v2/pools/{pool_name}', '/api/v2/pools/default_pool', 200);
    await op('v2', 'DELETE', '/api/v2/pools/{pool_name}', '/api/v2/pools/default_pool', 400);
    await op('v2', 'DELETE', '/api/v2/pools/{pool_name}', '/api/v2/pools/gpu', 204);
    await op('v2', 'GET', '/api/v2/pools/{pool_name}', '/api/v2/pools/gpu', 404);
  });

  it('import errors, event log (one entry per write), health, version', async () => {
    await op('v2', 'GET', '/api/v2/importErrors', '/api/v2/importErrors', 200);
    await op('v2', 'GET', '/api/v2/importErrors/{import_error_id}', '/api/v2/importErrors/999', 404);
    const logs = await op('v2', 'GET', '/api/v2/eventLogs', '/api/v2/eventLogs?dag_id=contract_dag&order_by=-id', 200);
    const events = (logs.body as { event_logs: { event: string; owner: string }[] }).event_logs.map((e) => e.event);
    expect(events).toEqual(expect.arrayContaining(['paused', 'unpaused', 'trigger_dag_run', 'dagrun_mark_failed', 'delete_dag_run', 'ti_set_note']));
    const id = (logs.body as { event_logs: { event_log_id: number }[] }).event_logs[0]!.event_log_id;
    await op('v2', 'GET', '/api/v2/eventLogs/{event_log_id}', `/api/v2/eventLogs/${id}`, 200);
    await op('v2', 'GET', '/api/v2/monitor/health', '/api/v2/monitor/health', 200, { token: null });
    await op('v2', 'GET', '/api/v2/version', '/api/v2/version', 200, { token: null });
  });

  it('every other operation of the document answers 501 with a problem body', async () => {
    const implemented = new Set<string>();
    let unimplemented = 0;
    for (const o of v2.operations()) {
      const path = o.path.replace(/\{[^}]+\}/g, (m) => (m === '{map_index}' || m.endsWith('_id}') && m.includes('error') ? '0' : 'x'));
      const r = await api.call(o.method, path, { token: api.tokens.Admin, body: ['POST', 'PATCH', 'PUT'].includes(o.method) ? {} : undefined });
      if (r.status === 501) {
        unimplemented++;
        expect(r.body).toMatchObject({ status: 501, title: 'Not Implemented' });
      } else {
        implemented.add(o.operationId);
        expect(r.status, `${o.method} ${o.path}`).not.toBe(405);
      }
    }
    expect(implemented.size + unimplemented).toBe(v2.operations().length);
    expect(implemented.has('get_dags') && implemented.has('trigger_dag_run') && implemented.has('get_log')).toBe(true);
  });
});

describe('/api/v1 contract (core paths)', () => {
  const R = '/dags/{dag_id}/dagRuns/{dag_run_id}';
  const r = () => `/dags/contract_dag/dagRuns/${enc(runId)}`;
  it('dags, dagRuns, taskInstances, logs, variables, pools, health, version', async () => {
    await op('v1', 'GET', '/dags', '/dags?tags=contract', 200);
    await op('v1', 'GET', '/dags/{dag_id}', '/dags/contract_dag', 200);
    await op('v1', 'GET', '/dags/{dag_id}', '/dags/missing', 404);
    await op('v1', 'PATCH', '/dags/{dag_id}', '/dags/contract_dag?update_mask=is_paused', 200, { body: { is_paused: false } });
    await op('v1', 'GET', '/dags/{dag_id}/dagRuns', '/dags/contract_dag/dagRuns', 200);
    await op('v1', 'GET', '/dags/{dag_id}/dagRuns', '/dags/~/dagRuns', 200);
    await op('v1', 'POST', '/dags/{dag_id}/dagRuns', '/dags/contract_dag/dagRuns', 200, { body: { dag_run_id: 'v1_run', conf: {} } });
    await op('v1', 'POST', '/dags/{dag_id}/dagRuns', '/dags/contract_dag/dagRuns', 409, { body: { dag_run_id: 'v1_run' } });
    await op('v1', 'POST', '/dags/{dag_id}/dagRuns', '/dags/contract_dag/dagRuns', 400, { body: { dag_run_id: 5 } });
    await op('v1', 'GET', R, r(), 200);
    await op('v1', 'PATCH', R, '/dags/contract_dag/dagRuns/v1_run', 200, { body: { state: 'failed' } });
    await op('v1', 'GET', `${R}/taskInstances`, `${r()}/taskInstances`, 200);
    await op('v1', 'GET', `${R}/taskInstances/{task_id}`, `${r()}/taskInstances/second`, 200);
    await op('v1', 'GET', `${R}/taskInstances/{task_id}`, `${r()}/taskInstances/nope`, 404);
    const log = await op('v1', 'GET', `${R}/taskInstances/{task_id}/logs/{task_try_number}`, `${r()}/taskInstances/first/logs/1`, 200);
    expect((log.body as { content: string }).content).toContain('hello from first');
    await op('v1', 'POST', '/variables', '/variables', 200, { body: { key: 'v1k', value: 'x' } });
    await op('v1', 'GET', '/variables', '/variables', 200);
    await op('v1', 'GET', '/variables/{variable_key}', '/variables/v1k', 200);
    await op('v1', 'PATCH', '/variables/{variable_key}', '/variables/v1k', 200, { body: { key: 'v1k', value: 'y' } });
    await op('v1', 'DELETE', '/variables/{variable_key}', '/variables/v1k', 204);
    await op('v1', 'GET', '/variables/{variable_key}', '/variables/v1k', 404);
    await op('v1', 'GET', '/pools', '/pools', 200);
    await op('v1', 'GET', '/pools/{pool_name}', '/pools/default_pool', 200);
    await op('v1', 'GET', '/pools/{pool_name}', '/pools/none', 404);
    await op('v1', 'GET', '/health', '/health', 200, { token: null });
    await op('v1', 'GET', '/version', '/version', 200);
    await op('v1', 'GET', '/dags', '/dags', 401, { token: null });
    const user = { username: 'v1user', password: 'pw', email: 'v1@example.com', first_name: 'V', last_name: 'One', roles: [{ name: 'Op' }] };
    const made = await op('v1', 'POST', '/users', '/users', 200, { body: user });
    expect(made.body).toMatchObject({ username: 'v1user', roles: [{ name: 'Op' }], active: true });
    expect(made.body).not.toHaveProperty('password');
    expect((await api.call('POST', '/auth/token', { body: { username: 'v1user', password: 'pw' } })).status).toBe(201);
    await op('v1', 'POST', '/users', '/users', 409, { body: user });
    await op('v1', 'POST', '/users', '/users', 400, { body: { ...user, username: 'v1other', roles: [{ name: 'Wizard' }] } });
    await op('v1', 'POST', '/users', '/users', 400, { body: { username: 'v1other', password: 'pw' } });
    await op('v1', 'POST', '/users', '/users', 403, { body: { ...user, username: 'v1other' }, token: api.tokens.Op });
  });

  it('every other operation of the document answers 501', async () => {
    let n501 = 0;
    for (const o of v1.operations()) {
      const r = await api.call(o.method, '/api/v1' + o.path.replace(/\{[^}]+\}/g, 'x'), { token: api.tokens.Admin, body: ['POST', 'PATCH', 'PUT'].includes(o.method) ? {} : undefined });
      if (r.status === 501) n501++;
      expect(r.status, `${o.method} ${o.path}`).not.toBe(405);
      expect(r.status === 404 && (r.body as { title?: string }).title === 'Not Found', `${o.method} ${o.path} has no route`).toBe(false);
    }
    expect(n501).toBeGreaterThan(40);
  });
});
