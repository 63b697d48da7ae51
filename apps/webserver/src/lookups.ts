/** Loading the entity a path names, or a 404 problem in Airflow's words. */
import type { SerializedDag } from '@windsock/dag-model';
import { notFound } from './errors.ts';
import type { WebDb } from './types.ts';

export async function loadDag(db: WebDb, dagId: string) {
  const d = await db.selectFrom('dag').selectAll().where('dag_id', '=', dagId).executeTakeFirst();
  if (!d) throw notFound('DAG', `The Dag with ID: \`${dagId}\` was not found`);
  return d;
}

export async function loadSerialized(db: WebDb, dagId: string): Promise<SerializedDag> {
  const s = await db.selectFrom('serialized_dag').select('data').where('dag_id', '=', dagId).executeTakeFirst();
  if (!s) throw notFound('DAG', `The Dag with ID: \`${dagId}\` was not found`);
  return s.data;
}

/** The serialized DAG with its hash, for a new run to record which version it ran. */
export async function loadSerializedVersion(db: WebDb, dagId: string): Promise<{ data: SerializedDag; dag_hash: string }> {
  const s = await db.selectFrom('serialized_dag').select(['data', 'dag_hash']).where('dag_id', '=', dagId).executeTakeFirst();
  if (!s) throw notFound('DAG', `The Dag with ID: \`${dagId}\` was not found`);
  return s;
}

export async function tagsOf(db: WebDb, dagIds: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>(dagIds.map((id) => [id, []]));
  if (dagIds.length === 0) return out;
  const rows = await db.selectFrom('dag_tag').select(['dag_id', 'name']).where('dag_id', 'in', dagIds).orderBy('name').execute();
  for (const r of rows) out.get(r.dag_id)?.push(r.name);
  return out;
}

export async function loadRun(db: WebDb, dagId: string, runId: string) {
  const r = await db.selectFrom('dag_run').selectAll().where('dag_id', '=', dagId).where('run_id', '=', runId).executeTakeFirst();
  if (!r) throw notFound('DAG Run', `The DagRun with dag_id: \`${dagId}\` and run_id: \`${runId}\` was not found`);
  return r;
}

export async function loadTi(db: WebDb, dagId: string, runId: string, taskId: string, mapIndex = -1) {
  const t = await db.selectFrom('task_instance').selectAll().where('dag_id', '=', dagId).where('run_id', '=', runId)
    .where('task_id', '=', taskId).where('map_index', '=', mapIndex).executeTakeFirst();
  if (!t) throw notFound('TaskInstance', `The Task Instance with dag_id: \`${dagId}\`, run_id: \`${runId}\`, task_id: \`${taskId}\` and map_index: \`${mapIndex}\` was not found`);
  return t;
}
