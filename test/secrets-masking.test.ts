/**
 * Secrets stay secret: a connection's password and sensitive extras, and a variable whose key looks sensitive,
 * read `***` wherever task data is shown — rendered fields (v1, v2, /ui/ti), task logs (v1, v2, the WebSocket's
 * live stream), XComs (v2, /ui/ti) and the variables API — for a Viewer (who may not read connections) and for an
 * Admin alike. The worker masks what it stores; the webserver masks again what it serves, so rows stored before
 * masking existed (the known leak) are masked too. The task itself still receives the real values.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { generateFernetKey, type Metastore } from '@windsock/metastore';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { dagFolder, startInstance, type TestInstance } from './support/instance.ts';
import { startApi, type ApiHarness } from './support/api.ts';

const PASSWORD = 'pg-Canary-Pass-8812';
const TOKEN = 'tok-Canary-4471';
const VAR_SECRET = 'var-Canary-5530';
const LITERAL = 'literal-Canary-Key-99';
const CANARIES = [PASSWORD, TOKEN, VAR_SECRET, LITERAL];

let tdb: TestDatabase; let store: Metastore; let inst: TestInstance; let api: ApiHarness; let folder: string; let runId: string;

const DAG = (out: string) => `masked:
  schedule: null
  default_args: {start_date: 2024-01-01}
  tasks:
    - task_id: use_conn
      operator: airflow.operators.bash.BashOperator
      bash_command: 'echo "pw={{ conn.warehouse.password }} tok={{ conn.warehouse.extra_dejson.api_token }} v={{ var.value.service_password }} p={{ var.value.plain_var }} r={{ conn.warehouse.extra_dejson.region }}"; echo -n "{{ conn.warehouse.password }}" > ${out}; echo "key=$API_KEY"; echo "{{ conn.warehouse.password }}"'
      env: {API_KEY: '${LITERAL}'}
      append_env: true
`;

beforeAll(async () => {
  tdb = await freshDatabase();
  store = await tdb.open();
  const fernetKey = generateFernetKey();
  folder = await dagFolder({});
  await writeFile(join(folder, 'masked.yaml'), DAG(join(folder, 'seen-by-task.txt')));
  inst = await startInstance({ store, dagsFolder: folder, fernetKey });
  api = await startApi(store, inst.events, { core: { fernet_key: fernetKey } });
  const admin = api.tokens.Admin;
  expect((await api.call('POST', '/api/v2/connections', { token: admin, body: { connection_id: 'warehouse', conn_type: 'postgres', host: 'db', login: 'etl', password: PASSWORD, extra: JSON.stringify({ api_token: TOKEN, region: 'eu-west-1' }) } })).status).toBe(201);
  expect((await api.call('POST', '/api/v2/variables', { token: admin, body: { key: 'service_password', value: VAR_SECRET } })).status).toBe(201);
  expect((await api.call('POST', '/api/v2/variables', { token: admin, body: { key: 'plain_var', value: 'visible-value-123' } })).status).toBe(201);
  const run = await inst.runDag('masked');
  expect(run.state).toBe('success');
  runId = run.runId;
}, 60_000);
afterAll(async () => { await api?.close(); await inst?.stop(); await store?.close(); await tdb?.drop(); });

const leaked = (v: unknown) => CANARIES.filter((c) => (typeof v === 'string' ? v : JSON.stringify(v)).includes(c));

function wsLog(token: string, tiId: string): Promise<string[]> {
  const ws = new WebSocket(api.url.replace('http', 'ws') + '/ws', ['windsock', `bearer.${token}`]);
  return new Promise((resolve, reject) => {
    const lines: string[] = [];
    const t = setTimeout(() => { ws.close(); reject(new Error('no end_of_log over the WebSocket')); }, 15_000);
    ws.on('message', (d) => {
      const m = JSON.parse(String(d)) as { type: string; lines?: { event: string }[]; end_of_log?: boolean };
      if (m.type === 'ready') ws.send(JSON.stringify({ type: 'subscribe_log', ti_id: tiId, try_number: 1 }));
      if (m.type === 'log') {
        lines.push(...m.lines!.map((l) => l.event));
        if (m.end_of_log) { clearTimeout(t); ws.close(); resolve(lines); }
      }
    });
    ws.once('error', reject);
  });
}

describe('the task got the real values', () => {
  it('the command ran with the decrypted password', async () => {
    expect(await readFile(join(folder, 'seen-by-task.txt'), 'utf8')).toBe(PASSWORD);
  });

  it('the worker stored neither the rendered fields nor the log lines with a secret in them', async () => {
    const ti = await store.db.selectFrom('task_instance').select(['id', 'rendered_fields']).where('run_id', '=', runId).where('task_id', '=', 'use_conn').executeTakeFirstOrThrow();
    expect(leaked(ti.rendered_fields)).toEqual([]);
    expect(JSON.stringify(ti.rendered_fields)).toContain('pw=*** tok=*** v=*** p=visible-value-123 r=eu-west-1');
    expect((ti.rendered_fields as { env: Record<string, string> }).env.API_KEY).toBe('***');
    const chunks = await store.db.selectFrom('task_log').select('chunk').where('task_instance_id', '=', ti.id).execute();
    const log = chunks.map((c) => c.chunk).join('');
    expect(log).toContain('pw=*** tok=*** v=*** p=visible-value-123 r=eu-west-1');
    expect(leaked(log.replace(LITERAL, ''))).toEqual([]); // $API_KEY came from the task's own env, not a registered secret
  });
});

describe.each(['Viewer', 'Admin'] as const)('served to %s', (role) => {
  let tiId: string;
  beforeAll(async () => {
    const ti = await store.db.selectFrom('task_instance').select(['id', 'rendered_fields']).where('run_id', '=', runId).where('task_id', '=', 'use_conn').executeTakeFirstOrThrow();
    tiId = ti.id;
    // The known leak: rows stored before masking existed hold the decrypted values. Serving masks them too.
    await store.db.updateTable('task_instance').set({ rendered_fields: JSON.stringify({ bash_command: `echo ${PASSWORD} ${TOKEN} ${VAR_SECRET}`, env: { API_KEY: LITERAL } }) }).where('id', '=', tiId).execute();
    await store.db.insertInto('task_log').values({ task_instance_id: tiId, try_number: 1, chunk: `legacy line ${PASSWORD} ${TOKEN} ${VAR_SECRET}\n` }).execute();
  });
  afterAll(async () => { await store.db.deleteFrom('task_log').where('task_instance_id', '=', tiId).where('chunk', 'like', 'legacy line%').execute(); });

  const base = () => `/dags/masked/dagRuns/${encodeURIComponent(runId)}/taskInstances/use_conn`;

  it('rendered fields: v2, v2 list, v1, /ui/ti', async () => {
    const token = api.tokens[role];
    for (const path of [`/api/v2${base()}`, `/api/v2/dags/masked/dagRuns/${encodeURIComponent(runId)}/taskInstances`, `/api/v1${base()}`, `/ui/ti/masked/${encodeURIComponent(runId)}/use_conn`]) {
      const r = await api.call('GET', path, { token });
      expect(r.status, path).toBe(200);
      expect(leaked(r.text), path).toEqual([]);
      expect(r.text, path).toContain('echo *** *** ***');
      expect(r.text, path).toContain('"API_KEY":"***"');
    }
  });

  it('task logs: v2 (JSON and text), v1, and the WebSocket stream', async () => {
    const token = api.tokens[role];
    for (const [path, accept] of [[`/api/v2${base()}/logs/1?full_content=true`, 'application/json'], [`/api/v2${base()}/logs/1`, 'text/plain'], [`/api/v1${base()}/logs/1`, 'application/json']] as const) {
      const r = await api.call('GET', path, { token, headers: { accept } });
      expect(r.status, path).toBe(200);
      expect(r.text, path).toContain('legacy line *** *** ***');
      expect(r.text, path).toContain('pw=*** tok=***');
      expect(leaked(r.text.replace(`key=${LITERAL}`, '')), path).toEqual([]);
    }
    const lines = await wsLog(token, tiId);
    expect(lines).toContain('legacy line *** *** ***');
    expect(leaked(lines.join('\n').replace(`key=${LITERAL}`, ''))).toEqual([]);
  });

  it('XComs: v2 and /ui/ti (the value the task printed holds the password)', async () => {
    const token = api.tokens[role];
    const stored = await store.db.selectFrom('xcom').select('value').where('run_id', '=', runId).where('task_id', '=', 'use_conn').executeTakeFirstOrThrow();
    expect(stored.value).toBe(PASSWORD); // kept as the task returned it, for the tasks downstream
    for (const path of [`/api/v2${base()}/xcomEntries/return_value`, `/api/v2${base()}/xcomEntries/return_value?stringify=true`]) {
      const r = await api.call('GET', path, { token });
      expect(r.status, path).toBe(200);
      expect(leaked(r.text), path).toEqual([]);
      expect(r.text, path).toContain('***');
    }
    const ui = await api.call('GET', `/ui/ti/masked/${encodeURIComponent(runId)}/use_conn`, { token });
    expect((ui.body as { xcoms: { value: unknown }[] }).xcoms[0]!.value).toBe('***');
  });
});

describe('the variables API (Airflow 3\'s VariableResponse)', () => {
  it('shows *** for a sensitive key, the value otherwise; saving *** back keeps the value', async () => {
    const admin = api.tokens.Admin;
    const s = await api.call('GET', '/api/v2/variables/service_password', { token: admin });
    expect((s.body as { value: string }).value).toBe('***');
    expect((await api.call('GET', '/api/v1/variables/service_password', { token: admin })).text).not.toContain(VAR_SECRET);
    expect(leaked((await api.call('GET', '/api/v2/variables', { token: admin })).text)).toEqual([]);
    expect(((await api.call('GET', '/api/v2/variables/plain_var', { token: admin })).body as { value: string }).value).toBe('visible-value-123');
    const p = await api.call('PATCH', '/api/v2/variables/service_password', { token: admin, body: { key: 'service_password', value: '***', description: 'edited' } });
    expect(p.status).toBe(200);
    const row = await store.db.selectFrom('variable').select(['val', 'description']).where('key', '=', 'service_password').executeTakeFirstOrThrow();
    expect(row).toEqual({ val: VAR_SECRET, description: 'edited' });
  });
});
