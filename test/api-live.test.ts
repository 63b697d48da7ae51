/**
 * The API driving a real instance (scheduler + worker with the local executor on Postgres): a trigger by REST
 * runs at once; marking a running task failed kills its process within a second; the WebSocket pushes state
 * changes and the log lines of a subscribed try as they are written; clearing a finished task runs it again.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { waitForEvent } from '@windsock/queue';
import type { Metastore } from '@windsock/metastore';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { dagFolder, startInstance, type TestInstance } from './support/instance.ts';
import { startApi, type ApiHarness } from './support/api.ts';

let tdb: TestDatabase; let store: Metastore; let inst: TestInstance; let api: ApiHarness; let folder: string;

const DAGS = {
  'quick.yaml': `quick:\n  schedule: null\n  default_args: {start_date: 2024-01-01}\n  tasks:\n    - task_id: a\n      operator: airflow.operators.bash.BashOperator\n      bash_command: 'echo "conf says {{ dag_run.conf.greeting }}"'\n    - task_id: b\n      operator: airflow.operators.bash.BashOperator\n      bash_command: 'echo b'\n      dependencies: [a]\n`,
  'slow.yaml': `slow:\n  schedule: null\n  default_args: {start_date: 2024-01-01}\n  tasks:\n    - task_id: sleeper\n      operator: airflow.operators.bash.BashOperator\n      bash_command: 'echo "started $$"; echo $$ > "{{ params.pidfile }}"; exec sleep 60'\n  params: {pidfile: PIDFILE}\n`,
};

beforeAll(async () => {
  tdb = await freshDatabase();
  store = await tdb.open();
  folder = await dagFolder({});
  const { writeFile } = await import('node:fs/promises');
  for (const [n, t] of Object.entries(DAGS)) await writeFile(join(folder, n), t.replace('PIDFILE', join(folder, 'sleeper.pid')));
  inst = await startInstance({ store, dagsFolder: folder });
  api = await startApi(store, inst.events);
});
afterAll(async () => { await api?.close(); await inst?.stop(); await store?.close(); await tdb?.drop(); });

function connect(token: string): Promise<{ ws: WebSocket; messages: Record<string, unknown>[]; next(match: (m: Record<string, unknown>) => boolean, ms?: number): Promise<Record<string, unknown>> }> {
  const ws = new WebSocket(api.url.replace('http', 'ws') + '/ws', ['windsock', `bearer.${token}`]);
  const messages: Record<string, unknown>[] = [];
  const waiters: { match: (m: Record<string, unknown>) => boolean; resolve: (m: Record<string, unknown>) => void }[] = [];
  ws.on('message', (d) => {
    const m = JSON.parse(String(d)) as Record<string, unknown>;
    messages.push(m);
    for (const w of [...waiters]) if (w.match(m)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(m); }
  });
  const next = (match: (m: Record<string, unknown>) => boolean, ms = 20_000) => new Promise<Record<string, unknown>>((resolve, reject) => {
    const seen = messages.find(match);
    if (seen) return resolve(seen);
    const t = setTimeout(() => reject(new Error('no such message in time')), ms);
    waiters.push({ match, resolve: (m) => { clearTimeout(t); resolve(m); } });
  });
  return new Promise((resolve, reject) => { ws.once('open', () => resolve({ ws, messages, next })); ws.once('error', reject); ws.once('unexpected-response', (_q, res) => reject(new Error(`ws ${res.statusCode}`))); });
}

describe('trigger, mark, clear, live', () => {
  it('a run triggered by REST actually runs, with its conf', async () => {
    const live = await connect(api.tokens.Viewer);
    const r = await api.call('POST', '/api/v2/dags/quick/dagRuns', { token: api.tokens.User, body: { dag_run_id: 'rest1', conf: { greeting: 'hi' } } });
    expect(r.status).toBe(200);
    const run = await store.db.selectFrom('dag_run').select('id').where('run_id', '=', 'rest1').executeTakeFirstOrThrow();
    const fin = await waitForEvent(inst.events, 'dagrun:finished', (e) => e.dagRunId === run.id, 30_000).catch(async () => {
      const s = await store.db.selectFrom('dag_run').select('state').where('id', '=', run.id).executeTakeFirstOrThrow();
      return { state: s.state };
    });
    expect(fin.state).toBe('success');
    const log = await api.call('GET', '/api/v2/dags/quick/dagRuns/rest1/taskInstances/a/logs/1', { token: api.tokens.Viewer, headers: { accept: 'text/plain' } });
    expect(log.text).toContain('conf says hi');
    await live.next((m) => m.type === 'dagrun' && m.event === 'dagrun:finished' && m.runId === 'rest1');
    expect(live.messages.some((m) => m.type === 'ti' && m.event === 'ti:running' && m.runId === 'rest1')).toBe(true);
    live.ws.close();
  });

  it('marking a running task failed kills its process within a second; its log arrives live', async () => {
    const live = await connect(api.tokens.User);
    await live.next((m) => m.type === 'ready');
    const running = waitForEvent(inst.events, 'ti:running', (e) => e.dagId === 'slow');
    expect((await api.call('POST', '/api/v2/dags/slow/dagRuns', { token: api.tokens.User, body: { dag_run_id: 'slow1' } })).status).toBe(200);
    const ti = await running;
    live.ws.send(JSON.stringify({ type: 'subscribe_log', ti_id: ti.tiId, try_number: ti.tryNumber }));
    const logMsg = await live.next((m) => m.type === 'log' && (m.lines as { event: string }[]).some((l) => l.event.startsWith('started')));
    const pid = Number((logMsg.lines as { event: string }[]).find((l) => l.event.startsWith('started'))!.event.split(' ')[1]);
    expect(Number((await readFile(join(folder, 'sleeper.pid'), 'utf8')).trim())).toBe(pid);
    expect(() => process.kill(pid, 0)).not.toThrow();
    const t0 = Date.now();
    const r = await api.call('PATCH', '/api/v2/dags/slow/dagRuns/slow1/taskInstances/sleeper', { token: api.tokens.User, body: { new_state: 'failed' } });
    expect(r.status).toBe(200);
    expect((r.body as { task_instances: { state: string }[] }).task_instances[0]!.state).toBe('failed');
    const gone = await new Promise<number>((resolve, reject) => {
      const check = () => { try { process.kill(pid, 0); } catch { return resolve(Date.now() - t0); } if (Date.now() - t0 > 5000) reject(new Error('still alive after 5 s')); else setTimeout(check, 10); };
      check();
    });
    console.log(`process gone ${gone} ms after the PATCH was sent`);
    expect(gone).toBeLessThan(1000);
    const row = await store.db.selectFrom('task_instance').select('state').where('id', '=', ti.tiId).executeTakeFirstOrThrow();
    expect(row.state).toBe('failed');
    live.ws.close();
  });

  it('clearing a finished task runs it again (try 2), keeping try 1 in the history', async () => {
    const run = await store.db.selectFrom('dag_run').select('id').where('run_id', '=', 'rest1').executeTakeFirstOrThrow();
    const again = waitForEvent(inst.events, 'ti:finished', (e) => e.dagRunId === run.id && e.taskId === 'b' && e.tryNumber === 2, 30_000);
    const r = await api.call('POST', '/api/v2/dags/quick/clearTaskInstances', { token: api.tokens.User, body: { dry_run: false, only_failed: false, task_ids: ['b'], dag_run_id: 'rest1' } });
    expect(r.status).toBe(200);
    expect((await again).state).toBe('success');
    const tries = await api.call('GET', '/api/v2/dags/quick/dagRuns/rest1/taskInstances/b/tries', { token: api.tokens.Viewer });
    expect((tries.body as { task_instances: { try_number: number }[] }).task_instances.map((t) => t.try_number)).toEqual([1, 2]);
  });

  it('clearing a running task stops it and runs it again as its next try', async () => {
    const trig = await api.call('POST', '/api/v2/dags/slow/dagRuns', { token: api.tokens.User, body: { dag_run_id: 'slow2' } });
    expect(trig.status).toBe(200);
    const run = await store.db.selectFrom('dag_run').select('id').where('run_id', '=', 'slow2').executeTakeFirstOrThrow();
    await waitForEvent(inst.events, 'ti:running', (e) => e.runId === 'slow2' && e.tryNumber === 1, 30_000);
    const firstEnds = waitForEvent(inst.events, 'ti:finished', (e) => e.dagRunId === run.id && e.tryNumber === 1, 30_000);
    const secondRuns = waitForEvent(inst.events, 'ti:running', (e) => e.runId === 'slow2' && e.tryNumber === 2, 30_000);
    const r = await api.call('POST', '/api/v2/dags/slow/clearTaskInstances', { token: api.tokens.User, body: { dry_run: false, only_failed: false, task_ids: ['sleeper'], dag_run_id: 'slow2' } });
    expect(r.status).toBe(200);
    expect((await firstEnds).state).toBe('up_for_retry');
    await secondRuns;
    const hist = await store.db.selectFrom('task_instance_history').select(['try_number', 'state']).where('run_id', '=', 'slow2').orderBy('try_number').execute();
    expect(hist[0]).toEqual({ try_number: 1, state: 'up_for_retry' });
    // Stop try 2 so the run does not hold a process for a minute.
    await api.call('PATCH', '/api/v2/dags/slow/dagRuns/slow2/taskInstances/sleeper', { token: api.tokens.User, body: { new_state: 'failed' } });
  });

  it('the WebSocket refuses a missing or forged token', async () => {
    await expect(connect('nope')).rejects.toThrow(/401/);
  });
});
