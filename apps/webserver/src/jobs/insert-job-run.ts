/**
 * Inserts a job's run (metastore's insertManualRun, state `queued`) and, with it, its one task instance (state null)
 * carrying the job's own retries as `max_tries`: the scheduler's start of the run inserts task instances with
 * `on conflict do nothing`, so this one stands, and a job retries as its spec says rather than as the built-in
 * DAG's task (0).
 * Guard: one transaction; the run's unique (dag_id, run_id) (a clash inserts nothing and returns undefined).
 * Returns the run.
 */
import type { Kysely } from 'kysely';
import { insertManualRun, type Database, type ManualRun } from '@windsock/metastore';
import type { SerializedTask } from '@windsock/dag-model';
import type { WebDb } from '../types.ts';

export async function insertJobRun(db: WebDb, run: ManualRun, task: SerializedTask, retries: number, now: Date) {
  return db.transaction().execute(async (trx) => {
    const row = await insertManualRun(trx as unknown as Kysely<Database>, run, now);
    if (!row || retries === 0) return row;
    await trx.insertInto('task_instance').values({
      dag_run_id: row.id, dag_id: row.dag_id, run_id: row.run_id, task_id: task.task_id, state: null, max_tries: retries,
      operator: task.operator, pool: task.pool, pool_slots: task.pool_slots, queue: task.queue, priority_weight: task.priority_weight,
    }).execute();
    return row;
  });
}
