/**
 * The UI's own endpoints (/ui/*) on the real webserver over HTTP, after a real run: each page's data in one call,
 * the server's guard in front of them, and 404 problem bodies for what does not exist.
 */
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Metastore } from '@windsock/metastore';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { dagFolder, startInstance, type TestInstance } from './support/instance.ts';
import { ADMIN, startUiServer, type UiServer } from '../bench/ui-harness.ts';

let db: TestDatabase, store: Metastore, inst: TestInstance, server: UiServer, token: string, dags: string;
const runs: string[] = [];

const DAG = `
grouped:
  schedule: null
  start_date: 2024-01-01
  tags: ["repo:ml", team-a]
  params:
    rows:
      __type__: airflow.models.param.Param
      default: 5
      type: integer
  task_groups:
    - group_name: transform
      dependencies: [extract]
  tasks:
    - task_id: extract
      operator: airflow.operators.bash.BashOperator
      bash_command: 'echo "rows={{ params.rows }}"'
    - task_id: clean
      operator: airflow.operators.bash.BashOperator
      bash_command: echo clean
      task_group_name: transform
    - task_id: join
      operator: airflow.operators.bash.BashOperator
      bash_command: exit 3
      task_group_name: transform
      dependencies: [clean]
    - task_id: load
      operator: airflow.operators.bash.BashOperator
      bash_command: echo load
      dependencies: [transform]
`;

async function ui<T = Record<string, unknown>>(path: string, auth = true): Promise<{ status: number; body: T; type: string }> {
  const res = await fetch(`${server.url}${path}`, { headers: auth ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, body: await res.json() as T, type: res.headers.get('content-type') ?? '' };
}

beforeAll(async () => {
  db = await freshDatabase();
  store = await db.open();
  dags = await dagFolder({ 'grouped.yaml': DAG, 'bad.yaml': 'x: [\n' });
  inst = await startInstance({ store, dagsFolder: dags });
  server = await startUiServer(store, inst.events);
  const res = await fetch(`${server.url}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN) });
  token = ((await res.json()) as { access_token: string }).access_token;
  for (let i = 0; i < 2; i++) {
    const r = await inst.runDag('grouped', { logicalDate: new Date(Date.UTC(2024, 0, 1 + i)), conf: { rows: 7 + i } });
    expect(r.state).toBe('failed');
    runs.push(r.runId);
  }
}, 120_000);

afterAll(async () => {
  await server?.close();
  await inst?.stop();
  await store?.close();
  await db?.drop();
  if (dags) await rm(dags, { recursive: true, force: true });
});

const tid = (name: string, body: { tasks: { task_id: string }[] }) => body.tasks.find((t) => t.task_id.endsWith(name))!.task_id;

describe('/ui endpoints', () => {
  it('answer 401 without a token, through the server guard', async () => {
    const r = await ui('/ui/grid/grouped', false);
    expect(r.status).toBe(401);
    expect(r.type).toContain('application/problem+json');
  });

  it('me: the signed-in user, role and permissions the UI shows actions by', async () => {
    const me = await ui<{ username: string; role: string; permissions: string[] }>('/ui/me');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ username: ADMIN.username, role: 'Admin' });
    expect(me.body.permissions).toEqual(expect.arrayContaining(['edit:dag', 'create:dag_run', 'edit:task_instance', 'create:variable']));
    expect((await ui('/ui/me', false)).status).toBe(401);
  });

  it('grid: runs oldest first × tasks in display order, with states and tries', async () => {
    const { status, body } = await ui<{ runs: { run_id: string; state: string }[]; tasks: { task_id: string; group_id: string | null }[]; states: (string | null)[][]; tries: number[][]; groups: { group_id: string }[] }>('/ui/grid/grouped');
    expect(status).toBe(200);
    expect(body.runs.map((r) => r.run_id)).toEqual(runs);
    expect(body.runs.map((r) => r.state)).toEqual(['failed', 'failed']);
    expect(body.tasks.map((t) => t.task_id.split('.').pop())).toEqual(['extract', 'clean', 'join', 'load']);
    expect(body.tasks[1]!.group_id).toBe('transform');
    expect(body.groups.map((g) => g.group_id)).toEqual(['transform']);
    const i = (n: string) => body.tasks.findIndex((t) => t.task_id === tid(n, body));
    for (const r of [0, 1]) {
      expect([body.states[i('extract')]![r], body.states[i('clean')]![r], body.states[i('join')]![r], body.states[i('load')]![r]])
        .toEqual(['success', 'success', 'failed', 'upstream_failed']);
    }
    expect(body.tries[i('extract')]).toEqual([1, 1]);
  });

  it('grid: limit keeps the latest runs, and is validated', async () => {
    const one = await ui<{ runs: { run_id: string }[]; states: unknown[][] }>('/ui/grid/grouped?limit=1');
    expect(one.body.runs.map((r) => r.run_id)).toEqual([runs[1]]);
    expect(one.body.states.every((row) => row.length === 1)).toBe(true);
    expect((await ui('/ui/grid/grouped?limit=0')).status).toBe(400);
  });

  it('answers 404 problem bodies for unknown DAGs, runs and task instances', async () => {
    for (const path of ['/ui/grid/nope', '/ui/graph/nope', '/ui/dags/nope', '/ui/source/nope', '/ui/gantt/grouped/nope',
      '/ui/graph/grouped?run_id=nope', '/ui/ti/grouped/nope/extract']) {
      const r = await ui<{ status: number; title: string; detail: string }>(path);
      expect(r.status, path).toBe(404);
      expect(r.type).toContain('application/problem+json');
      expect(r.body).toMatchObject({ status: 404, title: 'Not Found' });
      expect(r.body.detail).toContain('nope');
    }
  });

  it('graph: tasks with upstreams, groups, and the latest run\'s states', async () => {
    const { body } = await ui<{ tasks: { task_id: string; upstream_task_ids: string[] }[]; run: { run_id: string }; states: Record<string, string>; recent_runs: { run_id: string }[] }>('/ui/graph/grouped');
    expect(body.run.run_id).toBe(runs[1]);
    expect(body.recent_runs.map((r) => r.run_id)).toEqual([runs[1], runs[0]]);
    expect(body.tasks.find((t) => t.task_id === tid('join', body))!.upstream_task_ids).toEqual([tid('clean', body)]);
    expect(body.states[tid('join', body)]).toBe('failed');
    const older = await ui<{ run: { run_id: string } }>(`/ui/graph/grouped?run_id=${encodeURIComponent(runs[0]!)}`);
    expect(older.body.run.run_id).toBe(runs[0]);
  });

  it('gantt: one row per task instance with its times, and the run\'s conf', async () => {
    const { body } = await ui<{ conf: unknown; rows: { task_id: string; start_date: string | null; end_date: string | null; state: string }[] }>(`/ui/gantt/grouped/${encodeURIComponent(runs[0]!)}`);
    expect(body.conf).toEqual({ rows: 7 });
    expect(body.rows).toHaveLength(4);
    // Ordered by start time; the upstream_failed task gets its dates when it is decided, last.
    expect(body.rows.map((r) => r.task_id.split('.').pop())).toEqual(['extract', 'clean', 'join', 'load']);
    expect(body.rows.map((r) => r.state)).toEqual(['success', 'success', 'failed', 'upstream_failed']);
    for (const r of body.rows.filter((x) => x.start_date)) expect(Date.parse(r.end_date!)).toBeGreaterThanOrEqual(Date.parse(r.start_date!));
  });

  it('task instance: rendered templates, tries and the task definition', async () => {
    const { body } = await ui<{ rendered_fields: Record<string, unknown>; tries: { try_number: number; state: string }[]; task: { trigger_rule: string }; state: string }>(`/ui/ti/grouped/${encodeURIComponent(runs[1]!)}/extract`);
    expect(body.state).toBe('success');
    expect(JSON.stringify(body.rendered_fields)).toContain('rows=8');
    expect(body.tries).toEqual([expect.objectContaining({ try_number: 1, state: 'success' })]);
    expect(body.task.trigger_rule).toBe('all_success');
  });

  it('dag list: tags, latest runs newest first, and import errors', async () => {
    const { body } = await ui<{ dags: { dag_id: string; tags: string[]; recent_runs: { run_id: string }[] }[]; import_errors: { filename: string }[] }>('/ui/dags');
    const d = body.dags.find((x) => x.dag_id === 'grouped')!;
    expect(d.tags).toEqual(expect.arrayContaining(['repo:ml', 'team-a']));
    expect(d.recent_runs.map((r) => r.run_id)).toEqual([runs[1], runs[0]]);
    expect(body.import_errors.map((e) => e.filename)).toEqual(['bad.yaml']);
  });

  it('dag meta and source: params for the trigger form, and the file as stored', async () => {
    const meta = await ui<{ params: Record<string, { default: unknown; schema: Record<string, unknown> }> }>('/ui/dags/grouped');
    expect(meta.body.params.rows).toMatchObject({ default: 5, schema: { type: 'integer' } });
    const src = await ui<{ fileloc: string; content: string }>('/ui/source/grouped');
    expect(src.body.fileloc).toBe('grouped.yaml');
    expect(src.body.content).toBe(DAG);
  });
});
