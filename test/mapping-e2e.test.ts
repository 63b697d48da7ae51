/**
 * Dynamic task mapping end to end (issue 19): DAG files parsed by the Pyodide shim, run by the scheduler and a
 * worker with the local executor on real Postgres. A mapped task expands at run time into map_index 0..N-1 from its
 * upstream's XCom, each instance gets its own arguments, a downstream task pulls the mapped values as one list in
 * map_index order; an empty expansion is skipped and one longer than [core] max_map_length (4 here) fails.
 */
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpecValidator, startApi, type ApiHarness } from './support/api.ts';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { startInstance, type TestInstance } from './support/instance.ts';

const FOLDER = resolve(import.meta.dirname, 'fixtures/mapping');

describe('mapped tasks on postgres', () => {
  let tdb: TestDatabase;
  let inst: TestInstance;
  let api: ApiHarness;
  beforeAll(async () => {
    tdb = await freshDatabase();
    inst = await startInstance({ store: await tdb.open(), dagsFolder: FOLDER, schedulerOptions: { maxMapLength: 4 } });
    api = await startApi(inst.store, inst.events);
  }, 120_000);
  afterAll(async () => {
    await api?.close();
    await inst?.stop();
    await tdb?.drop();
  });

  async function tis(dagRunId: number) {
    const rows = await inst.store.db.selectFrom('task_instance').select(['task_id', 'map_index', 'state', 'note'])
      .where('dag_run_id', '=', dagRunId).orderBy('task_id').orderBy('map_index').execute();
    return rows.map((r) => `${r.task_id}[${r.map_index}]=${r.state}`);
  }
  async function xcom(dagRunId: number, taskId: string) {
    const rows = await inst.store.db.selectFrom('xcom').select(['map_index', 'value']).where('dag_run_id', '=', dagRunId)
      .where('task_id', '=', taskId).where('key', '=', 'return_value').orderBy('map_index').execute();
    return rows.map((r) => [r.map_index, r.value]);
  }

  it('parses the mapping DAGs without import errors', async () => {
    expect(await inst.store.db.selectFrom('import_error').select(['filename', 'stacktrace']).execute()).toEqual([]);
  });

  it('[1, 2, 3] -> add_one mapped -> total is 9', async () => {
    const r = await inst.runDag('map_sum');
    expect(r.state).toBe('success');
    expect(await tis(r.dagRunId)).toEqual([
      'add_one[0]=success', 'add_one[1]=success', 'add_one[2]=success', 'numbers[-1]=success', 'total[-1]=success']);
    expect(await xcom(r.dagRunId, 'add_one')).toEqual([[0, 2], [1, 3], [2, 4]]);
    expect(await xcom(r.dagRunId, 'total')).toEqual([[-1, 9]]);
  }, 60_000);

  it('cross product, expand_kwargs over an XCom, and a mapped BashOperator', async () => {
    const r = await inst.runDag('map_forms');
    expect(r.state).toBe('success');
    expect(await xcom(r.dagRunId, 'collect_cross')).toEqual([[-1, [101, 201, 102, 202]]]);
    expect(await xcom(r.dagRunId, 'collect_kwargs')).toEqual([[-1, [22, 44]]]);
    expect((await tis(r.dagRunId)).filter((t) => t.startsWith('echo'))).toEqual(['echo[0]=success', 'echo[1]=success']);
    expect(await xcom(r.dagRunId, 'echo')).toEqual([[0, 'first-2'], [1, 'second']]);
    expect(await xcom(r.dagRunId, 'joined')).toEqual([[-1, 'first-2,second']]);
  }, 60_000);

  it('an empty expansion is skipped; one over max_map_length fails with the reason', async () => {
    const r = await inst.runDag('map_edges');
    expect(await tis(r.dagRunId)).toEqual([
      'after_empty[-1]=skipped', 'after_empty_all_done[-1]=success', 'after_too_long[-1]=upstream_failed',
      'five[-1]=success', 'nothing[-1]=success', 'show[-1]=skipped', 'show_five[-1]=failed']);
    expect(await xcom(r.dagRunId, 'after_empty_all_done')).toEqual([[-1, 0]]);
    const note = await inst.store.db.selectFrom('task_instance').select('note').where('dag_run_id', '=', r.dagRunId)
      .where('task_id', '=', 'show_five').executeTakeFirstOrThrow();
    expect(note.note).toBe('expanding into 5 task instances exceeds max_map_length (4)');
    expect(r.state).toBe('failed');
  }, 60_000);

  it('API v2: listMapped and /{map_index} give the mapped instances, as the document says', async () => {
    const v2 = new SpecValidator('v2');
    const r = await inst.runDag('map_sum');
    const base = `/api/v2/dags/map_sum/dagRuns/${encodeURIComponent(r.runId)}/taskInstances`;
    const list = await api.call('GET', `${base}/add_one/listMapped`, { token: api.tokens.Viewer });
    expect(list.status).toBe(200);
    v2.check('GET', '/api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/listMapped', 200, list.body);
    const body = list.body as { task_instances: { map_index: number; state: string }[]; total_entries: number };
    expect(body.total_entries).toBe(3);
    expect(body.task_instances.map((t) => [t.map_index, t.state])).toEqual([[0, 'success'], [1, 'success'], [2, 'success']]);
    const one = await api.call('GET', `${base}/add_one/2`, { token: api.tokens.Viewer });
    expect(one.status).toBe(200);
    v2.check('GET', '/api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/{map_index}', 200, one.body);
    expect(one.body).toMatchObject({ task_id: 'add_one', map_index: 2, state: 'success' });
    expect((await api.call('GET', `${base}/total/listMapped`, { token: api.tokens.Viewer })).status).toBe(404);
    const all = await api.call('GET', `${base}?task_id=add_one`, { token: api.tokens.Viewer });
    expect((all.body as { total_entries: number }).total_entries).toBe(3);
    const v1 = new SpecValidator('v1');
    const v1base = `/api/v1/dags/map_sum/dagRuns/${encodeURIComponent(r.runId)}/taskInstances`;
    const v1list = await api.call('GET', `${v1base}/add_one/listMapped`, { token: api.tokens.Viewer });
    v1.check('GET', '/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/listMapped', 200, v1list.body);
    expect((v1list.body as { task_instances: { map_index: number }[] }).task_instances.map((t) => t.map_index)).toEqual([0, 1, 2]);
    const v1one = await api.call('GET', `${v1base}/add_one/1`, { token: api.tokens.Viewer });
    v1.check('GET', '/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/{map_index}', 200, v1one.body);
    expect(v1one.body).toMatchObject({ task_id: 'add_one', map_index: 1, state: 'success' });
    const log = await api.call('GET', `${base}/add_one/logs/1?map_index=1&full_content=true`, { token: api.tokens.Viewer, headers: { accept: 'text/plain' } });
    expect(log.status).toBe(200);
    expect(log.text).toMatch(/add_one/);
  }, 60_000);

  it('UI data: the grid shows a mapped task as one row with its instances counted; the panel lists them', async () => {
    const r = await inst.runDag('map_sum');
    const get = async <T>(path: string) => (await api.call('GET', path, { token: api.tokens.Viewer })).body as T;
    const grid = await get<{ runs: { run_id: string }[]; tasks: { task_id: string; mapped?: true }[]; states: (string | null)[][];
      mapped: Record<string, Record<string, number>> }>('/ui/grid/map_sum');
    const t = grid.tasks.findIndex((x) => x.task_id === 'add_one');
    const c = grid.runs.findIndex((x) => x.run_id === r.runId);
    expect(grid.tasks.filter((x) => x.task_id === 'add_one')).toEqual([{ task_id: 'add_one', group_id: null, operator: '@task', mapped: true }]);
    expect(grid.mapped[`${t},${c}`]).toEqual({ success: 3 });
    expect(grid.states[t]![c]).toBe('success');
    expect(grid.tasks.find((x) => x.task_id === 'total')!.mapped).toBeUndefined();

    const panel = await get<{ map_index: number; xcoms: { value: unknown }[]; mapped: { map_index: number; state: string }[] }>(
      `/ui/ti/map_sum/${encodeURIComponent(r.runId)}/add_one?map_index=1`);
    expect(panel.map_index).toBe(1);
    expect(panel.xcoms.map((x) => x.value)).toEqual([3]);
    expect(panel.mapped.map((m) => [m.map_index, m.state])).toEqual([[0, 'success'], [1, 'success'], [2, 'success']]);
    const first = await get<{ map_index: number }>(`/ui/ti/map_sum/${encodeURIComponent(r.runId)}/add_one`);
    expect(first.map_index).toBe(0);
  }, 60_000);
});
