/**
 * ExternalTaskSensor's get_count (airflow/sensors/external_task.py): how many of the external DAG's task instances
 * (or, without task ids, its DAG runs) at the given logical date are in each of the given state lists. Changes
 * nothing. Returns one count per list, in order; task counts are divided by the number of task ids, as Airflow does.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '@windsock/metastore';
import type { DagRunState, TiState } from '@windsock/dag-model';

export async function externalTaskCounts(db: Kysely<Database>, q: { dagId: string; taskIds: string[] | null; groupId: string | null; logicalDate: Date },
  stateLists: string[][]): Promise<number[]> {
  const out: number[] = [];
  for (const states of stateLists) {
    if (states.length === 0) { out.push(-1); continue; }
    if (q.taskIds === null && q.groupId === null) {
      const r = await db.selectFrom('dag_run').select(sql<string>`count(*)`.as('n'))
        .where('dag_id', '=', q.dagId).where('logical_date', '=', q.logicalDate).where('state', 'in', states as DagRunState[]).executeTakeFirst();
      out.push(Number(r?.n ?? 0));
      continue;
    }
    let query = db.selectFrom('task_instance as ti').innerJoin('dag_run as dr', 'dr.id', 'ti.dag_run_id').select(sql<string>`count(*)`.as('n'))
      .where('ti.dag_id', '=', q.dagId).where('dr.logical_date', '=', q.logicalDate).where('ti.state', 'in', states as TiState[]);
    if (q.taskIds !== null) query = query.where('ti.task_id', 'in', q.taskIds);
    else query = query.where('ti.task_id', 'like', `${q.groupId!.replace(/[\\%_]/g, (c) => `\\${c}`)}.%`);
    const r = await query.executeTakeFirst();
    const n = Number(r?.n ?? 0);
    out.push(q.taskIds !== null ? n / q.taskIds.length : n);
  }
  return out;
}
