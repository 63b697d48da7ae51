/**
 * Reconciliation and adoption, in one process with an executor double that plays pods which outlive their
 * worker: a zombie whose pod runs on is handed over and adopted (not started again); a pod that is gone, or a
 * local process, ends as a zombie with a log line; a worker shutting down hands its pods over and stops its local
 * processes; a try stuck in queued past task_queued_timeout is failed or retried.
 */
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { Metastore } from '@windsock/metastore';
import { createManualRun } from '@windsock/scheduler';
import { Worker } from '@windsock/worker';
import { LocalExecutor, type ExecutionHandle, type ExecutionResult, type Executor, type LogSink, type TaskLaunch } from '@windsock/executors';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { dagFolder, startInstance, type TestInstance } from './support/instance.ts';

/** Pods that outlive the worker that launched them: start() launches one, adopt() reattaches to a live one. */
class FakePods implements Executor {
  readonly name = 'fakepod';
  readonly started: string[] = [];
  readonly adopted: string[] = [];
  /** The stored log each adopt() was given, to skip when re-reading the pod's log. */
  readonly storedLogs: string[][] = [];
  private readonly pods = new Map<string, { result: Promise<ExecutionResult>; finish: (r: ExecutionResult) => void }>();
  run(id: string): void {
    let finish!: (r: ExecutionResult) => void;
    const result = new Promise<ExecutionResult>((r) => { finish = r; });
    this.pods.set(id, { result, finish });
  }
  finish(id: string): void { this.pods.get(id)?.finish({ outcome: 'success', exitCode: 0, reason: null }); this.pods.delete(id); }
  has(id: string): boolean { return this.pods.has(id); }
  async start(launch: TaskLaunch, log: LogSink): Promise<ExecutionHandle> {
    const id = `pod-${launch.key.taskId}-${launch.key.tryNumber}`;
    this.started.push(id);
    this.run(id);
    log.write(`pod ${id} started`);
    return this.handle(id);
  }
  async adopt(launch: TaskLaunch, externalId: string, log: LogSink): Promise<ExecutionHandle | null> {
    this.adopted.push(externalId);
    this.storedLogs.push(launch.storedLog ?? []);
    if (!this.pods.has(externalId)) return null;
    log.write(`pod ${externalId} adopted`);
    return this.handle(externalId);
  }
  private handle(id: string): ExecutionHandle {
    return { result: this.pods.get(id)!.result, externalId: id, cancel: async () => this.finish(id) };
  }
  async close(): Promise<void> {}
}

let tdb: TestDatabase;
let store: Metastore;
let inst: TestInstance;
const workers: Worker[] = [];

beforeAll(async () => {
  tdb = await freshDatabase();
  store = await tdb.open();
  const one = (id: string, extra = '') => `${id}:\n  schedule: null\n  default_args: {start_date: 2024-01-01${extra}}\n  tasks:\n    - task_id: work\n      operator: airflow.operators.bash.BashOperator\n      bash_command: 'sleep 30'\n`;
  const folder = await dagFolder({ 'a.yaml': one('adopt_me'), 'b.yaml': one('retry_me', ', retries: 1, retry_delay_sec: 0'), 'c.yaml': one('plain') });
  // No worker of its own: each test brings the workers it needs. Maintenance runs every 100 ms; a try without a
  // heartbeat for 400 ms is a zombie; a try queued for 1.5 s is stuck.
  inst = await startInstance({ store, dagsFolder: folder, workers: 0, schedulerOptions: {
    tickMs: 50, maintenanceMs: 100, heartbeatTimeoutMs: 400, queuedTimeoutMs: 1500, adoptableExecutors: ['fakepod'],
  } });
});
// Each test brings its own workers; none outlives its test, so a queued try waits until the test starts one.
afterEach(async () => { for (const w of workers.splice(0)) await w.stop({ drain: false }); });
afterAll(async () => { await inst?.stop(); await store?.close(); await tdb?.drop(); });

function worker(executor: Executor, id: string, o: { heartbeatMs?: number; queues?: string[] } = {}): Worker {
  const w = new Worker({ db: store.db, queue: inst.queue, events: inst.events, executor, options: { workerId: id, heartbeatMs: o.heartbeatMs ?? 100, concurrency: 2, queues: o.queues ?? ['default'] } });
  workers.push(w);
  w.start();
  return w;
}
async function trigger(dagId: string, day: number): Promise<string> {
  const run = await createManualRun(store.db, { dagId, logicalDate: new Date(Date.UTC(2024, 0, day)) });
  inst.events.emit('dagrun:created', { dagId, runId: run.run_id, dagRunId: run.id });
  return run.run_id;
}
type Ti = { id: string; state: string | null; try_number: number; external_executor_id: string | null; worker_id: string | null };
async function ti(dagId: string, runId: string): Promise<Ti | undefined> {
  return store.db.selectFrom('task_instance').select(['id', 'state', 'try_number', 'external_executor_id', 'worker_id'])
    .where('dag_id', '=', dagId).where('run_id', '=', runId).executeTakeFirst() as Promise<Ti | undefined>;
}
/** Polls the metastore until `cond` holds for the task instance (the state change is what is waited on). */
async function until(dagId: string, runId: string, cond: (t: Ti) => boolean, timeoutMs = 20_000): Promise<Ti> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const t = await ti(dagId, runId); // the run's task instances appear when the scheduler starts it
    if (t && cond(t)) return t;
    if (Date.now() > deadline) throw new Error(`timed out; task instance is ${JSON.stringify(t)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
/** Polls until `cond` holds (for what the executor double records: adopt() runs a moment after the claim). */
async function eventually(cond: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}
async function log(tiId: string, tryNumber: number): Promise<string> {
  return (await store.db.selectFrom('task_log').select('chunk').where('task_instance_id', '=', tiId).where('try_number', '=', tryNumber).orderBy('id').execute()).map((r) => r.chunk).join('');
}
/** Makes a queued try look as if a worker that has since died had launched `externalId` for it. */
async function runningOnDeadWorker(t: Ti, executor: string, externalId: string): Promise<void> {
  await store.db.updateTable('task_instance').set({ state: 'running', worker_id: 'dead-worker', executor, external_executor_id: externalId, start_date: new Date(), last_heartbeat_at: new Date(Date.now() - 60_000) })
    .where('id', '=', t.id).where('state', '=', 'queued').execute();
}

it('hands a zombie whose pod runs on to another worker, which adopts the pod instead of starting one', async () => {
  const pods = new FakePods();
  const runId = await trigger('adopt_me', 1);
  const queued = await until('adopt_me', runId, (t) => t.state === 'queued');
  pods.run('pod-live');
  await runningOnDeadWorker(queued, 'fakepod', 'pod-live');
  worker(pods, 'adopter');
  const adopted = await until('adopt_me', runId, (t) => t.state === 'running' && t.worker_id === 'adopter');
  expect(adopted).toMatchObject({ try_number: 1, external_executor_id: 'pod-live' });
  await eventually(() => pods.adopted.length > 0);
  expect(pods.adopted).toEqual(['pod-live']);
  expect(pods.storedLogs[0]!.some((l) => l.startsWith('Worker dead-worker stopped heart-beating'))).toBe(true);
  pods.finish('pod-live');
  const done = await until('adopt_me', runId, (t) => t.state === 'success');
  expect(done.try_number).toBe(1);
  expect(pods.started).toEqual([]); // never a second pod
  const text = await log(done.id, 1);
  expect(text).toContain('Worker dead-worker stopped heart-beating');
  expect(text).toContain('runs on as pod-live (executor fakepod); handing it to another worker to adopt');
  expect(text).toContain('Adopting attempt 1, still running as pod-live (worker adopter)');
  expect(text).toContain('pod pod-live adopted');
  expect(text).toContain('Marking task as SUCCESS.');
});

it('ends a handed-over try as a zombie when its pod is gone: retried with a log line', async () => {
  const pods = new FakePods();
  const runId = await trigger('retry_me', 2);
  const queued = await until('retry_me', runId, (t) => t.state === 'queued');
  await runningOnDeadWorker(queued, 'fakepod', 'pod-gone');
  worker(pods, 'adopter-2');
  const retried = await until('retry_me', runId, (t) => t.try_number === 2 && t.state === 'running');
  expect(pods.adopted).toContain('pod-gone');
  expect(await log(retried.id, 1)).toContain('Task failed: could not adopt pod-gone: it is gone; handling the try as a zombie');
  expect(await log(retried.id, 1)).toContain('Marking task as UP_FOR_RETRY');
  await eventually(() => pods.started.length > 0);
  expect(pods.started).toEqual(['pod-work-2']); // try 2 is a fresh pod
  pods.finish('pod-work-2');
  await until('retry_me', runId, (t) => t.state === 'success');
});

it('fails the zombie of an executor that cannot adopt (a local process dies with its worker), saying so', async () => {
  const runId = await trigger('plain', 3);
  const queued = await until('plain', runId, (t) => t.state === 'queued');
  await runningOnDeadWorker(queued, 'local', 'pid:999999');
  const failed = await until('plain', runId, (t) => t.state === 'failed');
  expect(failed.try_number).toBe(1);
  expect(await log(failed.id, 1)).toMatch(/Worker dead-worker stopped heart-beating .*zombie \(executor local cannot hand a running try to another worker\)\. Marking task as FAILED\./);
});

it('hands its pods over when it shuts down past its grace period; another worker adopts them', async () => {
  const pods = new FakePods();
  const leaving = worker(pods, 'leaving');
  const runId = await trigger('adopt_me', 4);
  await until('adopt_me', runId, (t) => t.state === 'running' && t.worker_id === 'leaving' && t.external_executor_id !== null);
  await leaving.stop({ drain: true, graceMs: 200 });
  const handed = await until('adopt_me', runId, (t) => t.state === 'queued');
  expect(handed).toMatchObject({ try_number: 1, external_executor_id: 'pod-work-1' });
  expect(pods.has('pod-work-1')).toBe(true); // it runs on
  worker(pods, 'successor');
  await until('adopt_me', runId, (t) => t.state === 'running' && t.worker_id === 'successor');
  await eventually(() => pods.adopted.length > 0);
  pods.finish('pod-work-1');
  const done = await until('adopt_me', runId, (t) => t.state === 'success');
  expect(pods.started).toEqual(['pod-work-1']); // started once: never a second pod
  // Adopted by the successor; on a loaded machine a late heartbeat can hand it over once more and it is adopted
  // again (adoption is idempotent), so count the pods adopted, not the adoptions.
  expect([...new Set(pods.adopted)]).toEqual(['pod-work-1']);
  expect(await log(done.id, 1)).toContain('Worker leaving is shutting down; the try runs on as pod-work-1 (executor fakepod) and is handed to another worker to adopt.');
});

it('stops its local processes when it shuts down past its grace period: retried with a log line', async () => {
  const leaving = worker(new LocalExecutor({ killGraceMs: 200 }), 'leaving-local');
  const runId = await trigger('retry_me', 5);
  await until('retry_me', runId, (t) => t.state === 'running' && t.worker_id === 'leaving-local' && t.external_executor_id !== null);
  await leaving.stop({ drain: true, graceMs: 200 });
  const t = await until('retry_me', runId, (x) => x.try_number === 2 || x.state === 'up_for_retry');
  expect(await log(t.id, 1)).toContain('shutting down: its grace period ended before the task did');
  expect(await log(t.id, 1)).toContain('Marking task as UP_FOR_RETRY');
});

it('fails or retries a try stuck in queued past task_queued_timeout', async () => {
  // No worker runs in this test.
  const runId = await trigger('plain', 6);
  const failed = await until('plain', runId, (t) => t.state === 'failed');
  expect(failed.try_number).toBe(1);
  expect(await log(failed.id, 1)).toContain('Task was in queued state for longer than 1.5 s ([scheduler] task_queued_timeout): no worker on queue "default" started it. Marking task as FAILED.');
  const runId2 = await trigger('retry_me', 7);
  const retried = await until('retry_me', runId2, (t) => t.try_number === 2);
  expect(await log(retried.id, 1)).toContain('task_queued_timeout');
  expect(await log(retried.id, 1)).toContain('Marking task as UP_FOR_RETRY.');
});
