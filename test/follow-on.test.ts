/**
 * Follow-on ([scheduler] schedule_after_task_execution), on real Postgres: when a try ends, its worker starts the
 * next task instance that is ready in the slot it frees, at once — and never when that would take
 * a slot from a task the scheduler holds back, start a task of a paused DAG, run a task twice or lose an end.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostname } from 'node:os';
import { waitForEvent, type WindsockEvents } from '@windsock/queue';
import { createManualRun, Scheduler } from '@windsock/scheduler';
import { DagCache, type Metastore } from '@windsock/metastore';
import { LocalEventBus, MemoryTaskQueue } from '@windsock/queue';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { dagFolder, startInstance, type TestInstance } from './support/instance.ts';
import type { WorkerOptions } from '@windsock/worker';
import { FinishBatcher } from '../apps/worker/src/sql/finish-try.ts';
import { claimTries } from '../apps/worker/src/sql/claim-try.ts';

const task = (id: string, cmd: string, extra = '') => `    - task_id: ${id}\n      operator: airflow.operators.bash.BashOperator\n      bash_command: '${cmd}'\n${extra}`;
const dag = (id: string, tasks: string, defaults = '') => `${id}:\n  schedule: null\n  default_args: {start_date: 2024-01-01${defaults}}\n  tasks:\n${tasks}`;

const FILES: Record<string, string> = {
  'chain.yaml': dag('chain', task('a', 'true') + task('b', 'true', '      dependencies: [a]\n') + task('c', 'true', '      dependencies: [b]\n')),
  'fan.yaml': dag('fan', task('a', 'true') + task('b', 'true', '      dependencies: [a]\n') + task('c', 'true', '      dependencies: [a]\n')),
  'join.yaml': dag('join', task('a', 'true') + task('b', 'true') + task('c', 'true', '      dependencies: [a, b]\n')),
  'hold.yaml': dag('hold', task('a', 'sleep 1') + task('b', 'true', '      dependencies: [a]\n'), ', pool: solo'),
  'urgent.yaml': dag('urgent', task('x', 'true', '      priority_weight: 100\n'), ', pool: solo'),
  'pausy.yaml': dag('pausy', task('a', 'sleep 1') + task('b', 'true', '      dependencies: [a]\n')),
};

let tdb: TestDatabase;
let store: Metastore;
let inst: TestInstance;

beforeAll(async () => {
  tdb = await freshDatabase();
  store = await tdb.open();
  await store.db.insertInto('slot_pool').values({ pool: 'solo', slots: 1, description: 'one at a time' }).execute();
  inst = await startInstance({ store, dagsFolder: await dagFolder(FILES), schedulerOptions: { tickMs: 100 }, workerOptions: { heartbeatMs: 200 } });
});
afterAll(async () => { await inst?.stop(); await store?.close(); await tdb?.drop(); });

async function tis(dagRunId: number, s: Metastore = store) {
  const rows = await s.db.selectFrom('task_instance').selectAll().where('dag_run_id', '=', dagRunId).execute();
  return Object.fromEntries(rows.map((r) => [r.task_id, r]));
}

async function logOf(tiId: string, s: Metastore = store): Promise<string> {
  const rows = await s.db.selectFrom('task_log').select('chunk').where('task_instance_id', '=', tiId).orderBy('id').execute();
  return rows.map((r) => r.chunk).join('');
}

async function until(what: string, check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** An instance of its own (a fresh database) with these DAG files and worker options, for one test. */
async function withInstance(files: Record<string, string>, workerOptions: Partial<WorkerOptions>, fn: (inst: TestInstance, store: Metastore) => Promise<void>): Promise<void> {
  const db = await freshDatabase();
  const s = await db.open();
  const one = await startInstance({ store: s, dagsFolder: await dagFolder(files), workerOptions });
  try {
    await fn(one, s);
  } finally {
    await one.stop();
    await s.close();
    await db.drop();
  }
}

function collect(): { finished: WindsockEvents['ti:finished'][]; off: () => void } {
  const finished: WindsockEvents['ti:finished'][] = [];
  const off = inst.events.on('ti:finished', (e) => { finished.push(e); });
  return { finished, off };
}

describe('a chain', () => {
  it('starts each next task as the previous end is recorded, with the same clock reading', async () => {
    const seen = collect();
    const run = await inst.runDag('chain');
    seen.off();
    expect(run.state).toBe('success');
    const t = await tis(run.dagRunId);
    for (const [up, down] of [['a', 'b'], ['b', 'c']] as const) {
      expect(t[down]!.state).toBe('success');
      expect(t[down]!.try_number).toBe(1);
      // One clock reading for both statements: the end of one is the start, queued and scheduled time of the next.
      expect(t[down]!.start_date!.getTime()).toBe(t[up]!.end_date!.getTime());
      expect(t[down]!.queued_dttm!.getTime()).toBe(t[up]!.end_date!.getTime());
      expect(t[down]!.worker_id).toBe('test-worker-0');
      expect(await logOf(t[down]!.id)).toContain(`Starting attempt 1 of 1 (started by its worker as soon as ${up} ended)`);
    }
    expect(await logOf(t.a!.id)).not.toContain('started by its worker');
    // a and b had one downstream task each, started at once: their ends needed no scheduling pass; c's did.
    const byTask = new Map(seen.finished.filter((e) => e.dagRunId === run.dagRunId).map((e) => [e.taskId, e]));
    expect(byTask.get('a')?.settled).toBe(true);
    expect(byTask.get('b')?.settled).toBe(true);
    expect(byTask.get('c')?.settled).toBeUndefined();
    const history = await store.db.selectFrom('task_instance_history').select(['task_id', 'try_number']).where('dag_id', '=', 'chain').where('run_id', '=', run.runId).orderBy('task_id').execute();
    expect(history).toEqual([{ task_id: 'a', try_number: 1 }, { task_id: 'b', try_number: 1 }, { task_id: 'c', try_number: 1 }]);
  });

  it('leaves a second downstream task to the scheduler, whose end is not settled', async () => {
    const seen = collect();
    const run = await inst.runDag('fan');
    seen.off();
    expect(run.state).toBe('success');
    const t = await tis(run.dagRunId);
    expect(t.b!.start_date!.getTime()).toBe(t.a!.end_date!.getTime()); // b comes first in the DAG
    expect(t.c!.state).toBe('success');
    expect(await logOf(t.c!.id)).not.toContain('started by its worker');
    expect(seen.finished.find((e) => e.dagRunId === run.dagRunId && e.taskId === 'a')?.settled).toBeUndefined();
  });

  it('starts a task two ends make ready exactly once', async () => {
    for (let i = 0; i < 5; i++) {
      const run = await inst.runDag('join');
      expect(run.state).toBe('success');
      const history = await store.db.selectFrom('task_instance_history').select(['task_id']).where('dag_id', '=', 'join').where('run_id', '=', run.runId).where('task_id', '=', 'c').execute();
      expect(history).toHaveLength(1);
      expect((await tis(run.dagRunId)).c!.try_number).toBe(1);
    }
  });
});

describe('what it leaves to the scheduler', () => {
  it('gives a freed pool slot to a task the pool held back, by priority, rather than to the chain', async () => {
    const hold = await createManualRun(store.db, { dagId: 'hold' });
    const holdDone = waitForEvent(inst.events, 'dagrun:finished', (e) => e.dagRunId === hold.id, 30_000);
    inst.events.emit('dagrun:created', { dagId: 'hold', runId: hold.run_id, dagRunId: hold.id });
    await until('hold.a running', async () => (await tis(hold.id)).a?.state === 'running');
    const urgent = await createManualRun(store.db, { dagId: 'urgent' });
    const urgentDone = waitForEvent(inst.events, 'dagrun:finished', (e) => e.dagRunId === urgent.id, 30_000);
    inst.events.emit('dagrun:created', { dagId: 'urgent', runId: urgent.run_id, dagRunId: urgent.id });
    await until('urgent.x scheduled, waiting for the pool', async () => (await tis(urgent.id)).x?.state === 'scheduled');
    expect((await holdDone).state).toBe('success');
    expect((await urgentDone).state).toBe('success');
    const b = (await tis(hold.id)).b!;
    const x = (await tis(urgent.id)).x!;
    expect(await logOf(b.id)).not.toContain('started by its worker');
    expect(x.start_date!.getTime()).toBeLessThanOrEqual(b.start_date!.getTime());
  });

  it('starts nothing of a paused DAG', async () => {
    const run = await createManualRun(store.db, { dagId: 'pausy' });
    const aEnded = waitForEvent(inst.events, 'ti:finished', (e) => e.dagRunId === run.id && e.taskId === 'a', 30_000);
    inst.events.emit('dagrun:created', { dagId: 'pausy', runId: run.run_id, dagRunId: run.id });
    await until('pausy.a running', async () => (await tis(run.id)).a?.state === 'running');
    await store.db.updateTable('dag').set({ is_paused: true }).where('dag_id', '=', 'pausy').execute();
    expect((await aEnded).settled).toBeUndefined();
    await new Promise((r) => setTimeout(r, 500));
    expect((await tis(run.id)).b!.state).toBeNull();
    const done = waitForEvent(inst.events, 'dagrun:finished', (e) => e.dagRunId === run.id, 30_000);
    await store.db.updateTable('dag').set({ is_paused: false }).where('dag_id', '=', 'pausy').execute();
    expect((await done).state).toBe('success');
  });
});

describe('a saturated worker', () => {
  it('gives its slot back to the queue when a task has waited there, so a chain cannot starve other DAGs', async () => {
    const files = {
      'long.yaml': dag('long', task('a', 'sleep 1') + task('b', 'true', '      dependencies: [a]\n')),
      'other.yaml': dag('other', task('x', 'true')),
    };
    await withInstance(files, { concurrency: 1, followOnYieldMs: 300 }, async (one, s) => {
      const long = await createManualRun(s.db, { dagId: 'long' });
      const longDone = waitForEvent(one.events, 'dagrun:finished', (e) => e.dagRunId === long.id, 30_000);
      one.events.emit('dagrun:created', { dagId: 'long', runId: long.run_id, dagRunId: long.id });
      const state = async (runId: number, taskId: string) => (await s.db.selectFrom('task_instance').select('state').where('dag_run_id', '=', runId).where('task_id', '=', taskId).executeTakeFirst())?.state;
      await until('long.a running', async () => (await state(long.id, 'a')) === 'running');
      const x = await createManualRun(s.db, { dagId: 'other' });
      const xDone = waitForEvent(one.events, 'dagrun:finished', (e) => e.dagRunId === x.id, 30_000);
      one.events.emit('dagrun:created', { dagId: 'other', runId: x.run_id, dagRunId: x.id });
      await until('other.x queued behind long.a', async () => (await state(x.id, 'x')) === 'queued');
      expect((await longDone).state).toBe('success');
      expect((await xDone).state).toBe('success');
      const starts = await s.db.selectFrom('task_instance').select(['dag_id', 'task_id', 'start_date']).where('dag_run_id', 'in', [long.id, x.id]).execute();
      const at = (dagId: string, taskId: string) => starts.find((r) => r.dag_id === dagId && r.task_id === taskId)!.start_date!.getTime();
      // x waited for the only slot while a ran: when a ended, b went through the scheduler and the queue, behind x.
      expect(at('other', 'x')).toBeLessThan(at('long', 'b'));
    });
  });
});

describe('switched off', () => {
  it('sends every task through the scheduler', async () => {
    await withInstance({ 'chain.yaml': FILES['chain.yaml']! }, { followOn: false }, async (off, s) => {
      const run = await off.runDag('chain');
      expect(run.state).toBe('success');
      const rows = await s.db.selectFrom('task_instance').select(['task_id', 'start_date', 'end_date']).where('dag_run_id', '=', run.dagRunId).orderBy('task_id').execute();
      expect(rows[1]!.start_date!.getTime()).toBeGreaterThan(rows[0]!.end_date!.getTime());
      expect(rows[2]!.start_date!.getTime()).toBeGreaterThan(rows[1]!.end_date!.getTime());
    });
  });
});

describe('a fault in the follow-on step', () => {
  it('still records the end, without a follow-on', async () => {
    // A run whose task instances the scheduler has created and queued, with no worker: this test finishes one itself.
    // On a database of its own, with that instance stopped: the shared instance's worker would race it for the try.
    await withInstance({ 'chain.yaml': FILES['chain.yaml']! }, {}, async (one, own) => {
      await one.stop();
      const store = own;
      const events = new LocalEventBus();
      const dags = new DagCache(store.db);
      const scheduler = new Scheduler({ db: store.db, queue: new MemoryTaskQueue(), events, dags });
      const run = await createManualRun(store.db, { dagId: 'chain' });
      await scheduler.runOnce();
      const a = (await tis(run.id, store)).a!;
      expect(a.state).toBe('queued');
      const who = { workerId: 'fault-worker', hostname: hostname(), executor: 'local' };
      expect(await claimTries(store.db, [{ tiId: a.id, tryNumber: a.try_number }], who, new Date())).toHaveLength(1);
      const errors: unknown[] = [];
      const finishes = new FinishBatcher(store.db, who, { queues: ['default'], yieldAfterMs: 1000, onFollowOnError: (err) => errors.push(err) });
      // A run id that is not an integer makes the end's statement fail when it reads for the follow-on; the end is
      // then recorded again without that read.
      const done = await finishes.finish({
        tiId: a.id, tryNumber: a.try_number, state: 'success', nextRetryAt: null, logChunk: 'the end\n',
        followOn: { dagRunId: Number.NaN, slot: { pool: 'default_pool', poolSlots: 1, queues: ['default'] }, candidates: [(await dags.get('chain'))!.tasks.get('b')!], dagrunTimeoutS: null },
    });
    expect(errors).toHaveLength(1);
    expect(done).toEqual({ state: 'success', next: null });
    const after = await tis(run.id, store);
    expect(after.a!.state).toBe('success');
    expect(after.b!.state).toBeNull();
    expect(await logOf(a.id, store)).toBe('the end\n');
    });
  });
});
