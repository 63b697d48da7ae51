/**
 * Sensors end to end (issue 19): real DAG files (test/fixtures/sensors) parsed by the Pyodide shim, run by the
 * scheduler and a worker with the local executor on real Postgres, as Airflow 2.10's BaseSensorOperator runs them:
 * poke mode pokes inside one try; reschedule mode ends each false poke's try up_for_reschedule (a task_reschedule
 * row; the try number unchanged) and the scheduler starts it again when the date passes; a timeout fails without
 * retries, or skips with soft_fail; a PokeReturnValue's xcom_value is the sensor's XCom.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freshDatabase } from './support/db.ts';
import { startInstance, type TestInstance } from './support/instance.ts';

const FOLDER = resolve(import.meta.dirname, 'fixtures/sensors');

describe('sensors on postgres', () => {
  let inst: TestInstance;
  let cleanup: () => Promise<void>;
  let dir: string;
  /** Every try end the worker reported: [task_id, try_number, state]. */
  const ends: Array<[string, number, string | null]> = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'windsock-sensors-'));
    const tdb = await freshDatabase();
    const store = await tdb.open();
    cleanup = async () => { await store.close(); await tdb.drop(); await rm(dir, { recursive: true, force: true }); };
    inst = await startInstance({ store, dagsFolder: FOLDER });
    inst.events.on('ti:finished', (e) => { ends.push([e.taskId, e.tryNumber, e.state]); });
  }, 120_000);
  afterAll(async () => {
    await inst?.stop();
    await cleanup?.();
  });

  async function states(dagRunId: number): Promise<Record<string, string | null>> {
    const s = await inst.tiStates(dagRunId);
    return Object.fromEntries(Object.entries(s).map(([k, v]) => [k, v.state]));
  }
  async function logOf(dagRunId: number, taskId: string): Promise<string> {
    const rows = await inst.store.db.selectFrom('task_log').innerJoin('task_instance as ti', 'ti.id', 'task_log.task_instance_id')
      .select('chunk').where('ti.dag_run_id', '=', dagRunId).where('ti.task_id', '=', taskId).orderBy('task_log.id').execute();
    return rows.map((r) => r.chunk).join('');
  }
  async function reschedules(dagRunId: number, taskId: string): Promise<Array<{ try_number: number; reschedule_date: Date; end_date: Date }>> {
    return inst.store.db.selectFrom('task_reschedule').innerJoin('task_instance as ti', 'ti.id', 'task_reschedule.task_instance_id')
      .select(['task_reschedule.try_number', 'task_reschedule.reschedule_date', 'task_reschedule.end_date'])
      .where('ti.dag_run_id', '=', dagRunId).where('ti.task_id', '=', taskId).orderBy('task_reschedule.id').execute();
  }

  it('parses every sensor DAG without import errors', async () => {
    expect(await inst.store.db.selectFrom('import_error').select(['filename', 'stacktrace']).execute()).toEqual([]);
  });

  it('reschedule mode: each false poke ends up_for_reschedule with the same try number, then success', async () => {
    const r = await inst.runDag('sensor_reschedule', { conf: { dir }, timeoutMs: 60_000 });
    expect(await states(r.dagRunId)).toEqual({ wait: 'success', after: 'success' });
    expect(r.state).toBe('success');
    const s = await inst.tiStates(r.dagRunId);
    expect(s.wait!.try_number).toBe(1);
    // Three pokes, each in its own try process: two reschedules, then success, all as try 1.
    expect((await readFile(join(dir, 'reschedule'), 'utf8')).split('\n').filter(Boolean)).toHaveLength(3);
    expect(ends.filter(([t]) => t === 'wait')).toEqual([['wait', 1, 'up_for_reschedule'], ['wait', 1, 'up_for_reschedule'], ['wait', 1, 'success']]);
    const rows = await reschedules(r.dagRunId, 'wait');
    expect(rows.map((x) => x.try_number)).toEqual([1, 1]);
    // poke_interval=1: the next poke is a second after the false one.
    for (const x of rows) expect(x.reschedule_date.getTime() - x.end_date.getTime()).toBeGreaterThan(500);
    const log = await logOf(r.dagRunId, 'wait');
    expect(log).toContain('marking task as UP_FOR_RESCHEDULE');
    expect(log).not.toContain('::windsock-reschedule::');
  }, 90_000);

  it('poke mode (@task.sensor): pokes inside one try; PokeReturnValue.xcom_value is its XCom', async () => {
    const r = await inst.runDag('sensor_poke', { conf: { dir } });
    expect(await states(r.dagRunId)).toEqual({ wait_for_value: 'success', use: 'success' });
    expect(ends.filter(([t]) => t === 'wait_for_value')).toEqual([['wait_for_value', 1, 'success']]);
    const xcom = await inst.store.db.selectFrom('xcom').select(['task_id', 'value']).where('dag_run_id', '=', r.dagRunId).where('key', '=', 'return_value').orderBy('task_id').execute();
    expect(xcom.map((x) => [x.task_id, x.value])).toEqual([['use', 30], ['wait_for_value', { pokes: 3 }]]);
    expect(await logOf(r.dagRunId, 'wait_for_value')).toContain('Poke returned False; poking again in 0.2 seconds');
    expect(await reschedules(r.dagRunId, 'wait_for_value')).toEqual([]);
  });

  it('a timeout fails the sensor without retries; soft_fail skips it, in poke and reschedule mode', async () => {
    const r = await inst.runDag('sensor_timeouts', { timeoutMs: 60_000 });
    expect(await states(r.dagRunId)).toEqual({
      times_out: 'failed', soft: 'skipped', after_soft: 'skipped', resched_times_out: 'failed', resched_soft: 'skipped',
    });
    expect(r.state).toBe('failed');
    const s = await inst.tiStates(r.dagRunId);
    // retries=2, yet one try: AirflowSensorTimeout is not retried.
    expect(s.times_out!.try_number).toBe(1);
    expect(s.resched_times_out!.try_number).toBe(1);
    expect(await logOf(r.dagRunId, 'times_out')).toContain('AirflowSensorTimeout: Sensor has timed out');
    expect(await logOf(r.dagRunId, 'soft')).toContain('Skipping due to soft_fail');
    // The reschedule-mode timeout counts from the first poke, across its reschedules (timeout=2, poke_interval=1):
    // counted from each try's own start, no poke would ever pass it and the run would not end.
    const rows = await reschedules(r.dagRunId, 'resched_times_out');
    expect(rows.length).toBeGreaterThanOrEqual(1);
    expect(rows.every((x) => x.try_number === 1)).toBe(true);
    expect(ends.filter(([t]) => t === 'resched_times_out').at(-1)).toEqual(['resched_times_out', 1, 'failed']);
    expect((await reschedules(r.dagRunId, 'resched_soft')).length).toBeGreaterThanOrEqual(1);
  }, 90_000);

  it('TimeDeltaSensor(Async), DateTimeSensor, TimeSensor: the async one reschedules to its target exactly', async () => {
    const logicalDate = new Date(Date.now() - 100);
    const at = new Date(Date.now() + 5000).toISOString();
    const r = await inst.runDag('time_sensors', { logicalDate, conf: { at }, timeoutMs: 60_000 });
    expect(await states(r.dagRunId)).toEqual({
      delta_passed: 'success', delta_async: 'success', after_async: 'success', date_time: 'success', after_midnight: 'success',
    });
    // No triggerer: TimeDeltaSensorAsync waits in reschedule mode, its next try due at logical date + delta.
    const rows = await reschedules(r.dagRunId, 'delta_async');
    expect(rows).toHaveLength(1);
    expect(rows[0]!.reschedule_date.getTime()).toBe(logicalDate.getTime() + 8000);
    expect((await inst.tiStates(r.dagRunId)).delta_async!.try_number).toBe(1);
    // DateTimeSensor (poke mode) pokes in its one try until the templated time passed.
    const log = await logOf(r.dagRunId, 'date_time');
    expect(log).toContain(`greater than target time ${at.replace(/\.(\d{3})Z$/, '.$1000+00:00')}`);
    expect(log).toContain('Poke returned False; poking again in 0.5 seconds');
    expect(await reschedules(r.dagRunId, 'date_time')).toEqual([]);
  }, 90_000);

  it('FileSensor: glob, recursive, the connection base path; a missing connection fails; soft_fail skips', async () => {
    const files = join(dir, 'files');
    await mkdir(join(files, 'incoming'), { recursive: true });
    const later = setTimeout(() => {
      void writeFile(join(files, 'incoming', 'a.csv'), 'x');
      void mkdir(join(files, 'deep', 'er'), { recursive: true }).then(() => writeFile(join(files, 'deep', 'er', 'ready.flag'), ''));
    }, 1500);
    try {
      const r = await inst.runDag('file_sensors', { conf: { dir: files }, timeoutMs: 60_000 });
      expect(await states(r.dagRunId)).toEqual({ csv: 'success', deep: 'success', no_conn: 'failed', never: 'skipped' });
      expect(await logOf(r.dagRunId, 'csv')).toContain(`Found File ${join(files, 'incoming', 'a.csv')}`);
      expect(await logOf(r.dagRunId, 'no_conn')).toContain("The conn_id `no_such_fs` isn't defined");
    } finally {
      clearTimeout(later);
    }
  }, 90_000);

  it('the connection\'s extra path is the base of a relative filepath', async () => {
    const base = join(dir, 'base');
    await mkdir(base, { recursive: true });
    await writeFile(join(base, 'x'), 'here');
    await inst.store.db.insertInto('connection').values({ conn_id: 'no_such_fs', conn_type: 'fs', extra: JSON.stringify({ path: base }),
      description: null, host: null, schema: null, login: null, password: null, port: null }).execute();
    // The files the previous test made are there still: csv and deep find them at once.
    const r = await inst.runDag('file_sensors', { conf: { dir: join(dir, 'files') }, timeoutMs: 60_000 });
    expect(await states(r.dagRunId)).toEqual({ csv: 'success', deep: 'success', no_conn: 'success', never: 'skipped' });
    expect(await logOf(r.dagRunId, 'no_conn')).toContain(`Poking for file ${join(base, 'x')}`);
  }, 90_000);

  it('BashSensor and DayOfWeekSensor: exit codes, retry_exit_code, the logical date\'s weekday', async () => {
    const r = await inst.runDag('bash_weekday_sensors', { logicalDate: new Date('2024-06-03T10:00:00Z') });
    expect(await states(r.dagRunId)).toEqual({ bash_ok: 'success', bash_fails: 'failed', on_monday: 'success', not_saturday: 'skipped' });
    expect((await inst.tiStates(r.dagRunId)).bash_fails!.try_number).toBe(1);
    expect(await logOf(r.dagRunId, 'bash_ok')).toContain('poked');
    expect(await logOf(r.dagRunId, 'bash_fails')).toContain('AirflowFailException: Command exited with return code 2');
  });

  it('ExternalTaskSensor: waits in reschedule mode for the external task; execution_delta; failed_states fail it', async () => {
    const at = new Date('2024-06-03T00:00:00Z');
    // The child's run is an hour later: its reschedule-mode sensor waits for a parent run that does not exist yet.
    const child = inst.runDag('ext_child', { logicalDate: new Date(at.getTime() + 3_600_000), timeoutMs: 90_000 });
    const sameHour = inst.runDag('ext_child', { logicalDate: at, timeoutMs: 90_000 });
    await vi.waitFor(() => { if (!ends.some(([t, , st]) => t === 'wait' && st === 'up_for_reschedule')) throw new Error('not yet'); }, { timeout: 30_000, interval: 100 });
    const parent = await inst.runDag('ext_parent', { logicalDate: at });
    expect(await states(parent.dagRunId)).toEqual({ done: 'success', marker: 'success', broken: 'failed' });
    const same = await sameHour;
    // Same logical date: `wait` saw done succeed after rescheduling; parent_fails saw broken fail.
    // hour_before finds no parent run an hour earlier: it times out (15 s), failed without its retries.
    expect(await states(same.dagRunId)).toEqual({ wait: 'success', after: 'success', parent_fails: 'failed', hour_before: 'failed' });
    expect((await inst.tiStates(same.dagRunId)).wait!.try_number).toBe(1);
    expect(await logOf(same.dagRunId, 'parent_fails')).toContain('Some of the external tasks ["broken"] in DAG ext_parent failed.');
    const later = await child;
    // An hour later: hour_before finds the parent's run through execution_delta; the others find no run there.
    expect(await states(later.dagRunId)).toEqual({ hour_before: 'success', wait: 'failed', after: 'upstream_failed', parent_fails: 'failed' });
    expect(await logOf(later.dagRunId, 'wait')).toContain('AirflowSensorTimeout: Sensor has timed out');
  }, 120_000);
});
