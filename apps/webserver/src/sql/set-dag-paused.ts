/**
 * Pauses or unpauses a DAG: `dag.is_paused`.
 * Guard: the dag_id (one row). Returns the updated dag row, or undefined when there is no such DAG.
 */
import type { WebDb } from '../types.ts';

export function setDagPaused(db: WebDb, dagId: string, paused: boolean) {
  return db.updateTable('dag').set({ is_paused: paused }).where('dag_id', '=', dagId).returningAll().executeTakeFirst();
}
