/**
 * Two schedulers on one database never queue a task instance twice: 40 parallel tasks per run, three runs,
 * two schedulers racing, two workers. Every task appends its key to a file; each key must appear once.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { dagFolder, startInstance, type TestInstance } from './support/instance.ts';
import type { Metastore } from '@windsock/metastore';

let tdb: TestDatabase;
let store: Metastore;
let inst: TestInstance;
let out: string;

beforeAll(async () => {
  tdb = await freshDatabase();
  store = await tdb.open();
  out = join(await mkdtemp(join(tmpdir(), 'windsock-count-')), 'executions.txt');
  const tasks = Array.from({ length: 40 }, (_, i) => `    - task_id: t${i}
      operator: airflow.operators.bash.BashOperator
      bash_command: 'echo "{{ run_id }} t${i} {{ ti.try_number }}" >> ${out}'`).join('\n');
  const folder = await dagFolder({ 'wide.yaml': `wide:\n  schedule: null\n  max_active_runs: 3\n  max_active_tasks: 64\n  default_args: {start_date: 2024-01-01}\n  tasks:\n${tasks}\n` });
  inst = await startInstance({ store, dagsFolder: folder, schedulers: 2, workers: 2, schedulerOptions: { parallelism: 64, tickMs: 20 }, workerOptions: { concurrency: 8 } });
});
afterAll(async () => { await inst?.stop(); await store?.close(); await tdb?.drop(); });

it('runs every task instance exactly once', async () => {
  const runs = await Promise.all([0, 1, 2].map((i) => inst.runDag('wide', { logicalDate: new Date(Date.UTC(2024, 0, 1 + i)) })));
  if (runs.some((r) => r.state !== 'success')) {
    const bad = await store.db.selectFrom('task_instance').select(['run_id', 'task_id', 'state', 'try_number', 'id']).where('state', '!=', 'success').execute();
    const logs = await store.db.selectFrom('task_log').select(['task_instance_id', 'chunk']).where('task_instance_id', 'in', bad.map((b) => b.id).concat(['00000000-0000-0000-0000-000000000000'])).execute();
    console.log(JSON.stringify({ bad, logs }, null, 1));
  }
  expect(runs.map((r) => r.state)).toEqual(['success', 'success', 'success']);
  const lines = (await readFile(out, 'utf8')).trim().split('\n');
  expect(lines).toHaveLength(120);
  expect(new Set(lines).size).toBe(120);
  for (const l of lines) expect(l.endsWith(' 1')).toBe(true); // never a second try
  const tries = await store.db.selectFrom('task_instance_history').select(({ fn }) => fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  expect(Number(tries.n)).toBe(120);
});
