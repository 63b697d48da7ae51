/**
 * Branching and skipping end to end (issue 19): real DAG files (test/fixtures/branching) parsed by the Pyodide
 * shim, run by the scheduler and a worker with the local executor on real Postgres (and PGlite), each task ending in the state
 * Airflow 2.10 gives it (SkipMixin.skip_all_except, ShortCircuitOperator, BashOperator's skip_on_exit_code,
 * BranchDayOfWeekOperator, BranchDateTimeOperator, LatestOnlyOperator).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { LocalEventBus, waitForEvent } from '@windsock/queue';
import { migrateToLatest, openMetastore, type Metastore } from '@windsock/metastore';
import { freshDatabase } from './support/db.ts';
import { startInstance, type TestInstance } from './support/instance.ts';

const FOLDER = resolve(import.meta.dirname, 'fixtures/branching');

// Real Postgres, and PGlite (standalone's embedded default), where the end-of-try statement that records skips
// runs too.
const backends: Array<[string, () => Promise<{ store: Metastore; cleanup: () => Promise<void> }>]> = [
  ['postgres', async () => {
    const tdb = await freshDatabase();
    const store = await tdb.open();
    return { store, cleanup: async () => { await store.close(); await tdb.drop(); } };
  }],
  ['pglite', async () => {
    const store = await openMetastore({ kind: 'pglite', dataDir: null });
    await migrateToLatest(store.db);
    return { store, cleanup: () => store.close() };
  }],
];

describe.each(backends)('on %s', (_name, open) => {
  let inst: TestInstance;
  let cleanup: () => Promise<void>;
  let latestDone: Promise<void>;

  beforeAll(async () => {
    const events = new LocalEventBus();
    const finished: string[] = [];
    // The latest_only DAG catches up three scheduled runs as soon as the scheduler starts.
    latestDone = new Promise((res) => {
      events.on('dagrun:finished', (e) => {
        finished.push(e.dagId);
        if (finished.filter((d) => d === 'latest_only').length === 3) res();
      });
    });
    const b = await open();
    cleanup = b.cleanup;
    inst = await startInstance({ store: b.store, dagsFolder: FOLDER, events });
  }, 120_000);
  afterAll(async () => {
    await inst?.stop();
    await cleanup?.();
  });

  async function states(dagRunId: number): Promise<Record<string, string | null>> {
    const s = await inst.tiStates(dagRunId);
    return Object.fromEntries(Object.entries(s).map(([k, v]) => [k, v.state]));
  }

  it('parses every branching DAG without import errors', async () => {
    expect(await inst.store.db.selectFrom('import_error').select(['filename', 'stacktrace']).execute()).toEqual([]);
  });

  it('BranchPythonOperator: branches not followed are skipped, joins follow their trigger rules, an empty branch is kept', async () => {
    const r = await inst.runDag('branch_python', { logicalDate: new Date('2024-06-01T00:00:00Z') });
    expect(await states(r.dagRunId)).toEqual({
      run_this_first: 'success', branching: 'success',
      branch_a: 'skipped', follow_a: 'skipped', branch_b: 'success', follow_b: 'success', branch_c: 'skipped', follow_c: 'skipped',
      join: 'success', strict_join: 'skipped',
      pick_many: 'success', left: 'success', right_a: 'success', right_b: 'skipped', empty_join: 'success',
    });
    expect(r.state).toBe('success');
    const xcom = await inst.store.db.selectFrom('xcom').select(['task_id', 'value']).where('dag_run_id', '=', r.dagRunId).where('task_id', 'in', ['branching', 'pick_many']).where('key', '=', 'return_value').orderBy('task_id').execute();
    expect(xcom.map((x) => [x.task_id, x.value])).toEqual([['branching', 'branch_b'], ['pick_many', ['left', 'right_a']]]);

    // Airflow's NotPreviouslySkippedDep: a task instance a branch skipped, cleared alone, is skipped again.
    const mixin = await inst.store.db.selectFrom('xcom').select(['task_id', 'value']).where('dag_run_id', '=', r.dagRunId).where('key', '=', 'skipmixin_key').orderBy('task_id').execute();
    expect(mixin.map((x) => [x.task_id, x.value])).toEqual([['branching', { followed: ['branch_b'] }], ['pick_many', { followed: ['empty_join', 'left', 'right_a'] }]]);
    const again = waitForEvent(inst.events, 'dagrun:finished', (e) => e.dagRunId === r.dagRunId, 30_000);
    await inst.store.db.transaction().execute(async (trx) => {
      await trx.updateTable('task_instance').set({ state: null }).where('dag_run_id', '=', r.dagRunId).where('task_id', 'in', ['branch_a', 'follow_a', 'strict_join']).execute();
      await trx.updateTable('dag_run').set({ state: 'running', end_date: null }).where('id', '=', r.dagRunId).execute();
    });
    inst.events.emit('dagrun:created', { dagId: 'branch_python', runId: r.runId, dagRunId: r.dagRunId });
    await again;
    expect(await states(r.dagRunId)).toMatchObject({ branch_a: 'skipped', follow_a: 'skipped', strict_join: 'skipped', branch_b: 'success' });
  });

  it('@task.branch: a task group id follows its roots; None skips every direct downstream task', async () => {
    const r = await inst.runDag('branch_decorated', { logicalDate: new Date('2024-06-01T00:00:00Z') });
    expect(await states(r.dagRunId)).toEqual({
      choose: 'success', 'group_b.first': 'success', 'group_b.second': 'success', plain: 'skipped',
      nothing: 'success', after_nothing: 'skipped', always_runs: 'success',
    });
    expect(r.state).toBe('success');
  });

  it('a branch naming a task the DAG lacks fails the branch task; its downstream is upstream_failed', async () => {
    const r = await inst.runDag('bad_branch', { logicalDate: new Date('2024-06-01T00:00:00Z') });
    expect(await states(r.dagRunId)).toEqual({ branching: 'failed', a: 'upstream_failed' });
    const log = await inst.store.db.selectFrom('task_log').innerJoin('task_instance as ti', 'ti.id', 'task_log.task_instance_id')
      .select('chunk').where('ti.dag_run_id', '=', r.dagRunId).where('ti.task_id', '=', 'branching').execute();
    expect(log.map((l) => l.chunk).join('')).toContain("'branch_task_ids' must contain only valid task_ids. Invalid tasks found: no_such_task.");
  });

  it('ShortCircuitOperator / @task.short_circuit: falsy skips all downstream, or only the direct tasks when trigger rules are respected', async () => {
    const r = await inst.runDag('short_circuit', { logicalDate: new Date('2024-06-01T00:00:00Z') });
    expect(await states(r.dagRunId)).toEqual({
      condition_is_true: 'success', true_1: 'success',
      condition_is_false: 'success', false_1: 'skipped', false_done: 'skipped',
      check: 'success', direct: 'skipped', done_after: 'success', success_after: 'skipped',
    });
    expect(r.state).toBe('success');
  });

  it('BashOperator: an exit code in skip_on_exit_code (99 by default) ends the task skipped, without retries', async () => {
    const r = await inst.runDag('bash_skip', { logicalDate: new Date('2024-06-01T00:00:00Z') });
    const s = await inst.tiStates(r.dagRunId);
    expect(Object.fromEntries(Object.entries(s).map(([k, v]) => [k, v.state]))).toEqual({
      default_99: 'skipped', after_default: 'skipped', custom_code: 'skipped', not_listed: 'failed', no_skip: 'failed', ok: 'success',
    });
    expect(s.default_99!.try_number).toBe(1);
    expect(r.state).toBe('failed');
  });

  it('a Python task raising AirflowSkipException is skipped (not retried); other exceptions still fail', async () => {
    const r = await inst.runDag('python_skip', { logicalDate: new Date('2024-06-01T00:00:00Z') });
    const s = await inst.tiStates(r.dagRunId);
    expect(Object.fromEntries(Object.entries(s).map(([k, v]) => [k, v.state]))).toEqual({ nothing_to_do: 'skipped', after_skip: 'skipped', fails: 'failed' });
    expect(s.nothing_to_do!.try_number).toBe(1);
    const log = await inst.store.db.selectFrom('task_log').innerJoin('task_instance as ti', 'ti.id', 'task_log.task_instance_id')
      .select('chunk').where('ti.dag_run_id', '=', r.dagRunId).where('ti.task_id', '=', 'nothing_to_do').execute();
    const text = log.map((l) => l.chunk).join('');
    expect(text).toContain('Skipping task: no new files');
    expect(text).toContain('Marking task as SKIPPED.');
    expect(text).not.toContain('::windsock-skip::');
  });

  it('BranchDayOfWeekOperator and BranchDateTimeOperator decide on the logical date', async () => {
    const saturday = await inst.runDag('calendar_branches', { logicalDate: new Date('2024-06-01T10:30:00Z') });
    expect(await states(saturday.dagRunId)).toEqual({
      weekend_check: 'success', weekend: 'success', weekday: 'skipped',
      monday_check: 'success', monday: 'skipped', not_monday: 'success',
      in_hours: 'success', in_window: 'success', out_of_window: 'skipped',
      overnight: 'success', night: 'skipped', day: 'success',
    });
    const mondayNight = await inst.runDag('calendar_branches', { logicalDate: new Date('2024-06-03T23:30:00Z') });
    expect(await states(mondayNight.dagRunId)).toEqual({
      weekend_check: 'success', weekend: 'skipped', weekday: 'success',
      monday_check: 'success', monday: 'success', not_monday: 'skipped',
      in_hours: 'success', in_window: 'skipped', out_of_window: 'success',
      overnight: 'success', night: 'success', day: 'skipped',
    });
  });

  it('LatestOnlyOperator: catch-up runs skip downstream, the latest interval and manual runs go on', async () => {
    await latestDone;
    const runs = await inst.store.db.selectFrom('dag_run').select(['id', 'run_type', 'data_interval_end', 'state'])
      .where('dag_id', '=', 'latest_only').orderBy('data_interval_end').execute();
    expect(runs.map((r) => [r.run_type, r.state])).toEqual([['scheduled', 'success'], ['scheduled', 'success'], ['scheduled', 'success']]);
    const old = { latest_only: 'success', task1: 'skipped', task2: 'success', task3: 'skipped', task4: 'success' };
    const all = { latest_only: 'success', task1: 'success', task2: 'success', task3: 'success', task4: 'success' };
    expect(await states(runs[0]!.id)).toEqual(old);
    expect(await states(runs[1]!.id)).toEqual(old);
    expect(await states(runs[2]!.id)).toEqual(all);
    const manual = await inst.runDag('latest_only', { logicalDate: new Date('2024-06-01T00:00:00Z') });
    expect(await states(manual.dagRunId)).toEqual(all);
  });
});
