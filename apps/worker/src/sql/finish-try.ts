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
  return db.transaction().execute(async (trx) => {
    const ti = await trx.updateTable('task_instance')
      .set({ state: f.state, end_date: now, next_retry_at: f.nextRetryAt, duration: sql`extract(epoch from (${now}::timestamptz - start_date))`, updated_at: now })
      .where('id', '=', f.tiId).where('state', '=', 'running').where('try_number', '=', f.tryNumber)
      .returningAll().executeTakeFirst();
    if (!ti) return null;
    await recordHistory(trx, ti.id);
    if (f.xcom && f.state === 'success') {
      const x = f.xcom;
      await trx.insertInto('xcom').values({ dag_run_id: x.dagRunId, task_id: x.taskId, map_index: x.mapIndex, key: 'return_value', dag_id: x.dagId, run_id: x.runId, value: JSON.stringify(x.value), timestamp: now })
        .onConflict((oc) => oc.columns(['dag_run_id', 'task_id', 'map_index', 'key']).doUpdateSet({ value: JSON.stringify(x.value), timestamp: now })).execute();
    }
    return ti.state as TiState;
  });
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
