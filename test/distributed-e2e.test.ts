/**
 * Distributed mode end to end: two `windsock scheduler` and three `windsock worker` processes on the real Postgres
 * and a Redis run 500 task instances across 20 DAG runs; every task instance runs exactly once (each execution
 * appends a line to a file), every run succeeds, every log line is stored. The processes answer /health and stop
 * cleanly on SIGTERM.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Metastore } from '@windsock/metastore';
import { freshDatabase, REDIS_URL, type TestDatabase } from './support/db.ts';
import { countingDag, health, startCluster, storedLogs, type Cluster } from './distributed-cluster.ts';

let tdb: TestDatabase;
let store: Metastore;
let cluster: Cluster;

beforeAll(async () => {
  tdb = await freshDatabase();
  store = await tdb.open(4);
  // 5 layers of 5 tasks: 25 task instances per run, each layer waiting for the whole previous one.
  cluster = await startCluster({ store, databaseUrl: tdb.url, redisUrl: REDIS_URL, dags: (out) => ({ 'fleet.yaml': countingDag('fleet', out, { width: 5, depth: 5 }) }) });
  for (const n of ['s1', 's2']) cluster.spawn('scheduler', n);
  for (const n of ['w1', 'w2', 'w3']) cluster.spawn('worker', n);
});
afterAll(async () => { await cluster?.stopAll(); await store?.close(); await tdb?.drop(); });

it('runs 500 task instances across 20 runs on 2 schedulers and 3 workers, each exactly once', async () => {
  await Promise.all(cluster.procs.map((p) => p.healthPort));
  const ids = await cluster.trigger('fleet', 20);
  const runs = await cluster.waitForRuns(ids, 90_000);
  expect(runs.map((r) => r.state)).toEqual(Array(20).fill('success'));

  const lines = await cluster.executions();
  expect(lines).toHaveLength(500);
  expect(new Set(lines).size).toBe(500);
  for (const l of lines) expect(l.endsWith(' 1')).toBe(true);

  const tis = await store.db.selectFrom('task_instance').select(['state', 'worker_id', 'try_number']).where('dag_run_id', 'in', ids).execute();
  expect(tis).toHaveLength(500);
  expect(tis.every((t) => t.state === 'success' && t.try_number === 1)).toBe(true);
  expect(new Set(tis.map((t) => t.worker_id)).size).toBe(3); // the work was spread over the fleet

  const logs = await storedLogs(store, ids);
  expect(logs.size).toBe(500);
  for (const [key, text] of logs) {
    const task = key.split(' ')[1];
    expect(text).toContain(`line-one ${task}\nline-two ${task}\n`);
    expect(text).toContain('Marking task as SUCCESS.');
  }
}, 120_000);

it('serves /health on every process and stops cleanly on SIGTERM', async () => {
  const s = await health(cluster.procs[0]!);
  expect(s.status).toBe(200);
  expect(s.body).toMatchObject({ healthy: true, metadatabase: { status: 'healthy' }, queue: { status: 'healthy' }, scheduler: { status: 'healthy' } });
  const w = await health(cluster.procs[2]!);
  expect(w.status).toBe(200);
  expect(w.body).toMatchObject({ healthy: true, worker: { status: 'running', active_tries: 0, queues: ['default'] } });
  // Job rows for the API's health endpoint: each scheduler is also a DAG processor.
  const running = await store.db.selectFrom('job').select(['job_type', 'latest_heartbeat']).where('state', '=', 'running').execute();
  expect(running.map((j) => j.job_type).sort()).toEqual(['dag_processor', 'dag_processor', 'scheduler', 'scheduler', 'worker', 'worker', 'worker']);
  const codes = await Promise.all(cluster.procs.map((p) => { p.child.kill('SIGTERM'); return p.exited; }));
  expect(codes).toEqual([0, 0, 0, 0, 0]);
  const ended = await store.db.selectFrom('job').select('state').execute();
  expect(ended.map((j) => j.state)).toEqual(Array(7).fill('success'));
}, 30_000);
