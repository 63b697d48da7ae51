/**
 * Fault: `kill -9` of one of two schedulers in the middle of runs. Every step a scheduler takes is its own guarded
 * commit, and a try it committed as queued but never enqueued is put on the queue by the survivor's
 * reconciliation: every run still finishes and every task instance runs exactly once.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Metastore } from '@windsock/metastore';
import { freshDatabase, REDIS_URL, type TestDatabase } from './support/db.ts';
import { countingDag, startCluster, verifyExactlyOnce, waitForExecutions, type Cluster } from './distributed-cluster.ts';

let tdb: TestDatabase;
let store: Metastore;
let cluster: Cluster;

beforeAll(async () => {
  tdb = await freshDatabase();
  store = await tdb.open(4);
  cluster = await startCluster({ store, databaseUrl: tdb.url, redisUrl: REDIS_URL, dags: (out) => ({ 'layers.yaml': countingDag('layers', out, { width: 5, depth: 4 }) }) });
});
afterAll(async () => { await cluster?.stopAll(); await store?.close(); await tdb?.drop(); });

it('keeps running when a scheduler is killed: every task instance exactly once', async () => {
  const victim = cluster.spawn('scheduler', 's1');
  cluster.spawn('scheduler', 's2');
  cluster.spawn('worker', 'w1');
  cluster.spawn('worker', 'w2');
  await Promise.all(cluster.procs.map((p) => p.healthPort));
  const ids = await cluster.trigger('layers', 10);
  await waitForExecutions(cluster, 40);
  await cluster.killHard(victim);
  const runs = await cluster.waitForRuns(ids, 90_000);
  expect(runs.every((r) => r.state === 'success')).toBe(true);
  const v = await verifyExactlyOnce(store, cluster, ids, 200);
  expect(v.retried).toBe(0);
  expect(await cluster.executions()).toHaveLength(200);
}, 120_000);
