/**
 * Airflow's scheduling rules against real Postgres: timetables and catchup, pools and priority, max_active_runs,
 * execution_timeout, dagrun_timeout, depends_on_past, and a try stopped when its state is changed behind it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForEvent } from '@windsock/queue';
import { createManualRun } from '@windsock/scheduler';
import type { Metastore } from '@windsock/metastore';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { dagFolder, startInstance, type TestInstance } from './support/instance.ts';

const day = 24 * 3600 * 1000;
const iso = (d: Date) => d.toISOString().slice(0, 10);
const threeDaysAgo = new Date(Math.floor(Date.now() / day) * day - 3 * day);

const bash = (id: string, cmd: string, extra = '') => `    - task_id: ${id}\n      operator: airflow.operators.bash.BashOperator\n      bash_command: '${cmd}'\n${extra}`;

const FILES: Record<string, string> = {
  'catchup.yaml': `catchup_on:\n  schedule: "@daily"\n  catchup: true\n  default_args: {start_date: ${iso(threeDaysAgo)}}\n  tasks:\n${bash('t', 'true')}\n` +
    `catchup_off:\n  schedule: "@daily"\n  catchup: false\n  default_args: {start_date: ${iso(threeDaysAgo)}}\n  tasks:\n${bash('t', 'true')}\n`,
  'pools.yaml': `pooled:\n  schedule: null\n  default_args: {start_date: 2024-01-01, pool: tiny}\n  tasks:\n` +
    ['low', 'mid', 'high', 'top'].map((id, i) => bash(id, 'sleep 0.2', `      priority_weight: ${[1, 5, 10, 20][i]}\n`)).join(''),
  'serial.yaml': `serial:\n  schedule: null\n  max_active_runs: 1\n  default_args: {start_date: 2024-01-01}\n  tasks:\n${bash('t', 'sleep 0.3')}`,
  'timeouts.yaml': `exec_timeout:\n  schedule: null\n  default_args: {start_date: 2024-01-01}\n  tasks:\n${bash('slow', 'echo started; sleep 30', '      execution_timeout: 1\n')}` +
    `run_timeout:\n  schedule: null\n  dagrun_timeout: 1\n  default_args: {start_date: 2024-01-01}\n  tasks:\n${bash('slow', 'sleep 30')}${bash('after', 'true', '      dependencies: [slow]\n')}`,
  'past.yaml': `past:\n  schedule: null\n  default_args: {start_date: 2024-01-01}\n  tasks:\n${bash('gate', 'test "{{ ds }}" != 2024-01-01', '      depends_on_past: true\n')}${bash('free', 'true')}`,
  'victim.yaml': `victim:\n  schedule: null\n  default_args: {start_date: 2024-01-01}\n  tasks:\n${bash('long', 'echo running; sleep 60')}`,
};

let tdb: TestDatabase;
let store: Metastore;
let inst: TestInstance;

beforeAll(async () => {
  tdb = await freshDatabase();
  store = await tdb.open();
  await store.db.insertInto('slot_pool').values({ pool: 'tiny', slots: 1, description: 'one at a time' }).execute();
  inst = await startInstance({ store, dagsFolder: await dagFolder(FILES), schedulerOptions: { tickMs: 100 }, workerOptions: { heartbeatMs: 200 } });
});
afterAll(async () => { await inst?.stop(); await store?.close(); await tdb?.drop(); });

async function states(dagRunId: number) {
  return Object.fromEntries(Object.entries(await inst.tiStates(dagRunId)).map(([k, v]) => [k, v.state]));
}

describe('timetables', () => {
  it('catchup creates every missed interval; without catchup only the latest', async () => {
    const until = Date.now() + 20_000;
    let on: { run_id: string }[] = [];
    while (Date.now() < until) {
      on = await store.db.selectFrom('dag_run').select('run_id').where('dag_id', '=', 'catchup_on').orderBy('logical_date').execute();
      if (on.length >= 3) break;
      await waitForEvent(inst.events, 'dagrun:created', (e) => e.dagId === 'catchup_on', 20_000);
    }
    const ids = [3, 2, 1].map((n) => `scheduled__${new Date(Math.floor(Date.now() / day) * day - n * day).toISOString().replace('.000Z', '+00:00')}`);
    expect(on.map((r) => r.run_id)).toEqual(ids);
    const off = await store.db.selectFrom('dag_run').select(['run_id', 'data_interval_end']).where('dag_id', '=', 'catchup_off').execute();
    expect(off.map((r) => r.run_id)).toEqual([ids[2]]);
    const dag = await store.db.selectFrom('dag').select(['next_dagrun', 'next_dagrun_create_after']).where('dag_id', '=', 'catchup_on').executeTakeFirstOrThrow();
    expect(dag.next_dagrun?.getTime()).toBe(Math.floor(Date.now() / day) * day);
    expect(dag.next_dagrun_create_after?.getTime()).toBe(Math.floor(Date.now() / day) * day + day);
  });
});

describe('limits', () => {
  it('a one-slot pool runs one task at a time, highest priority first', async () => {
    const r = await inst.runDag('pooled');
    expect(r.state).toBe('success');
    const tis = await store.db.selectFrom('task_instance').select(['task_id', 'start_date', 'end_date']).where('dag_run_id', '=', r.dagRunId).orderBy('start_date').execute();
    expect(tis.map((t) => t.task_id)).toEqual(['top', 'high', 'mid', 'low']);
    for (let i = 1; i < tis.length; i++) expect(tis[i]!.start_date!.getTime()).toBeGreaterThanOrEqual(tis[i - 1]!.end_date!.getTime());
  });

  it('max_active_runs=1 runs triggered runs one after the other', async () => {
    const runs = await Promise.all([1, 2, 3].map((d) => inst.runDag('serial', { logicalDate: new Date(Date.UTC(2024, 0, d)) })));
    expect(runs.map((r) => r.state)).toEqual(['success', 'success', 'success']);
    const rows = await store.db.selectFrom('dag_run').select(['start_date', 'end_date']).where('dag_id', '=', 'serial').orderBy('start_date').execute();
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.start_date!.getTime()).toBeGreaterThanOrEqual(rows[i - 1]!.end_date!.getTime());
  });
});

describe('timeouts and stops', () => {
  it('execution_timeout stops the task and fails it', async () => {
    const t0 = Date.now();
    const r = await inst.runDag('exec_timeout');
    expect(r.state).toBe('failed');
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(await states(r.dagRunId)).toEqual({ slow: 'failed' });
    const ti = await store.db.selectFrom('task_instance').select('id').where('dag_run_id', '=', r.dagRunId).executeTakeFirstOrThrow();
    const log = (await store.db.selectFrom('task_log').select('chunk').where('task_instance_id', '=', ti.id).execute()).map((c) => c.chunk).join('');
    expect(log).toContain('started');
    expect(log).toContain('execution_timeout of 1 s');
  });

  it('dagrun_timeout fails the run, skips what is unfinished and stops what runs', async () => {
    const t0 = Date.now();
    const r = await inst.runDag('run_timeout');
    expect(r.state).toBe('failed');
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(await states(r.dagRunId)).toEqual({ slow: 'skipped', after: 'skipped' });
  });

  it('a running try whose state is changed behind its worker is stopped at the next heartbeat', async () => {
    const run = await createManualRun(store.db, { dagId: 'victim' });
    inst.events.emit('dagrun:created', { dagId: 'victim', runId: run.run_id, dagRunId: run.id });
    const running = await waitForEvent(inst.events, 'ti:running', (e) => e.dagId === 'victim');
    const t0 = Date.now();
    const finished = waitForEvent(inst.events, 'ti:finished', (e) => e.tiId === running.tiId);
    await store.db.updateTable('task_instance').set({ state: 'failed' }).where('id', '=', running.tiId).execute();
    await finished;
    expect(Date.now() - t0).toBeLessThan(3_000);
    const log = (await store.db.selectFrom('task_log').select('chunk').where('task_instance_id', '=', running.tiId).execute()).map((c) => c.chunk).join('');
    expect(log).toContain('cancelled: its state was changed outside this worker');
  });
});

describe('depends_on_past', () => {
  it('a task waits while its previous run\'s try did not succeed; others go on', async () => {
    const first = await inst.runDag('past', { logicalDate: new Date('2024-01-01T00:00:00Z') });
    expect(await states(first.dagRunId)).toEqual({ gate: 'failed', free: 'success' });
    const second = await createManualRun(store.db, { dagId: 'past', logicalDate: new Date('2024-01-02T00:00:00Z') });
    const freeDone = waitForEvent(inst.events, 'ti:finished', (e) => e.dagRunId === second.id && e.taskId === 'free');
    inst.events.emit('dagrun:created', { dagId: 'past', runId: second.run_id, dagRunId: second.id });
    await freeDone;
    await inst.schedulers[0]!.runOnce();
    expect(await states(second.id)).toEqual({ gate: null, free: 'success' });
    const run = await store.db.selectFrom('dag_run').select('state').where('id', '=', second.id).executeTakeFirstOrThrow();
    expect(run.state).toBe('running');
  });
});

describe('manual runs', () => {
  it('a manual run gets the data interval its timetable infers for its logical date', async () => {
    // In a transaction rolled back at the end: the scheduler never sees these runs.
    const rollback = new Error('rollback');
    await expect(store.db.transaction().execute(async (trx) => {
      const at = new Date('2024-03-05T10:00:00Z');
      const daily = await createManualRun(trx, { dagId: 'catchup_off', logicalDate: at, runId: 'manual_interval_daily' });
      expect([daily.data_interval_start?.toISOString(), daily.data_interval_end?.toISOString()]).toEqual(['2024-03-04T00:00:00.000Z', '2024-03-05T00:00:00.000Z']);
      const none = await createManualRun(trx, { dagId: 'victim', logicalDate: at, runId: 'manual_interval_none' });
      expect([none.data_interval_start?.toISOString(), none.data_interval_end?.toISOString()]).toEqual(['2024-03-05T10:00:00.000Z', '2024-03-05T10:00:00.000Z']);
      throw rollback;
    })).rejects.toBe(rollback);
  });
});
