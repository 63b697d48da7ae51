/**
 * Fault: every Postgres connection of the scheduler and worker processes killed (`pg_terminate_backend`) three
 * times during runs. Pools replace the connections; the scheduler retries its pass; workers retry their writes
 * (claim context, logs, the end of a try). Every task instance runs exactly once, or — if a connection died just
 * as a claim committed, so no worker knows the try — is retried after a zombie line in its log.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import pg from 'pg';
import type { Metastore } from '@windsock/metastore';
import { freshDatabase, REDIS_URL, DATABASE_URL, type TestDatabase } from './support/db.ts';
import { countingDag, startCluster, verifyExactlyOnce, waitForExecutions, type Cluster } from './distributed-cluster.ts';

let tdb: TestDatabase;
let store: Metastore;
let cluster: Cluster;

beforeAll(async () => {
  tdb = await freshDatabase();
  store = await tdb.open(4);
  cluster = await startCluster({ store, databaseUrl: tdb.url, redisUrl: REDIS_URL,
    dags: (out) => ({ 'p.yaml': countingDag('p', out, { width: 6, depth: 3, sleepS: 0.3, retries: 1 }) }) });
  cluster.spawn('scheduler', 's1');
  cluster.spawn('worker', 'w1');
  cluster.spawn('worker', 'w2');
  await Promise.all(cluster.procs.map((p) => p.healthPort));
});
afterAll(async () => { await cluster?.stopAll(); await store?.close(); await tdb?.drop(); });

it('survives its Postgres connections being terminated during runs', async () => {
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  await admin.connect();
  const terminate = async () => (await admin.query(
    `select count(*)::int as n from (select pg_terminate_backend(pid) from pg_stat_activity
      where datname = $1 and application_name like 'windsock-%' and pid <> pg_backend_pid()) t`, [tdb.name])).rows[0].n as number;
  try {
    const ids = await cluster.trigger('p', 6);
    let killed = 0;
    for (const n of [15, 40, 70]) {
      await waitForExecutions(cluster, n);
      killed += await terminate();
    }
    expect(killed).toBeGreaterThanOrEqual(6); // it really cut the processes' connections
    await cluster.waitForRuns(ids, 90_000);
    await verifyExactlyOnce(store, cluster, ids, 108);
  } finally {
    await admin.end();
  }
}, 120_000);
