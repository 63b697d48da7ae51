/**
 * Follow-on ([scheduler] schedule_after_task_execution): when a try ends, its worker starts one downstream task
 * instance that is ready now, in the slot the ended try frees (see `@windsock/dag-model` follow-on.ts for which
 * tasks qualify). A chain then costs two statements per task (the end, which also reads what the follow-on needs,
 * and the follow-on's claim) rather than an end, a scheduling pass and a claim.
 * Guards, besides the ones the candidates already passed:
 *  - the run is running, its DAG is not paused, and its dagrun_timeout has not passed;
 *  - no task instance of a higher priority_weight waits in `scheduled` (held back by a limit): the freed place then
 *    goes through the scheduler, by priority, instead of to the chain that held it (priority is what Airflow
 *    promises when "things get backed up"; among equal priorities the scheduler's further order, by run, is not
 *    kept). Waiting task instances of every pool count, since a freed place under [core] parallelism is anyone's
 *    (conservative: one held back by its own full pool would not take it);
 *  - no task instance has waited in `queued` in the worker's queues for longer than a set time (the workers are
 *    saturated): a chain then gives its slot back to the queue after each task, so long chains cannot hold every
 *    slot while other tasks wait for one (and run into task_queued_timeout);
 *  - the task instance's own pool, slots and queue (what the scheduler counts) match the freed slot;
 *  - the claim is guarded on `state is null` and the try number read, so a scheduling pass that scheduled the same
 *    task instance meanwhile wins and the worker starts nothing.
 */
import { sql, type RawBuilder } from 'kysely';
import { followOnChoice, type FollowOnSlot, type SerializedTask, type TiStateOrNone } from '@windsock/dag-model';

export interface FollowOnAsk {
  /** The ended try's task instance. */
  tiId: string;
  dagRunId: number;
  /** What the ended try frees. */
  slot: FollowOnSlot;
  /** From followOnCandidates: the downstream tasks that could run in the slot, in order of preference. */
  candidates: readonly SerializedTask[];
  dagrunTimeoutS: number | null;
}

/** A task instance of an asking run that is running and whose DAG is not paused, as the end's statement read it. */
export interface Peer {
  id: string; dag_run_id: number; task_id: string; state: TiStateOrNone; try_number: number; pool: string; pool_slots: number;
  queue: string; priority_weight: number; run_start_ms: number | null;
}

/**
 * The query (a scalar subquery of the end's statement) reading the task instances the asks need — each candidate
 * and its upstream tasks — of those runs that are running and whose DAG is not paused. It sees the states from
 * before the end's own update. One text value (fields split by U+001F, rows by U+001E; see parsePeers), which is
 * several times cheaper to build and read than JSON, on PGlite above all.
 */
export function peersQuery(asks: readonly Pick<FollowOnAsk, 'dagRunId' | 'candidates'>[]): RawBuilder<string | null> {
  const taskIds = new Set<string>();
  for (const a of asks) for (const c of a.candidates) { taskIds.add(c.task_id); for (const u of c.upstream_task_ids) taskIds.add(u); }
  return sql<string | null>`(select string_agg(concat_ws(chr(31), p.id, p.dag_run_id, p.task_id, coalesce(p.state, ''), p.try_number, p.pool,
      p.pool_slots, p.queue, p.priority_weight, coalesce((extract(epoch from dr.start_date) * 1000)::bigint::text, '')), chr(30))
    from task_instance p join dag_run dr on dr.id = p.dag_run_id and dr.state = 'running'
    where p.dag_run_id = any(${sql.val([...new Set(asks.map((a) => a.dagRunId))])}::int[])
      and p.task_id = any(${sql.val([...taskIds])}::text[]) and p.map_index = -1
      and not exists (select 1 from dag d where d.dag_id = p.dag_id and d.is_paused))`;
}

export function parsePeers(text: string | null): Peer[] {
  if (!text) return [];
  return text.split('\x1e').map((rec) => {
    const [id, run, taskId, state, tryNumber, pool, slots, queue, priority, runStart] = rec.split('\x1f') as string[] as [string, string, string, string, string, string, string, string, string, string];
    return {
      id, dag_run_id: Number(run), task_id: taskId, state: (state || null) as TiStateOrNone, try_number: Number(tryNumber), pool,
      pool_slots: Number(slots), queue, priority_weight: Number(priority), run_start_ms: runStart === '' ? null : Number(runStart),
    };
  });
}

/**
 * The highest priority_weight of the task instances the scheduler holds back in `scheduled` (null: none): one probe
 * of the partial index ti_scheduled_priority_idx. Runs that end take their scheduled task instances with them
 * (the scheduler and the API finish them), so every scheduled row belongs to a running run.
 */
export const HELD_BACK_PRIORITY = sql<number | null>`(select max(w.priority_weight) from task_instance w where w.state = 'scheduled')`;

/** Whether a task instance in one of `queues` has been queued since before `cutoff` (queued ones are few: at most [core] parallelism). */
export function queuedSince(queues: readonly string[], cutoff: Date): RawBuilder<boolean> {
  return sql<boolean>`exists (select 1 from task_instance q where q.state = 'queued' and q.queue = any(${sql.val([...queues])}::text[]) and q.queued_dttm < ${cutoff})`;
}

/**
 * Which task instance each ask starts, if any: pure, from the peers read with the ends and the ends' own new
 * states (`heldBack`: HELD_BACK_PRIORITY). A task instance two ends of the batch make ready (a fan-in) is chosen once.
 */
export function chooseFollowOns(asks: readonly FollowOnAsk[], peers: readonly Peer[], heldBack: number | null, ended: ReadonlyMap<string, TiStateOrNone>, now: Date): { endedTiId: string; tiId: string; tryNumber: number }[] {
  const byRun = new Map<number, Map<string, Peer>>();
  for (const p of peers) {
    const state = ended.has(p.id) ? ended.get(p.id)! : p.state;
    (byRun.get(p.dag_run_id) ?? byRun.set(p.dag_run_id, new Map()).get(p.dag_run_id)!).set(p.task_id, { ...p, state });
  }
  const waiting = higherWaiting(heldBack);
  const chosen: { endedTiId: string; tiId: string; tryNumber: number }[] = [];
  for (const a of asks) {
    const tis = byRun.get(a.dagRunId);
    const any = tis?.values().next().value;
    if (!tis || !any) continue; // the run is no longer running, or its DAG is paused
    if (a.dagrunTimeoutS !== null && (any.run_start_ms === null || any.run_start_ms + a.dagrunTimeoutS * 1000 <= now.getTime())) continue;
    const fits = (p: Peer) => p.pool === a.slot.pool && p.pool_slots <= a.slot.poolSlots && a.slot.queues.includes(p.queue)
      && !waiting(p.priority_weight);
    const pick = followOnChoice(a.candidates.filter((c) => { const p = tis.get(c.task_id); return p !== undefined && fits(p); }), (id) => tis.get(id)?.state);
    if (!pick) continue;
    const p = tis.get(pick.task_id)!;
    p.state = 'running'; // taken: another end in this batch (a fan-in) must not pick it again
    chosen.push({ endedTiId: a.tiId, tiId: p.id, tryNumber: p.try_number });
  }
  return chosen;
}

/**
 * Whether a task instance held back in `scheduled` has a higher priority than `priority`. `first` is the highest
 * priority held back, or null when none waits.
 */
export function higherWaiting(first: number | null): (priority: number) => boolean {
  return (priority) => first !== null && first > priority;
}
