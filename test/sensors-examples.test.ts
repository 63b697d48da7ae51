/**
 * Airflow 2.10's example DAGs for sensors (test/fixtures/airflow-examples, modelled on airflow/example_dags): each
 * imports in the Pyodide shim with the tasks, operators, sensor arguments and edges Airflow gives it; the decorator
 * example runs end to end on real Postgres.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sensorSettings } from '@windsock/dag-model';
import { freshDatabase } from './support/db.ts';
import { dagFolder, startInstance, type TestInstance } from './support/instance.ts';
import { EXAMPLES_FOLDER, examplesParser } from './support/airflow-examples.ts';

const FOLDER = EXAMPLES_FOLDER;

describe('parsing', () => {
  const { parse, task } = examplesParser();

  it('example_sensors: every sensor, its mode, timeout and soft_fail; a none_failed join', async () => {
    const d = (await parse('example_sensors.py')).example_sensors!;
    expect(d.tasks).toHaveLength(16);
    const ops = Object.fromEntries(d.tasks.map((t) => [t.task_id, t.operator]));
    expect(ops).toMatchObject({
      wait_some_seconds: 'TimeDeltaSensor', wait_some_seconds_async: 'TimeDeltaSensorAsync', fire_immediately: 'TimeSensor',
      fire_immediately_async: 'TimeSensorAsync', Sensor_succeeds: 'BashSensor', wait_for_file: 'FileSensor',
      success_sensor_python: 'PythonSensor', week_day_sensor_failing_on_timeout: 'DayOfWeekSensor', print_date_in_bash: 'BashOperator',
    });
    for (const t of d.tasks) if (t.task_id !== 'print_date_in_bash' && !t.task_id.endsWith('_file') && t.task_id !== 'create_file_after_3_seconds') expect(t.kind, t.task_id).toBe('python');
    expect(sensorSettings(task(d, 'wait_some_seconds'))).toMatchObject({ mode: 'poke', pokeInterval: 60, timeout: 604800, softFail: false });
    // No triggerer: the Async sensors and a deferrable FileSensor wait in reschedule mode.
    expect(sensorSettings(task(d, 'wait_some_seconds_async'))!.mode).toBe('reschedule');
    expect(sensorSettings(task(d, 'wait_for_file_async'))!.mode).toBe('reschedule');
    expect(sensorSettings(task(d, 'wait_for_file'))!.mode).toBe('poke');
    expect(sensorSettings(task(d, 'Sensor_fails_after_3_seconds'))).toMatchObject({ timeout: 3, softFail: true });
    expect(task(d, 'week_day_sensor_failing_on_timeout').args.week_day).toEqual([1]);
    const tx = task(d, 'print_date_in_bash');
    expect(tx.trigger_rule).toBe('none_failed');
    expect([...tx.upstream_task_ids].sort()).toEqual(['Sensor_fails_after_3_seconds', 'Sensor_succeeds', 'create_file_after_3_seconds',
      'failure_timeout_sensor_python', 'fire_immediately', 'fire_immediately_async', 'success_sensor_python', 'timeout_after_second_date_in_the_future',
      'timeout_after_second_date_in_the_future_async', 'wait_for_file_async', 'wait_some_seconds', 'wait_some_seconds_async', 'week_day_sensor_failing_on_timeout']);
    expect(task(d, 'wait_for_file').upstream_task_ids).toEqual(['remove_file']);
  });

  it('example_sensor_decorator: @task.sensor in reschedule mode', async () => {
    const d = (await parse('example_sensor_decorator.py')).example_sensor_decorator!;
    expect(task(d, 'wait_for_upstream')).toMatchObject({ operator: '@task.sensor', kind: 'python' });
    expect(sensorSettings(task(d, 'wait_for_upstream'))).toMatchObject({ mode: 'reschedule', pokeInterval: 60, timeout: 3600 });
    expect(task(d, 'dummy_operator').upstream_task_ids).toEqual(['wait_for_upstream']);
  });

  it('example_external_task_marker_dag: ExternalTaskMarker and a reschedule-mode ExternalTaskSensor', async () => {
    const dags = await parse('example_external_task_marker_dag.py');
    const marker = task(dags.example_external_task_marker_parent!, 'parent_task');
    expect(marker).toMatchObject({ operator: 'ExternalTaskMarker', kind: 'empty' });
    expect(marker.args).toMatchObject({ external_dag_id: 'example_external_task_marker_child', external_task_id: 'child_task1', recursion_depth: 10 });
    const child = dags.example_external_task_marker_child!;
    const sensor = task(child, 'child_task1');
    expect(sensor).toMatchObject({ operator: 'ExternalTaskSensor', kind: 'empty' });
    expect(sensor.args).toMatchObject({ external_dag_id: 'example_external_task_marker_parent', external_task_ids: ['parent_task'],
      allowed_states: ['success'], failed_states: ['failed', 'skipped'] });
    expect(sensorSettings(sensor)).toMatchObject({ mode: 'reschedule', timeout: 600 });
    expect(task(child, 'child_task2').upstream_task_ids).toEqual(['child_task1']);
  });

  it('example_time_delta_sensor_async: TimeDeltaSensorAsync with its delta', async () => {
    const d = (await parse('example_time_delta_sensor_async.py')).example_time_delta_sensor_async!;
    expect(task(d, 'wait')).toMatchObject({ operator: 'TimeDeltaSensorAsync', kind: 'python' });
    expect(task(d, 'wait').args.delta).toEqual({ __type: 'timedelta', seconds: 30 });
    expect(task(d, 'finish').upstream_task_ids).toEqual(['wait']);
  });
});

describe('running on postgres', () => {
  let inst: TestInstance;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    const tdb = await freshDatabase();
    const store = await tdb.open();
    cleanup = async () => { await store.close(); await tdb.drop(); };
    // Only this example: the others in the folder are scheduled and would run too.
    const folder = await dagFolder({ 'example_sensor_decorator.py': readFileSync(resolve(FOLDER, 'example_sensor_decorator.py'), 'utf8') });
    inst = await startInstance({ store, dagsFolder: folder });
  }, 120_000);
  afterAll(async () => {
    await inst?.stop();
    await cleanup?.();
  });

  it('example_sensor_decorator: the sensor succeeds at its first poke and pushes its xcom_value', async () => {
    const r = await inst.runDag('example_sensor_decorator');
    const s = await inst.tiStates(r.dagRunId);
    expect(Object.fromEntries(Object.entries(s).map(([k, v]) => [k, v.state]))).toEqual({ wait_for_upstream: 'success', dummy_operator: 'success' });
    const x = await inst.store.db.selectFrom('xcom').select('value').where('dag_run_id', '=', r.dagRunId).where('task_id', '=', 'wait_for_upstream').executeTakeFirst();
    expect(x?.value).toBe('xcom_value');
  });
});
