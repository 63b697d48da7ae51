/**
 * Records the end of a try: `running → success | failed | up_for_retry` with end_date, duration and, for a
 * retry, the time it may run again; copies the try into task_instance_history; stores the return value XCom.
 * Guard: `where id = ? and state = 'running' and try_number = ?` — when a user marked, cleared or failed the
 * task meanwhile, their decision stands and nothing is written.
 * Returns the final state written, or null when the guard did not match.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '@windsock/metastore';
import type { TiState } from '@windsock/dag-model';

export interface FinishTry {
  tiId: string;
  tryNumber: number;
  state: Extract<TiState, 'success' | 'failed' | 'up_for_retry'>;
  nextRetryAt: Date | null;
  xcom?: { dagRunId: number; dagId: string; runId: string; taskId: string; mapIndex: number; value: unknown };
}

export async function finishTry(db: Kysely<Database>, f: FinishTry, now: Date): Promise<TiState | null> {
  // One statement (so one round trip, and atomic): the guarded update, its history row and the XCom.
  const x = f.xcom && f.state === 'success' ? f.xcom : null;
  const res = await sql<{ state: TiState }>`
    with ti as (
      update task_instance set state = ${f.state}, end_date = ${now}, next_retry_at = ${f.nextRetryAt}, updated_at = ${now},
        duration = extract(epoch from (${now}::timestamptz - start_date))
      where id = ${f.tiId} and state = 'running' and try_number = ${f.tryNumber}
      returning *
    ), history as (
      insert into task_instance_history (task_instance_id, dag_id, run_id, task_id, map_index, try_number, state, max_tries, operator,
        pool, pool_slots, queue, priority_weight, start_date, end_date, duration, queued_dttm, hostname, worker_id, pid, executor,
        external_executor_id, rendered_fields, updated_at)
      select id, dag_id, run_id, task_id, map_index, try_number, state, max_tries, operator, pool, pool_slots, queue, priority_weight,
        start_date, end_date, duration, queued_dttm, hostname, worker_id, pid, executor, external_executor_id, rendered_fields, ${now}
      from ti
      on conflict (task_instance_id, try_number) do update set state = excluded.state, end_date = excluded.end_date,
        duration = excluded.duration, rendered_fields = excluded.rendered_fields, updated_at = excluded.updated_at
    ), xc as (
      insert into xcom (dag_run_id, task_id, map_index, key, dag_id, run_id, value, timestamp)
      select ti.dag_run_id, ti.task_id, ti.map_index, 'return_value', ti.dag_id, ti.run_id, ${x ? JSON.stringify(x.value) : null}::jsonb, ${now}
      from ti where ${x !== null}
      on conflict (dag_run_id, task_id, map_index, key) do update set value = excluded.value, timestamp = excluded.timestamp
    )
    select state from ti`.execute(db);
  return res.rows[0]?.state ?? null;
}

/** Copies the task instance's current try into task_instance_history (replacing an earlier copy of that try). */
export async function recordHistory(db: Kysely<Database>, tiId: string): Promise<void> {
  await sql`
    insert into task_instance_history (task_instance_id, dag_id, run_id, task_id, map_index, try_number, state, max_tries, operator,
      pool, pool_slots, queue, priority_weight, start_date, end_date, duration, queued_dttm, hostname, worker_id, pid, executor,
      external_executor_id, rendered_fields, updated_at)
    select id, dag_id, run_id, task_id, map_index, try_number, state, max_tries, operator, pool, pool_slots, queue, priority_weight,
      start_date, end_date, duration, queued_dttm, hostname, worker_id, pid, executor, external_executor_id, rendered_fields, now()
    from task_instance where id = ${tiId} and try_number > 0
    on conflict (task_instance_id, try_number) do update set state = excluded.state, end_date = excluded.end_date,
      duration = excluded.duration, rendered_fields = excluded.rendered_fields, updated_at = now()`.execute(db);
}
