/**
 * Copies a task instance's current try into task_instance_history (every try is kept, as Airflow 2.10 keeps them
 * for the /tries endpoints), replacing an earlier copy of the same try.
 * Guard: only tries that started (try_number > 0). Returns nothing.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from './schema.ts';

/** The history row's columns, in the order of the SELECT from task_instance (or from a CTE over it). */
const COLUMNS = sql.raw(`task_instance_id, dag_id, run_id, task_id, map_index, try_number, state, max_tries, operator,
  pool, pool_slots, queue, priority_weight, start_date, end_date, duration, queued_dttm, hostname, worker_id, pid, executor,
  external_executor_id, rendered_fields, updated_at`);

/** `insert into task_instance_history … select … from <source>`: `source` is task_instance or a CTE returning its rows. */
export function historyInsert(source: RawBuilder<unknown>, now: Date): RawBuilder<unknown> {
  return sql`insert into task_instance_history (${COLUMNS})
    select id, dag_id, run_id, task_id, map_index, try_number, state, max_tries, operator, pool, pool_slots, queue, priority_weight,
      start_date, end_date, duration, queued_dttm, hostname, worker_id, pid, executor, external_executor_id, rendered_fields, ${now}::timestamptz
    from ${source}`;
}

const ON_CONFLICT = sql`on conflict (task_instance_id, try_number) do update set state = excluded.state, end_date = excluded.end_date,
  duration = excluded.duration, rendered_fields = excluded.rendered_fields, updated_at = excluded.updated_at`;

/** The conflict clause shared by every history insert. */
export function historyOnConflict(): RawBuilder<unknown> { return ON_CONFLICT; }

export async function recordHistory(db: Kysely<Database>, tiId: string, now: Date = new Date()): Promise<void> {
  await sql`${historyInsert(sql`task_instance where id = ${tiId} and try_number > 0`, now)} ${ON_CONFLICT}`.execute(db);
}
