/**
 * Clears task instances, as Airflow's clear_task_instances: each goes back to no status (null) so the scheduler
 * runs it again, except a running one, which goes to `restarting` (its worker is told to stop it, and it is
 * retried); `max_tries` is raised to try_number + the task's retries so every cleared task may run again.
 * With `resetRuns`, their DAG runs go back to `queued` (end_date cleared, clear_number + 1). History rows
 * (task_instance_history, task_log) are kept.
 * Which states restart rather than reset is dag-model's clearedTiState (state-machine.ts), not decided here.
 * Guard: one statement over the chosen ids, rows locked (`for update`); a run moves only if it is not queued.
 * Returns every task instance cleared with the state it had, and the runs reset.
 */
import { sql } from 'kysely';
import { restartedOnClear } from '@windsock/dag-model';
import type { WebDb } from '../types.ts';

export async function clearTis(db: WebDb, tiIds: string[], retriesByTask: Record<string, number>, resetRuns: boolean, now = new Date()) {
  if (tiIds.length === 0) return { tis: [], runs: [] };
  const restarted = restartedOnClear();
  const res = await sql<{ kind: 'ti' | 'run'; id: string; prev: string | null; task_id: string | null }>`
    with old as (
      select id, state, task_id, dag_run_id from task_instance where id = any(${tiIds}::uuid[]) for update
    ), tis as (
      update task_instance t set
        state = case when old.state = any(${restarted}::text[]) then 'restarting' else null end,
        max_tries = greatest(t.max_tries, t.try_number + coalesce((${JSON.stringify(retriesByTask)}::jsonb ->> t.task_id)::int, 0)),
        next_retry_at = null, external_executor_id = case when old.state = any(${restarted}::text[]) then t.external_executor_id else null end,
        end_date = case when old.state = any(${restarted}::text[]) then t.end_date else null end, updated_at = ${now}
      from old where t.id = old.id returning t.id, old.state as prev, t.task_id, t.dag_run_id
    ), runs as (
      update dag_run r set state = 'queued', queued_at = ${now}, end_date = null, clear_number = r.clear_number + 1, updated_at = ${now}
      where ${resetRuns} and r.id in (select dag_run_id from old) and r.state <> 'queued' returning r.id
    )
    select 'ti' as kind, id::text as id, prev, task_id from tis union all select 'run', id::text, null, null from runs`.execute(db);
  return {
    tis: res.rows.filter((r) => r.kind === 'ti').map((r) => ({ id: r.id, prev: r.prev, taskId: r.task_id! })),
    runs: res.rows.filter((r) => r.kind === 'run').map((r) => Number(r.id)),
  };
}
