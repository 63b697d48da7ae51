/**
 * Sets the note of a DAG run or a task instance (Airflow's setNote).
 * Guard: the row's id. Returns nothing; the caller re-reads the row it answers with.
 */
import type { WebDb } from '../types.ts';

export async function setRunNote(db: WebDb, dagRunId: number, note: string | null): Promise<void> {
  await db.updateTable('dag_run').set({ note, updated_at: new Date() }).where('id', '=', dagRunId).execute();
}

export async function setTiNote(db: WebDb, tiId: string, note: string | null): Promise<void> {
  await db.updateTable('task_instance').set({ note, updated_at: new Date() }).where('id', '=', tiId).execute();
}
