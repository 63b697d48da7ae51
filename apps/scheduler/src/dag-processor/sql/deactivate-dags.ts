/**
 * DAGs whose file is gone, or that their file no longer declares: `is_active → false`.
 * Guard: `where is_active = true` (a DAG already inactive is not reported again); for one file, the DAGs it still
 * declares are kept. Returns the dag_ids deactivated.
 */
import type { Kysely } from 'kysely';
import type { Database } from '@windsock/metastore';

export async function deactivateDagsOfFiles(db: Kysely<Database>, filelocs: string[]): Promise<string[]> {
  const res = await db.updateTable('dag').set({ is_active: false }).where('fileloc', 'in', filelocs).where('is_active', '=', true).returning('dag_id').execute();
  return res.map((r) => r.dag_id);
}

export async function deactivateDagsGoneFrom(db: Kysely<Database>, fileloc: string, present: Set<string>): Promise<string[]> {
  const res = await db.updateTable('dag').set({ is_active: false }).where('fileloc', '=', fileloc).where('is_active', '=', true)
    .$if(present.size > 0, (u) => u.where('dag_id', 'not in', [...present])).returning('dag_id').execute();
  return res.map((r) => r.dag_id);
}
