/**
 * Records the end of tries: `running → success | failed | up_for_retry | up_for_reschedule | skipped` with end_date,
 * duration and, for a retry or a sensor's reschedule, the time it may run again (a reschedule also adds its
 * task_reschedule row, Airflow's record of the pokes, from which the sensor's timeout counts); copies each try into task_instance_history; stores the return value XCom and
 * the end of the try's log; marks the downstream task instances a branch did not follow `skipped`.
 * Guard: `where id = ? and state in ('running', 'restarting') and try_number = ?` per try — when a user marked or
 * failed the task meanwhile, their decision stands and nothing but the log's end is written; a try cleared while it
 * ran (`restarting`) becomes `up_for_retry`, due now, so it runs again.
 * One statement for any number of tries (the batch travels as one JSON parameter). Returns the final state written
 * per task instance id; a try whose guard did not match is absent.
 */
import { sql, type Kysely } from 'kysely';
import { historyInsert, historyOnConflict, type Database } from '@windsock/metastore';
import { FINISHED_TI_STATES, type TiState } from '@windsock/dag-model';
import { MomentBatcher } from '@windsock/dag-model';
import { claimTries, type Claimant, type Claimed } from './claim-try.ts';
import { chooseFollowOns, HELD_BACK_PRIORITY, parsePeers, peersQuery, queuedSince, type FollowOnAsk, type Peer } from './follow-on.ts';

export interface FinishTry {
  tiId: string;
  tryNumber: number;
  state: Extract<TiState, 'success' | 'failed' | 'up_for_retry' | 'up_for_reschedule' | 'skipped'>;
  /**
   * Task ids of the same run (and map index) that this try's end marks `skipped` (a branch not followed, a short
   * circuit), in the same statement, so no scheduling pass sees the branch ended and its skips not yet made.
   */
  skip?: string[];
  /** Airflow's `skipmixin_key` XCom of a branch / short circuit ({followed} or {skipped}), for NotPreviouslySkippedDep. */
  skipMixin?: { followed?: string[]; skipped?: string[] };
  nextRetryAt: Date | null;
  xcom?: { dagRunId: number; dagId: string; runId: string; taskId: string; mapIndex: number; value: unknown };
  /** The end of the try's log, stored with the outcome. */
  logChunk?: string | null;
  /** Start a downstream task instance in the slot this try frees, when one is ready (follow-on.ts). */
  followOn?: Omit<FollowOnAsk, 'tiId'>;
}

export interface Finished {
  /** The state written; null when the guard did not match. */
  state: TiState | null;
  /** The follow-on task instance started right after the end was recorded, now running on this worker. */
  next: Claimed | null;
}

/** What the end's statement reads for the follow-ons (follow-on.ts), as things were before these ends. */
export interface FollowOnRead { peers: Peer[]; heldBack: number | null; queueWaits: boolean }

/**
 * `followOn`: the follow-ons some of the tries ask for, the worker's queues and how long a queued task instance may
 * wait before follow-ons give way; the statement then also reads what they need (FollowOnRead).
 */
export async function finishTries(db: Kysely<Database>, tries: FinishTry[], now: Date,
  followOn?: { asks: readonly FollowOnAsk[]; queues: readonly string[]; yieldAfterMs: number }): Promise<{ states: Map<string, TiState> } & FollowOnRead> {
  if (tries.length === 0) return { states: new Map(), peers: [], heldBack: null, queueWaits: false };
  const batch = JSON.stringify(tries.map((f) => {
    const x = f.xcom && f.state === 'success' ? f.xcom : null;
    return {
      id: f.tiId, try_number: f.tryNumber, state: f.state, next_retry_at: f.nextRetryAt?.toISOString() ?? null,
      chunk: f.logChunk || null, has_xcom: x !== null, xcom: x ? x.value ?? null : null,
      skip: f.state === 'success' && f.skip && f.skip.length > 0 ? f.skip : null,
      skipmixin: f.state === 'success' && f.skipMixin ? f.skipMixin : null,
    };
  }));
  const res = await sql<{ id: string; state: TiState; peers: string | null; held_back: number | null; queue_waits: boolean | null }>`
    with v as (
      select * from jsonb_to_recordset(${batch}::jsonb)
        as v(id uuid, try_number int, state text, next_retry_at timestamptz, chunk text, has_xcom boolean, xcom jsonb, skip jsonb, skipmixin jsonb)
    ), ti as (
      update task_instance t set
        -- restarting: the task was cleared while it ran; it goes round again at once, as in Airflow.
        state = case when t.state = 'restarting' then 'up_for_retry' else v.state end,
        next_retry_at = case when t.state = 'restarting' then ${now}::timestamptz else v.next_retry_at end,
        end_date = ${now}, updated_at = ${now}, duration = extract(epoch from (${now}::timestamptz - t.start_date))
      from v
      -- The id array (not only the join) lets the planner use the primary key rather than scan the table.
      where t.id = any(${sql.val(tries.map((f) => f.tiId))}::uuid[]) and t.id = v.id and t.state in ('running', 'restarting') and t.try_number = v.try_number
      returning t.*
    ), history as (
      ${historyInsert(sql`ti`, now)}
      ${historyOnConflict()}
    ), xc as (
      insert into xcom (dag_run_id, task_id, map_index, key, dag_id, run_id, value, timestamp)
      select ti.dag_run_id, ti.task_id, ti.map_index, 'return_value', ti.dag_id, ti.run_id, v.xcom, ${now}
      from ti join v on v.id = ti.id where v.has_xcom
      on conflict (dag_run_id, task_id, map_index, key) do update set value = excluded.value, timestamp = excluded.timestamp
    ), skipmixin as (
      insert into xcom (dag_run_id, task_id, map_index, key, dag_id, run_id, value, timestamp)
      select ti.dag_run_id, ti.task_id, ti.map_index, 'skipmixin_key', ti.dag_id, ti.run_id, v.skipmixin, ${now}
      from ti join v on v.id = ti.id where v.skipmixin is not null and ti.state = 'success'
      on conflict (dag_run_id, task_id, map_index, key) do update set value = excluded.value, timestamp = excluded.timestamp
    ), skipped as (
      -- SkipMixin._set_state_to_skipped: the branches not followed, only where they have not started (a restarting
      -- try, above, ends up_for_retry and skips nothing).
      update task_instance s set state = 'skipped', start_date = ${now}, end_date = ${now}, duration = 0, updated_at = ${now}
      from ti join v on v.id = ti.id
      where v.skip is not null and ti.state = 'success' and s.dag_run_id = ti.dag_run_id and s.map_index = ti.map_index
        and s.task_id in (select jsonb_array_elements_text(v.skip)) and (s.state is null or s.state = 'scheduled')
    ), reschedule as (
      insert into task_reschedule (task_instance_id, try_number, start_date, end_date, duration, reschedule_date)
      select ti.id, ti.try_number, coalesce(ti.start_date, ${now}), ${now}, coalesce(ti.duration, 0), ti.next_retry_at
      from ti where ti.state = 'up_for_reschedule' and ti.next_retry_at is not null
    ), log as (
      -- The log's end is kept even when the guard did not match (a user changed the state meanwhile).
      insert into task_log (task_instance_id, try_number, chunk) select id, try_number, chunk from v where chunk is not null
    )
    select id, state, ${followOn && followOn.asks.length > 0
      ? sql`${peersQuery(followOn.asks)} as peers, ${HELD_BACK_PRIORITY} as held_back, ${queuedSince(followOn.queues, new Date(now.getTime() - followOn.yieldAfterMs))} as queue_waits`
      : sql`null as peers, null as held_back, null as queue_waits`} from ti`.execute(db);
  const first = res.rows[0];
  return { states: new Map(res.rows.map((r) => [r.id, r.state])), peers: parsePeers(first?.peers ?? null), heldBack: first?.held_back ?? null, queueWaits: first?.queue_waits === true };
}

/**
 * Gathers the ends a worker's tries reach in the same moment into one statement, as ClaimBatcher does for claims:
 * a wave of tasks that were claimed together and end together costs one round trip; a lone end waits only for the
 * end of the current event-loop turn. Follow-ons the tries ask for are read by that statement and claimed by a
 * second one. A fault in the follow-on part never costs an end: the ends are then recorded without it, and the
 * scheduler starts what is ready.
 */
export class FinishBatcher {
  private readonly batcher: MomentBatcher<FinishTry, Finished>;

  /** `queues`: the worker's; `yieldAfterMs`: see WorkerOptions.followOnYieldMs. */
  constructor(db: Kysely<Database>, who: Claimant, opts: { queues: readonly string[]; yieldAfterMs: number; onFollowOnError?: (err: unknown) => void }) {
    const onFollowOnError = opts.onFollowOnError ?? (() => {});
    this.batcher = new MomentBatcher(async (tries) => {
      const now = new Date();
      const asks = tries.flatMap((f) => f.followOn && f.followOn.candidates.length > 0 ? [{ ...f.followOn, tiId: f.tiId }] : []);
      let done: Awaited<ReturnType<typeof finishTries>>;
      let next = new Map<string, Claimed>();
      try {
        done = await finishTries(db, tries, now, { asks, queues: opts.queues, yieldAfterMs: opts.yieldAfterMs });
      } catch (err) {
        if (asks.length === 0) throw err;
        onFollowOnError(err);
        done = await finishTries(db, tries, now);
      }
      const { states, peers, heldBack, queueWaits } = done;
      const chosen = queueWaits ? [] : chooseFollowOns(asks.filter((a) => FINISHED_TI_STATES.has(states.get(a.tiId) ?? null)), peers, heldBack, states, now);
      if (chosen.length > 0) {
        try {
          const claimed = await claimTries(db, chosen, who, now, 'none');
          const byId = new Map(claimed.map((c) => [c.ti.id, c]));
          for (const c of chosen) { const got = byId.get(c.tiId); if (got) next.set(c.endedTiId, got); }
        } catch (err) {
          onFollowOnError(err);
          next = new Map();
        }
      }
      return (f) => ({ state: states.get(f.tiId) ?? null, next: next.get(f.tiId) ?? null });
    }, setImmediate);
  }

  finish(f: FinishTry): Promise<Finished> { return this.batcher.add(f); }
}
