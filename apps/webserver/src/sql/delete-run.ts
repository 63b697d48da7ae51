/**
 * Deletes a DAG run; its task instances, history, logs and XComs go with it (foreign keys cascade).
 * Guard: the run's id. Returns the ids of its task instances that were running, to cancel them.
 */
import { sql } from 'kysely';
import type { WebDb } from '../types.ts';

export async function deleteRun(db: WebDb, dagRunId: number): Promise<string[]> {
  const res = await sql<{ id: string }>`
    with gone as (delete from dag_run where id = ${dagRunId} returning id)
    select ti.id::text as id from task_instance ti where ti.dag_run_id in (select id from gone) and ti.state = 'running'`.execute(db);
  return res.rows.map((r) => r.id);
}
