/**
 * Follow-on: what a worker may start itself when one of its tries ends, in the slot that try frees, without a
 * scheduling pass (Airflow's [scheduler] schedule_after_task_execution, taken one step further: Airflow's
 * "mini scheduler" only moves the next task instances to `scheduled`).
 *
 * Only a downstream task whose start changes no limit the scheduler enforces qualifies, so that the scheduler's
 * accounting holds without its locks: it takes the ended try's pool slots (same pool, no more slots), its place
 * under the DAG's max_active_tasks and [core] parallelism (same DAG, one for one), and it has no limit of its own
 * (max_active_tis_per_dag / per_dagrun) and no dependency outside its run (depends_on_past, wait_for_downstream).
 * Everything else is left to the scheduler, as are forced states (upstream_failed, skipped), retries and the
 * run's end. Pure: the worker's database layer reads the states and applies the choice with a guarded update.
 */
import type { SerializedTask } from './serialized.ts';
import type { TiStateOrNone } from './states.ts';
import { evaluateTriggerRule, summarizeUpstream } from './trigger-rules.ts';

export interface FollowOnSlot {
  /** The ended try's pool and pool_slots: what it frees. */
  pool: string;
  poolSlots: number;
  /** The named queues the worker takes tasks from. */
  queues: readonly string[];
}

/**
 * The ended task's direct downstream tasks that could run in its slot, highest priority first (ties in
 * `downstream_task_ids` order: the sort is stable); which of them is ready depends on its upstream states
 * (followOnChoice). Runs at every end, so it reads only the ended task's downstream list, never the whole DAG.
 */
export function followOnCandidates(tasks: ReadonlyMap<string, SerializedTask>, endedTaskId: string, slot: FollowOnSlot,
  weights: ReadonlyMap<string, number>): SerializedTask[] {
  const ended = tasks.get(endedTaskId);
  // Mapped tasks go through the scheduler: one instance's end says nothing of its siblings, and a mapped
  // downstream must be expanded first.
  if (!ended || ended.expand_input) return [];
  const out: SerializedTask[] = [];
  for (const id of ended.downstream_task_ids) {
    const t = tasks.get(id);
    if (!t) continue;
    if (t.depends_on_past || t.wait_for_downstream) continue;
    if (t.expand_input || t.upstream_task_ids.some((u) => tasks.get(u)?.expand_input)) continue;
    if (t.max_active_tis_per_dag !== null || t.max_active_tis_per_dagrun !== null) continue;
    if (t.pool !== slot.pool || t.pool_slots > slot.poolSlots) continue;
    if (!slot.queues.includes(t.queue)) continue;
    out.push(t);
  }
  const weight = (t: SerializedTask) => weights.get(t.task_id) ?? t.priority_weight;
  return out.sort((a, b) => weight(b) - weight(a));
}

/**
 * The first candidate that has no task instance state yet (`none`) and whose trigger rule is met by its direct
 * upstream states now, or null. `state` gives the run's task instance states by task id (a task without one is
 * `none`); the ended task's own new state must already be in it.
 */
export function followOnChoice(candidates: readonly SerializedTask[], state: (taskId: string) => TiStateOrNone | undefined): SerializedTask | null {
  for (const t of candidates) {
    if (state(t.task_id) !== null) continue; // no row (undefined): the scheduler has not made it yet
    const up = summarizeUpstream(t.upstream_task_ids.map((id) => state(id) ?? null));
    if (evaluateTriggerRule(t.trigger_rule, up).kind === 'ready') return t;
  }
  return null;
}
