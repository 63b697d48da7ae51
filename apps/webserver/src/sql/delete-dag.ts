/**
 * Deletes a DAG's metadata: the dag row and, by cascade, its tags, serialized form, runs, task instances, logs
 * and XComs (the file stays; the DAG processor brings the DAG back on its next parse, as in Airflow).
 * Guard: no task instance of the DAG is running. Returns whether a row was deleted.
 */
import type { WebDb } from '../types.ts';

export async function deleteDag(db: WebDb, dagId: string): Promise<boolean> {
  const res = await db.deleteFrom('dag').where('dag_id', '=', dagId)
    .where((eb) => eb.not(eb.exists(eb.selectFrom('task_instance').select('id').where('dag_id', '=', dagId).where('state', '=', 'running'))))
    .executeTakeFirst();
  return res.numDeletedRows > 0n;
}
