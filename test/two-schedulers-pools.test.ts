/**
 * Two schedulers racing for one small pool never fill it beyond its slots (each reads occupancy only after it holds
 * the pool's lock; see sql/queue-scheduled-tis.ts).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { dagFolder, startInstance, type TestInstance } from './support/instance.ts';
import type { Metastore } from '@windsock/metastore';

let tdb: TestDatabase;
let store: Metastore;
let inst: TestInstance;
const SLOTS = 3;

beforeAll(async () => {
  tdb = await freshDatabase();
  store = await tdb.open();
  await store.db.insertInto('slot_pool').values({ pool: 'tight', slots: SLOTS, description: 'test', include_deferred: false }).execute();
  const tasks = Array.from({ length: 40 }, (_, i) => `    - task_id: t${i}
      operator: airflow.operators.bash.BashOperator
      pool: tight
      bash_command: 'sleep 0.05'`).join('\n');
  const folder = await dagFolder({ 'pooled.yaml': `pooled:\n  schedule: null\n  max_active_tasks: 64\n  default_args: {start_date: 2024-01-01}\n  tasks:\n${tasks}\n` });
  inst = await startInstance({ store, dagsFolder: folder, schedulers: 2, workers: 2, schedulerOptions: { parallelism: 64, tickMs: 20 }, workerOptions: { concurrency: 16 } });
});
afterAll(async () => { await inst?.stop(); await store?.close(); await tdb?.drop(); });

it(`never runs more than the pool's ${SLOTS} slots at once`, async () => {
  const run = await inst.runDag('pooled', { timeoutMs: 60_000 });
  expect(run.state).toBe('success');
  const tis = await store.db.selectFrom('task_instance').select(['pool', 'start_date', 'end_date']).where('dag_run_id', '=', run.dagRunId).execute();
  expect(tis).toHaveLength(40);
  expect(new Set(tis.map((t) => t.pool))).toEqual(new Set(['tight']));
  // A task holds its slot from before its start (queued) to after its end: running intervals never overlap more.
  const edges = tis.flatMap((t) => [[t.start_date!.getTime(), 1], [t.end_date!.getTime(), -1]] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let max = 0;
  for (const [, d] of edges) { now += d; max = Math.max(max, now); }
  expect(max).toBeLessThanOrEqual(SLOTS);
  expect(max).toBeGreaterThan(1); // the pool was actually used in parallel
});
