/**
 * Airflow 2.10's example DAGs for branching and skipping (test/fixtures/airflow-examples, modelled on
 * airflow/example_dags): each imports in the Pyodide shim with the tasks, operators, arguments and edges Airflow
 * gives it, and runs end to end on real Postgres to the task states Airflow's documentation describes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SerializedDag } from '@windsock/dag-model';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { startInstance, type TestInstance } from './support/instance.ts';
import { EXAMPLES_FOLDER, examplesParser } from './support/airflow-examples.ts';

const FOLDER = EXAMPLES_FOLDER;

describe('parsing', () => {
  const { parse, load } = examplesParser();
  const shape = (d: SerializedDag) => Object.fromEntries(d.tasks.map((t) => [t.task_id, { op: t.operator, kind: t.kind, up: t.upstream_task_ids, rule: t.trigger_rule }]));

  it('example_branch_operator: BranchPythonOperator, Label edges, a none_failed_min_one_success join', async () => {
    const d = (await parse('example_branch_operator.py')).example_branch_operator!;
    const s = shape(d);
    expect(s.branching).toEqual({ op: 'BranchPythonOperator', kind: 'python', up: ['run_this_first'], rule: 'all_success' });
    expect(s.branch_c).toMatchObject({ op: 'PythonOperator', up: ['branching'] });
    expect(s.join).toEqual({ op: 'EmptyOperator', kind: 'empty', up: ['follow_a', 'follow_b', 'follow_c', 'follow_d'], rule: 'none_failed_min_one_success' });
    expect(d.tasks).toHaveLength(11);
  });

  it('example_branch_operator_decorator: @task.branch', async () => {
    const d = (await parse('example_branch_operator_decorator.py')).example_branch_python_operator_decorator!;
    const s = shape(d);
    expect(s.branching).toEqual({ op: '@task.branch', kind: 'python', up: ['run_this_first'], rule: 'all_success' });
    expect(d.tasks.find((t) => t.task_id === 'branching')!.args.op_kwargs).toEqual({ choices: ['a', 'b', 'c', 'd'] });
    expect(s.branch_d).toMatchObject({ op: '@task', up: ['branching'] });
  });

  it('example_short_circuit_operator and _decorator: ShortCircuitOperator, @task.short_circuit, ignore_downstream_trigger_rules', async () => {
    const op = (await parse('example_short_circuit_operator.py')).example_short_circuit_operator!;
    const dec = (await parse('example_short_circuit_decorator.py')).example_short_circuit_decorator!;
    expect(shape(op).short_circuit).toEqual({ op: 'ShortCircuitOperator', kind: 'python', up: ['task_1'], rule: 'all_success' });
    expect(shape(dec).short_circuit).toEqual({ op: '@task.short_circuit', kind: 'python', up: ['task_1'], rule: 'all_success' });
    for (const d of [op, dec]) {
      expect(d.tasks.find((t) => t.task_id === 'short_circuit')!.args.ignore_downstream_trigger_rules).toBe(false);
      expect(shape(d).task_7).toMatchObject({ up: ['task_5', 'task_6'], rule: 'all_done' });
      expect(shape(d).task_4).toMatchObject({ up: ['short_circuit'] });
    }
  });

  it('example_branch_datetime_operator: datetime and time targets', async () => {
    const dags = await parse('example_branch_datetime_operator.py');
    expect(Object.keys(dags).sort()).toEqual(['example_branch_datetime_operator', 'example_branch_datetime_operator_2', 'example_branch_datetime_operator_3']);
    const t2 = dags.example_branch_datetime_operator_2!.tasks.find((t) => t.task_id === 'datetime_branch')!;
    expect(t2).toMatchObject({ operator: 'BranchDateTimeOperator', kind: 'empty' });
    expect(t2.args).toMatchObject({ target_upper: '00:00:00', target_lower: '15:00:00', follow_task_ids_if_true: ['date_in_range'] });
  });

  it('example_branch_day_of_week_operator: WeekDay members and day names', async () => {
    const d = (await parse('example_branch_day_of_week_operator.py')).example_weekday_branch_operator!;
    const weekend = d.tasks.find((t) => t.task_id === 'make_weekend_choice')!;
    expect(weekend).toMatchObject({ operator: 'BranchDayOfWeekOperator', upstream_task_ids: ['branch_false'] });
    expect(weekend.args.week_day).toEqual([6, 7]);
    expect(d.tasks.find((t) => t.task_id === 'make_choice')!.args.week_day).toBe('Monday');
  });

  it('example_latest_only and example_latest_only_with_trigger: LatestOnlyOperator', async () => {
    const d = (await parse('example_latest_only_with_trigger.py')).latest_only_with_trigger!;
    expect(shape(d).latest_only).toEqual({ op: 'LatestOnlyOperator', kind: 'empty', up: [], rule: 'all_success' });
    expect(shape(d).task4).toEqual({ op: 'EmptyOperator', kind: 'empty', up: ['task1', 'task2'], rule: 'all_done' });
    expect(shape((await parse('example_latest_only.py')).latest_only!).task1).toMatchObject({ up: ['latest_only'] });
  });

  it('example_skip_dag: a BaseOperator subclass defined in the DAG file runs its own execute() as Python', async () => {
    const d = (await parse('example_skip_dag.py')).example_skip_dag!;
    const skip = d.tasks.find((t) => t.task_id === 'skip_operator_1')!;
    expect(skip).toMatchObject({ operator: 'EmptySkipOperator', kind: 'python', upstream_task_ids: [] });
    expect(skip.args.python_callable).toMatchObject({ name: 'EmptySkipOperator', operator_class: true });
    expect(shape(d).one_success).toEqual({ op: 'EmptyOperator', kind: 'empty', up: ['always_true_2', 'skip_operator_2'], rule: 'one_success' });
  });

  it('a subclass of an operator Windsock only records (BashOperator) with its own execute() is still refused', async () => {
    const r = await load('custom_bash.py', `
from airflow.models.dag import DAG
from airflow.operators.bash import BashOperator
class Loud(BashOperator):
    def execute(self, context):
        return super().execute(context)
with DAG("custom_bash", schedule=None):
    Loud(task_id="x", bash_command="echo")
`);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toContain('is not supported');
  });

  it('a BranchDayOfWeekOperator with an unknown day is an import error, as in Airflow', async () => {
    const r = await load('bad_weekday.py', `
from airflow.models.dag import DAG
from airflow.operators.weekday import BranchDayOfWeekOperator
with DAG("bad_weekday", schedule=None):
    BranchDayOfWeekOperator(task_id="b", week_day="Caturday", follow_task_ids_if_true="x", follow_task_ids_if_false="y")
`);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toContain('Invalid Week Day passed: "Caturday"');
  });
});

describe('end to end on Postgres', () => {
  let tdb: TestDatabase;
  let inst: TestInstance;
  beforeAll(async () => {
    tdb = await freshDatabase();
    inst = await startInstance({ store: await tdb.open(), dagsFolder: FOLDER });
  }, 120_000);
  afterAll(async () => {
    await inst?.stop();
    await inst?.store.close();
    await tdb?.drop();
  });
  const states = async (id: number) => Object.fromEntries(Object.entries(await inst.tiStates(id)).map(([k, v]) => [k, v.state]));
  const at = new Date('2024-06-01T12:00:00Z');

  it('example_branch_operator: exactly one branch and its follow run, the rest are skipped, the join runs', async () => {
    const r = await inst.runDag('example_branch_operator', { logicalDate: at });
    const s = await states(r.dagRunId);
    const chosen = ['a', 'b', 'c', 'd'].filter((o) => s[`branch_${o}`] === 'success');
    expect(chosen).toHaveLength(1);
    for (const o of ['a', 'b', 'c', 'd']) {
      const want = o === chosen[0] ? 'success' : 'skipped';
      expect([s[`branch_${o}`], s[`follow_${o}`]]).toEqual([want, want]);
    }
    expect([s.run_this_first, s.branching, s.join, r.state]).toEqual(['success', 'success', 'success', 'success']);
  });

  it('example_branch_operator_decorator: the same with @task.branch', async () => {
    const r = await inst.runDag('example_branch_python_operator_decorator', { logicalDate: at });
    const s = await states(r.dagRunId);
    expect(Object.values(s).filter((v) => v === 'skipped')).toHaveLength(6);
    expect([s.branching, s.join, r.state]).toEqual(['success', 'success', 'success']);
  });

  it.each(['example_short_circuit_operator', 'example_short_circuit_decorator'])('%s: the states Airflow documents', async (dagId) => {
    const r = await inst.runDag(dagId, { logicalDate: at });
    const s = await states(r.dagRunId);
    const t = dagId.endsWith('operator') ? 'condition_is_True' : 'condition_is_true';
    const f = dagId.endsWith('operator') ? 'condition_is_False' : 'condition_is_false';
    expect(s).toEqual({
      [t]: 'success', true_1: 'success', true_2: 'success', [f]: 'success', false_1: 'skipped', false_2: 'skipped',
      task_1: 'success', task_2: 'success', short_circuit: 'success', task_3: 'success', task_4: 'skipped',
      task_5: 'success', task_6: 'skipped', task_7: 'success',
    });
  });

  it('example_branch_datetime_operator_3: on the logical date, inside and outside the window', async () => {
    const inside = await inst.runDag('example_branch_datetime_operator_3', { logicalDate: new Date('2020-10-10T14:30:00Z') });
    expect(await states(inside.dagRunId)).toEqual({ datetime_branch: 'success', date_in_range: 'success', date_outside_range: 'skipped' });
    const outside = await inst.runDag('example_branch_datetime_operator_3', { logicalDate: new Date('2020-10-10T15:30:00Z') });
    expect(await states(outside.dagRunId)).toEqual({ datetime_branch: 'success', date_in_range: 'skipped', date_outside_range: 'success' });
  });

  it('example_skip_dag: AirflowSkipException skips the task; all_success follows the skip, one_success runs', async () => {
    const r = await inst.runDag('example_skip_dag', { logicalDate: at });
    expect(await states(r.dagRunId)).toEqual({
      skip_operator_1: 'skipped', always_true_1: 'success', all_success: 'skipped', final_1: 'skipped',
      skip_operator_2: 'skipped', always_true_2: 'success', one_success: 'success', final_2: 'success',
    });
    expect(r.state).toBe('success');
  });

  it('example_latest_only_with_trigger: a manual run is never skipped', async () => {
    const r = await inst.runDag('latest_only_with_trigger', { logicalDate: at });
    expect(await states(r.dagRunId)).toEqual({ latest_only: 'success', task1: 'success', task2: 'success', task3: 'success', task4: 'success' });
  });
});
