/**
 * Marks task instances success, failed or skipped (the API's PATCH taskInstance / updateTaskInstancesState).
 * Guard: one statement over the chosen ids, rows locked, only rows in a state the task-instance table
 * (dag-model's state-machine.ts) lets move to the new state — every other state. A running one
 * keeps its try number; its worker finds the row no longer `running` and stops the process (the `ti:cancel`
 * event makes that immediate). Dates are Airflow's TaskInstance.set_state: a try that has ended keeps its own start
 * and end (marking a finished task failed, then success, never stretches it to the time of the click); one that has
 * not started or ended gets now. Returns each changed task instance with the state it had.
 */
import { sql } from 'kysely';
import { tiSourcesOf } from '@windsock/dag-model';
import type { WebDb } from '../types.ts';

export type MarkState = 'success' | 'failed' | 'skipped';

export async function setTiState(db: WebDb, tiIds: string[], to: MarkState, now = new Date()) {
  if (tiIds.length === 0) return [];
  const sources = tiSourcesOf(to);
  const named = sources.filter((s) => s !== null);
  const fromNone = sources.includes(null);
  const res = await sql<{ id: string; prev: string | null; task_id: string; dag_run_id: number; try_number: number }>`
    with old as (
      select id, state from task_instance where id = any(${tiIds}::uuid[]) and (state = any(${named}::text[]) or (${fromNone} and state is null)) for update
    )
    update task_instance t set state = ${to}, updated_at = ${now},
      start_date = coalesce(t.start_date, ${now}::timestamptz),
      end_date = coalesce(t.end_date, ${now}::timestamptz),
      duration = extract(epoch from (coalesce(t.end_date, ${now}::timestamptz) - coalesce(t.start_date, ${now}::timestamptz)))
    from old where t.id = old.id
    returning t.id::text as id, old.state as prev, t.task_id, t.dag_run_id, t.try_number`.execute(db);
  return res.rows;
}
