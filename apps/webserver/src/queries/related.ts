/**
 * Which tasks an API "mark" or "clear" reaches: the chosen tasks plus, on request, everything upstream or
 * downstream of them in the DAG (Airflow's include_upstream / include_downstream), and which runs
 * (include_past / include_future: the same DAG's runs with an earlier / later logical date).
 */
import type { SerializedDag } from '@windsock/dag-model';
import type { WebDb } from '../types.ts';

export function relatedTasks(ser: SerializedDag, taskIds: string[], upstream: boolean, downstream: boolean): string[] {
  const byId = new Map(ser.tasks.map((t) => [t.task_id, t]));
  const out = new Set(taskIds);
  const walk = (start: string, next: (id: string) => string[]) => {
    const stack = [start];
    while (stack.length) for (const n of next(stack.pop()!)) if (!out.has(n)) { out.add(n); stack.push(n); }
  };
  for (const id of taskIds) {
    if (upstream) walk(id, (x) => byId.get(x)?.upstream_task_ids ?? []);
    if (downstream) walk(id, (x) => byId.get(x)?.downstream_task_ids ?? []);
  }
  return [...out];
}

export async function relatedRunIds(db: WebDb, run: { id: number; dag_id: string; logical_date: Date | null }, past: boolean, future: boolean): Promise<number[]> {
  if ((!past && !future) || !run.logical_date) return [run.id];
  let q = db.selectFrom('dag_run').select('id').where('dag_id', '=', run.dag_id);
  if (past && !future) q = q.where('logical_date', '<=', run.logical_date);
  if (future && !past) q = q.where('logical_date', '>=', run.logical_date);
  return (await q.execute()).map((r) => r.id);
}
