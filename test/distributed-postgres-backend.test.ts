/**
 * Distributed mode on Postgres alone: `[queue] backend = postgres` carries the jobs in BullMQ's PostgreSQL backend
 * (schema bullmq_<prefix> of the metastore database) and Redis is not used at all (its URL points at a closed
 * port). Events stay inside each process, so the scheduler reacts on its tick; every task still runs exactly once.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { Metastore } from '@windsock/metastore';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { freePort } from './distributed-redis.ts';
import { countingDag, health, startCluster, verifyExactlyOnce, type Cluster } from './distributed-cluster.ts';

let tdb: TestDatabase;
let store: Metastore;
let cluster: Cluster;

beforeAll(async () => {
  tdb = await freshDatabase();
  store = await tdb.open(4);
  cluster = await startCluster({ store, databaseUrl: tdb.url, redisUrl: `redis://127.0.0.1:${await freePort()}`, env: { WINDSOCK__QUEUE__BACKEND: 'postgres' },
    dags: (out) => ({ 'pg.yaml': countingDag('pg_only', out, { width: 3, depth: 2 }) }) });
  cluster.spawn('scheduler', 's1');
  cluster.spawn('worker', 'w1');
  await Promise.all(cluster.procs.map((p) => p.healthPort));
});
afterAll(async () => { await cluster?.stopAll(); await store?.close(); await tdb?.drop(); });

it('runs on Postgres alone with the BullMQ PostgreSQL backend', async () => {
  const ids = await cluster.trigger('pg_only', 3);
  await cluster.waitForRuns(ids, 60_000);
  await verifyExactlyOnce(store, cluster, ids, 18);
  const w = await health(cluster.procs[1]!);
  expect(w.status).toBe(200);
  expect(w.body).toMatchObject({ queue: { status: 'healthy' } });
  const schemas = await sql`select schema_name from information_schema.schemata where schema_name = ${`bullmq_${cluster.prefix}`}`.execute(store.db);
  expect(schemas.rows).toHaveLength(1); // the jobs lived in Postgres
}, 90_000);
