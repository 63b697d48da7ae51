/**
 * Fault: `kill -9` of a worker in the middle of tasks. Its local task processes die with it (their watchdogs stop
 * them; killHard checks that their process groups are gone). Its tries are zombies: once their heartbeat is older than
 * task_instance_heartbeat_timeout the scheduler marks them up for retry with a log line saying so, and the other
 * worker runs the retry. Nothing is left running or stuck; no try runs twice.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Metastore } from '@windsock/metastore';
import { freshDatabase, REDIS_URL, type TestDatabase } from './support/db.ts';
import { countingDag, startCluster, verifyExactlyOnce, type Cluster } from './distributed-cluster.ts';

let tdb: TestDatabase;
let store: Metastore;
let cluster: Cluster;

beforeAll(async () => {
  tdb = await freshDatabase();
  store = await tdb.open(4);
  cluster = await startCluster({ store, databaseUrl: tdb.url, redisUrl: REDIS_URL, env: { WINDSOCK__WORKER__CONCURRENCY: '4' },
    dags: (out) => ({ 'slow.yaml': countingDag('slow', out, { width: 8, depth: 2, sleepS: 1, retries: 1 }) }) });
});
afterAll(async () => { await cluster?.stopAll(); await store?.close(); await tdb?.drop(); });

it('fails over the tries of a killed worker: retried elsewhere with a clear log line, each try run at most once', async () => {
  cluster.spawn('scheduler', 's1');
  const victim = cluster.spawn('worker', 'w1');
  cluster.spawn('worker', 'w2');
  await Promise.all(cluster.procs.map((p) => p.healthPort));
  const ids = await cluster.trigger('slow', 3);
  const victimId = `%-${victim.child.pid}`;
  // Wait until the victim holds running tries (the condition, polled), then kill it mid-task.
  for (;;) {
    const held = await store.db.selectFrom('task_instance').select('id').where('state', '=', 'running').where('worker_id', 'like', victimId).execute();
    if (held.length >= 2) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  await cluster.killHard(victim);
  await cluster.waitForRuns(ids, 90_000);
  const v = await verifyExactlyOnce(store, cluster, ids, 48);
  expect(v.retried).toBeGreaterThanOrEqual(2);
  expect(v.explained.every((l) => l.includes('stopped heart-beating'))).toBe(true);
  expect(v.explained.some((l) => l.includes('Marking task as UP_FOR_RETRY'))).toBe(true);
  // The dead worker holds nothing any more.
  const stillHeld = await store.db.selectFrom('task_instance').select('id').where('worker_id', 'like', victimId).where('state', 'in', ['running', 'queued']).execute();
  expect(stillHeld).toEqual([]);
}, 120_000);

it('drains on SIGTERM: takes no new work, finishes the tries it holds, exits 0', async () => {
  const leaving = cluster.spawn('worker', 'w3');
  await leaving.healthPort;
  const ids = await cluster.trigger('slow', 2, 10);
  const leavingId = `%-${leaving.child.pid}`;
  let held: string[] = [];
  while (held.length < 2) {
    held = (await store.db.selectFrom('task_instance').select('id').where('state', '=', 'running').where('worker_id', 'like', leavingId).execute()).map((r) => r.id);
    await new Promise((r) => setTimeout(r, 50));
  }
  const told = Date.now();
  leaving.child.kill('SIGTERM');
  expect(await leaving.exited).toBe(0);
  // What it held when told to stop, it finished itself (tasks take 1 s, after the worker's first templated try
  // boots the template interpreter, seconds on a loaded machine; the grace period is 60 s).
  const mine = await store.db.selectFrom('task_instance').select(['id', 'state', 'try_number', 'start_date']).where('worker_id', 'like', leavingId).execute();
  expect(mine.length).toBeGreaterThanOrEqual(held.length);
  expect(mine.every((t) => t.state === 'success' && t.try_number === 1)).toBe(true);
  // Nothing claimed after SIGTERM (500 ms for a job fetched just before it; a freed slot would take a new task
  // only after a running one ends, 1 s in).
  expect(mine.every((t) => t.start_date!.getTime() <= told + 500)).toBe(true);
  await cluster.waitForRuns(ids, 60_000);
  await verifyExactlyOnce(store, cluster, ids, 32);
}, 90_000);
