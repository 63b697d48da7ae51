/**
 * Records the end of a try: `running → success | failed | up_for_retry` with end_date, duration and, for a
 * retry, the time it may run again; copies the try into task_instance_history; stores the return value XCom.
 * Guard: `where id = ? and state in ('running', 'restarting') and try_number = ?` — when a user marked or failed
 * the task meanwhile, their decision stands and nothing is written; a try cleared while it ran (`restarting`)
 * becomes `up_for_retry`, due now, so it runs again.
 * Returns the final state written, or null when the guard did not match.
 */
import { sql, type Kysely } from 'kysely';
import { historyInsert, historyOnConflict, type Database } from '@windsock/metastore';
import type { TiState } from '@windsock/dag-model';

export interface FinishTry {
  tiId: string;
  tryNumber: number;
  state: Extract<TiState, 'success' | 'failed' | 'up_for_retry'>;
  nextRetryAt: Date | null;
  xcom?: { dagRunId: number; dagId: string; runId: string; taskId: string; mapIndex: number; value: unknown };
  /** The end of the try's log, stored with the outcome. */
  logChunk?: string | null;
}

export async function finishTry(db: Kysely<Database>, f: FinishTry, now: Date): Promise<TiState | null> {
  // One statement (so one round trip, and atomic): the guarded update, its history row and the XCom.
  const x = f.xcom && f.state === 'success' ? f.xcom : null;
  const res = await sql<{ state: TiState }>`
    with ti as (
      update task_instance set
        -- restarting: the task was cleared while it ran; it goes round again at once, as in Airflow.
        state = case when state = 'restarting' then 'up_for_retry' else ${f.state} end,
        next_retry_at = case when state = 'restarting' then ${now}::timestamptz else ${f.nextRetryAt}::timestamptz end,
        end_date = ${now}, updated_at = ${now}, duration = extract(epoch from (${now}::timestamptz - start_date))
      where id = ${f.tiId} and state in ('running', 'restarting') and try_number = ${f.tryNumber}
      returning *
    ), history as (
      ${historyInsert(sql`ti`, now)}
      ${historyOnConflict()}
    ), xc as (
      insert into xcom (dag_run_id, task_id, map_index, key, dag_id, run_id, value, timestamp)
      select ti.dag_run_id, ti.task_id, ti.map_index, 'return_value', ti.dag_id, ti.run_id, ${x ? JSON.stringify(x.value) : null}::jsonb, ${now}
      from ti where ${x !== null}
      on conflict (dag_run_id, task_id, map_index, key) do update set value = excluded.value, timestamp = excluded.timestamp
    ), log as (
      insert into task_log (task_instance_id, try_number, chunk) select id, try_number, ${f.logChunk ?? ''} from ti where ${!!f.logChunk}
    )
    select state from ti`.execute(db);
  const state = res.rows[0]?.state ?? null;
  // The guard did not match (a user changed the state meanwhile): the log's end is still kept.
  if (state === null && f.logChunk) await db.insertInto('task_log').values({ task_instance_id: f.tiId, try_number: f.tryNumber, chunk: f.logChunk }).execute();
  return state;
}
