/**
 * Marks a DAG run success, failed or queued (the API's PATCH dagRun), with its task instances, as Airflow's
 * set_dag_run_state_to_*: success → every unfinished task instance success; failed → running ones failed and
 * the other unfinished ones skipped; queued → the run waits for the scheduler again (tasks untouched).
 * Guard: one statement; the run must be in a state the DAG-run table (dag-model's state-machine.ts) lets move to
 * the new one — any other state — and only unfinished task instances are touched.
 * Returns the run (or undefined when it was already in that state) and the task instances changed, with the
 * state each had (running ones must be cancelled on their workers).
 */
import { sql } from 'kysely';
import { dagRunSourcesOf, type DagRunState } from '@windsock/dag-model';
import type { WebDb } from '../types.ts';

const UNFINISHED = `(state is null or state in ('scheduled','queued','running','up_for_retry','up_for_reschedule','deferred','restarting'))`;

export async function setRunState(db: WebDb, dagRunId: number, to: Extract<DagRunState, 'success' | 'failed' | 'queued'>, now = new Date()) {
  const endDate = to === 'queued' ? null : now;
  const tiState = to === 'success' ? sql`'success'` : sql`case when old.state = 'running' then 'failed' else 'skipped' end`;
  const res = await sql<{ kind: 'run' | 'ti'; id: string; prev: string | null }>`
    with run as (
      update dag_run set state = ${to}, end_date = ${endDate}, updated_at = ${now},
        queued_at = case when ${to} = 'queued' then ${now}::timestamptz else queued_at end
      where id = ${dagRunId} and state = any(${dagRunSourcesOf(to)}::text[]) returning id
    ), old as (
      select id, state from task_instance where dag_run_id in (select id from run) and ${sql.raw(UNFINISHED)} and ${to} <> 'queued'
      for update
    ), tis as (
      update task_instance t set state = ${tiState}, end_date = coalesce(t.end_date, ${now}::timestamptz), updated_at = ${now}
      from old where t.id = old.id returning t.id, old.state as prev
    )
    select 'run' as kind, id::text as id, null as prev from run union all select 'ti', id::text, prev from tis`.execute(db);
  const changed = res.rows.some((r) => r.kind === 'run');
  return { changed, tis: res.rows.filter((r) => r.kind === 'ti').map((r) => ({ id: r.id, prev: r.prev })) };
}
