/**
 * Follow-on ([scheduler] schedule_after_task_execution): in the transaction that records a try's end, the worker
 * starts one downstream task instance that is ready now, in the slot the ended try frees (see
 * `@windsock/dag-model` follow-on.ts for which tasks qualify). A chain then costs one transaction per task rather
 * than an end, a scheduling pass and a claim.
 * Guards, besides the ones the candidates already passed:
 *  - the run is running, its DAG is not paused, and its dagrun_timeout has not passed;
 *  - the pool has no task instance waiting in `scheduled` (the scheduler holds those back for a limit): the
 *    freed slot then goes through the scheduler, by priority, instead of to the chain that held it;
 *  - the task instance's own pool, slots and queue (what the scheduler counts) match the freed slot;
 *  - the claim itself is guarded on `state is null` and the try number read, so a scheduling pass that
 *    scheduled the same task instance meanwhile wins and the worker starts nothing.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '@windsock/metastore';
import { followOnChoice, type FollowOnSlot, type SerializedTask, type TiStateOrNone } from '@windsock/dag-model';
import { claimTries, type Claimant, type Claimed } from './claim-try.ts';

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

/** Runs in the caller's transaction, after the ends are recorded. Returns the started task instance per ended one. */
export async function startFollowOns(db: Kysely<Database>, asks: readonly FollowOnAsk[], who: Claimant, now: Date): Promise<Map<string, Claimed>> {
  const started = new Map<string, Claimed>();
  if (asks.length === 0) return started;
  const taskIds = new Set<string>();
  for (const a of asks) for (const c of a.candidates) { taskIds.add(c.task_id); for (const u of c.upstream_task_ids) taskIds.add(u); }
  const pools = [...new Set(asks.map((a) => a.slot.pool))];
  const rows = await db.selectFrom('task_instance as ti').innerJoin('dag_run as dr', 'dr.id', 'ti.dag_run_id').innerJoin('dag as d', 'd.dag_id', 'ti.dag_id')
    .select(['ti.id', 'ti.dag_run_id', 'ti.task_id', 'ti.state', 'ti.try_number', 'ti.pool', 'ti.pool_slots', 'ti.queue',
      'dr.state as run_state', 'dr.start_date as run_start', 'd.is_paused'])
    .select(sql<string[] | null>`(select array_agg(distinct w.pool) from task_instance w where w.state = 'scheduled' and w.pool = any(${sql.val(pools)}::text[]))`.as('waiting'))
    .where('ti.dag_run_id', 'in', [...new Set(asks.map((a) => a.dagRunId))]).where('ti.task_id', 'in', [...taskIds]).where('ti.map_index', '=', -1)
    .execute();
  const waiting = new Set(rows[0]?.waiting ?? []);
  const byRun = new Map<number, Map<string, (typeof rows)[number]>>();
  for (const r of rows) (byRun.get(r.dag_run_id) ?? byRun.set(r.dag_run_id, new Map()).get(r.dag_run_id)!).set(r.task_id, r);

  const chosen: { endedTiId: string; row: (typeof rows)[number] }[] = [];
  for (const a of asks) {
    const tis = byRun.get(a.dagRunId);
    const any = tis?.values().next().value;
    if (!tis || !any || any.run_state !== 'running' || any.is_paused || waiting.has(a.slot.pool)) continue;
    if (a.dagrunTimeoutS !== null && (!any.run_start || any.run_start.getTime() + a.dagrunTimeoutS * 1000 <= now.getTime())) continue;
    const fits = (r: (typeof rows)[number]) => r.pool === a.slot.pool && r.pool_slots <= a.slot.poolSlots && a.slot.queues.includes(r.queue);
    const pick = followOnChoice(a.candidates.filter((c) => { const r = tis.get(c.task_id); return r !== undefined && fits(r); }),
      (id): TiStateOrNone | undefined => tis.get(id)?.state);
    if (!pick) continue;
    const row = tis.get(pick.task_id)!;
    row.state = 'running'; // taken: another end in this batch (a fan-in) must not pick it again
    chosen.push({ endedTiId: a.tiId, row });
  }
  if (chosen.length === 0) return started;
  const claimed = await claimTries(db, chosen.map((c) => ({ tiId: c.row.id, tryNumber: c.row.try_number })), who, now, 'none');
  const byId = new Map(claimed.map((c) => [c.ti.id, c]));
  for (const c of chosen) { const got = byId.get(c.row.id); if (got) started.set(c.endedTiId, got); }
  return started;
}
