/**
 * The worker's own opening lines of a try ("Starting attempt …") are stored with the try's end when it ends within
 * a second (one statement for both), and within about a second while a silent task is still running — never lost,
 * never doubled.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { migrateToLatest, openMetastore, type Metastore } from '@windsock/metastore';
import { createManualRun } from '@windsock/scheduler';
import { waitForEvent } from '@windsock/queue';
import { dagFolder, startInstance, type TestInstance } from './support/instance.ts';

let store: Metastore;
let inst: TestInstance;

beforeAll(async () => {
  store = await openMetastore({ kind: 'pglite', dataDir: null });
  await migrateToLatest(store.db);
  const folder = await dagFolder({ 'logs.yaml': `logs:
  schedule: null
  default_args: {start_date: 2024-01-01}
  tasks:
    - task_id: quick
      operator: airflow.operators.empty.EmptyOperator
    - task_id: silent
      operator: airflow.operators.bash.BashOperator
      bash_command: 'sleep 3'
      dependencies: [quick]
` });
  inst = await startInstance({ store, dagsFolder: folder });
});
afterAll(async () => { await inst?.stop(); await store?.close(); });

async function logOf(dagRunId: number, taskId: string): Promise<{ state: string | null; log: string }> {
  const ti = await store.db.selectFrom('task_instance').select(['id', 'state']).where('dag_run_id', '=', dagRunId).where('task_id', '=', taskId).executeTakeFirstOrThrow();
  const rows = await store.db.selectFrom('task_log').select('chunk').where('task_instance_id', '=', ti.id).orderBy('id').execute();
  return { state: ti.state, log: rows.map((r) => r.chunk).join('') };
}

it('stores the opening lines within about a second while a silent task runs, and once with a quick task\'s end', async () => {
  const run = await createManualRun(store.db, { dagId: 'logs' });
  const done = waitForEvent(inst.events, 'dagrun:finished', (e) => e.dagRunId === run.id, 30_000);
  const running = waitForEvent(inst.events, 'ti:running', (e) => e.runId === run.run_id && e.taskId === 'silent', 30_000);
  inst.events.emit('dagrun:created', { dagId: 'logs', runId: run.run_id, dagRunId: run.id });
  await running;
  const since = Date.now();
  let seen: { state: string | null; log: string } | null = null;
  while (Date.now() - since < 2500) {
    const s = await logOf(run.id, 'silent');
    if (s.log.includes('Starting attempt 1 of 1')) { seen = s; break; }
    await new Promise((r) => setTimeout(r, 50));
  }
  expect(seen, 'opening lines stored while the task runs').not.toBeNull();
  expect(seen!.state).toBe('running');
  expect(Date.now() - since).toBeLessThan(2000);
  expect((await done).state).toBe('success');

  const quick = await logOf(run.id, 'quick');
  expect(quick.log.match(/Starting attempt 1 of 1/g)).toHaveLength(1);
  expect(quick.log).toMatch(/Starting attempt 1 of 1\n.*Executing <Task\(EmptyOperator\): quick>.*\n(.*\n)*Marking task as SUCCESS\.\n$/);
  const silent = await logOf(run.id, 'silent');
  expect(silent.log.match(/Starting attempt 1 of 1/g)).toHaveLength(1);
  expect(silent.log).toContain('Marking task as SUCCESS.');
});
