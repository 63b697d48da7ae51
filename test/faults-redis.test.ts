/**
 * Faults of Redis, on a private redis-server (the shared one serves other tests): FLUSHALL in the middle of runs,
 * and Redis stopped for 10 s and started again (empty: no persistence, as a restarted pod without a volume).
 * Redis only carries jobs and events: the scheduler re-enqueues every try the metastore says is queued, workers
 * and the event bus reconnect, and every task instance runs exactly once.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Metastore } from '@windsock/metastore';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { privateRedis, type PrivateRedis } from './distributed-redis.ts';
import { countingDag, health, startCluster, verifyExactlyOnce, waitForExecutions, type Cluster } from './distributed-cluster.ts';

let tdb: TestDatabase;
let store: Metastore;
let redis: PrivateRedis;
let cluster: Cluster;

beforeAll(async () => {
  tdb = await freshDatabase();
  store = await tdb.open(4);
  redis = await privateRedis();
  cluster = await startCluster({ store, databaseUrl: tdb.url, redisUrl: redis.url,
    dags: (out) => ({ 'r.yaml': countingDag('r', out, { width: 6, depth: 3, sleepS: 0.2 }) }) });
  cluster.spawn('scheduler', 's1');
  cluster.spawn('worker', 'w1');
  cluster.spawn('worker', 'w2');
  await Promise.all(cluster.procs.map((p) => p.healthPort));
});
afterAll(async () => { await cluster?.stopAll(); await redis?.stop(); await store?.close(); await tdb?.drop(); });

it('survives FLUSHALL during a run: lost jobs are re-enqueued from Postgres', async () => {
  const before = (await cluster.executions()).length;
  const ids = await cluster.trigger('r', 5);
  await waitForExecutions(cluster, before + 20);
  await redis.flushAll();
  await cluster.waitForRuns(ids, 60_000);
  const v = await verifyExactlyOnce(store, cluster, ids, 90);
  expect(v.retried).toBe(0);
}, 90_000);

it('survives Redis stopped for 10 s and started again empty', async () => {
  const before = (await cluster.executions()).length;
  const runIds = await cluster.trigger('r', 5, 100);
  await waitForExecutions(cluster, before + 20);
  await redis.stop();
  const down = Date.now();
  // While Redis is away the processes report it on /health but keep running.
  const s = await health(cluster.procs[0]!);
  expect(s.status).toBe(503);
  expect(s.body).toMatchObject({ queue: { status: 'unhealthy' }, metadatabase: { status: 'healthy' } });
  await new Promise((r) => setTimeout(r, Math.max(0, 10_000 - (Date.now() - down)))); // the outage itself lasts 10 s
  await redis.start();
  await cluster.waitForRuns(runIds, 60_000);
  const v = await verifyExactlyOnce(store, cluster, runIds, 90);
  expect(v.retried).toBe(0);
  expect((await health(cluster.procs[1]!)).status).toBe(200);
}, 120_000);
