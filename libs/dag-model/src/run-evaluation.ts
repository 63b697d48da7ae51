/**
 * The scheduling decision for one running DAG run: Airflow 2.10's DagRun.update_state and
 * _get_ready_tis, pure. The scheduler's database layer feeds it the run's task instances and
 * applies the answer with guarded updates (none → scheduled, up_for_retry → scheduled, none →
 * upstream_failed / skipped, run → success / failed).
 *
 * Differences from Airflow, all of them about *when*, not *what*:
 *  - Forced states cascade within one evaluation (tasks are visited in topological order, each
 *    seeing its upstreams' states as decided earlier in the same pass). Airflow reaches the same
 *    states over several scheduler loops.
 *  - The outcome is computed after applying this pass's decisions, so a run whose last tasks were
 *    just forced to upstream_failed finishes in the same pass.
 * Mapped tasks: a mapped task not yet expanded (its one task instance, map_index -1) is reported in `toExpand`
 * when its trigger rule holds, for the caller to expand from the upstream XComs; once expanded, each of its task
 * instances (map_index 0..N-1) is scheduled on its own and counted one by one in its downstream's trigger rules.
 * Not modelled: setup/teardown, sensors' reschedule table (an up_for_reschedule
 * task instance's `next_retry_at` is read as its reschedule date) and
 * wait_for_past_depends_before_skipping (off by default in Airflow).
 */
import { topologicalOrder } from './graph.ts';
import type { SerializedDag, SerializedTask } from './serialized.ts';
import type { TiStateOrNone } from './states.ts';
import { FAILED_TI_STATES, SUCCESS_TI_STATES, UNFINISHED_TI_STATES } from './states.ts';
import { evaluateTriggerRule, summarizeUpstream } from './trigger-rules.ts';

export interface TiView {
  task_id: string;
  state: TiStateOrNone;
  /** For up_for_retry: when the next try may start (Airflow's next_retry_datetime). */
  next_retry_at: Date | null;
  /** -1 (or absent) for an unmapped task instance; 0..N-1 for the expanded instances of a mapped task. */
  map_index?: number;
}

export interface RunEvaluationInput {
  dag: SerializedDag;
  /** This run's task instances, one per task. A task without one is treated as state none. */
  tis: TiView[];
  /**
   * The previous run's task instance states by task id, for depends_on_past; null when this is
   * the first run. Airflow's choice of "previous": with catchup, the latest earlier run (by
   * logical date) that is not manual; without catchup, the latest earlier run of any type.
   */
  previousRun: { tis: Map<string, TiStateOrNone> } | null;
  now: Date;
  /**
   * The `skipmixin_key` XComs of this run's branch / short-circuit tasks by task id (what they followed or
   * skipped), for Airflow's NotPreviouslySkippedDep: a task instance cleared after its branch skipped it is
   * skipped again rather than run.
   */
  skipMixin?: ReadonlyMap<string, SkipMixinRecord>;
}

/** Airflow's XCOM_SKIPMIXIN_KEY value: {followed: [...]} from a branch, {skipped: [...]} from a short circuit. */
export interface SkipMixinRecord { followed?: string[]; skipped?: string[] }

/** NotPreviouslySkippedDep: whether a direct upstream branch / short circuit that succeeded skipped this task. */
function previouslySkipped(task: SerializedTask, state: ReadonlyMap<string, TiStateOrNone>, skipMixin: RunEvaluationInput['skipMixin']): boolean {
  if (!skipMixin || skipMixin.size === 0) return false;
  for (const up of task.upstream_task_ids) {
    const m = skipMixin.get(up);
    if (!m || state.get(up) !== 'success') continue;
    if (Array.isArray(m.followed) && !m.followed.includes(task.task_id)) return true;
    if (Array.isArray(m.skipped) && m.skipped.includes(task.task_id)) return true;
  }
  return false;
}

export interface RunEvaluation {
  /** Task ids to move to scheduled: from none, or from up_for_retry / up_for_reschedule once due. */
  toSchedule: string[];
  /** Expanded task instances of mapped tasks to move to scheduled, by (task id, map_index). */
  toScheduleMapped: { task_id: string; map_index: number }[];
  /** Mapped tasks whose upstreams allow them to run: to expand (their map_index -1 instance stands for them). */
  toExpand: string[];
  /** Task instances the trigger rules force, in topological order. */
  toForce: { task_id: string; state: 'upstream_failed' | 'skipped'; /** An expanded mapped instance. */ map_index?: number }[];
  /**
   * running, or the run's final state: when no task instance is unfinished, failed if any leaf
   * is upstream_failed / failed, else success; failed on a deadlock.
   */
  outcome: 'running' | 'success' | 'failed';
  /** Unfinished task instances remain, none is active and none can ever become schedulable. */
  deadlocked: boolean;
}

/** States from which the scheduler may schedule a task instance (Airflow's SCHEDULEABLE_STATES). */
const SCHEDULABLE: ReadonlySet<TiStateOrNone> = new Set<TiStateOrNone>([null, 'up_for_retry', 'up_for_reschedule']);

/** Airflow's NotInRetryPeriodDep (strictly after) and ReadyToRescheduleDep (at or after). */
function waitIsOver(state: TiStateOrNone, nextAt: Date | null, now: Date): boolean {
  if (nextAt === null) return true;
  if (state === 'up_for_retry') return nextAt.getTime() < now.getTime();
  if (state === 'up_for_reschedule') return nextAt.getTime() <= now.getTime();
  return true;
}

/** Airflow's PrevDagrunDep: the same task succeeded or was skipped in the previous run, and with
 * wait_for_downstream, so did the previous run's task instances of its direct downstream tasks. */
function pastDependsMet(task: SerializedTask, downstream: readonly string[], previousRun: RunEvaluationInput['previousRun']): boolean {
  if (!task.depends_on_past && !task.wait_for_downstream) return true;
  if (previousRun === null) return true;
  if (!previousRun.tis.has(task.task_id)) return false;
  if (!SUCCESS_TI_STATES.has(previousRun.tis.get(task.task_id)!)) return false;
  if (task.wait_for_downstream) {
    for (const id of downstream) {
      // Only task instances that exist in the previous run count, as in Airflow's query.
      if (previousRun.tis.has(id) && !SUCCESS_TI_STATES.has(previousRun.tis.get(id)!)) return false;
    }
  }
  return true;
}

/** What evaluateRun derives from a DAG's structure alone, kept per DAG object (serialized DAGs are not mutated). */
const shapes = new WeakMap<RunEvaluationInput['dag'], { tasks: Map<string, SerializedTask>; downstream: Map<string, string[]>; order: string[] }>();

function shapeOf(dag: RunEvaluationInput['dag']) {
  let shape = shapes.get(dag);
  if (!shape) {
    const tasks = new Map(dag.tasks.map((t) => [t.task_id, t]));
    const downstream = new Map<string, string[]>(dag.tasks.map((t) => [t.task_id, []]));
    for (const t of dag.tasks) for (const up of t.upstream_task_ids) downstream.get(up)?.push(t.task_id);
    shape = { tasks, downstream, order: topologicalOrder(dag) };
    shapes.set(dag, shape);
  }
  return shape;
}

export function evaluateRun(input: RunEvaluationInput): RunEvaluation {
  const { dag, previousRun, now } = input;
  const { tasks, downstream, order } = shapeOf(dag);

  // Task instances of tasks no longer in the DAG are ignored (Airflow marks them removed).
  const state = new Map<string, TiStateOrNone>(dag.tasks.map((t) => [t.task_id, null]));
  const nextAt = new Map<string, Date | null>();
  /** The task instances of expanded mapped tasks, by task id. */
  const mapped = new Map<string, TiView[]>();
  for (const ti of input.tis) {
    if (!tasks.has(ti.task_id)) continue;
    if ((ti.map_index ?? -1) >= 0) {
      (mapped.get(ti.task_id) ?? mapped.set(ti.task_id, []).get(ti.task_id)!).push(ti);
      continue;
    }
    state.set(ti.task_id, ti.state);
    nextAt.set(ti.task_id, ti.next_retry_at);
  }
  // The states a task counts with: each expanded instance, else its one task instance.
  const statesOf = (id: string): TiStateOrNone[] => mapped.get(id)?.map((t) => t.state) ?? [state.get(id) ?? null];
  for (const [id, tis] of mapped) state.set(id, aggregate(tis.map((t) => t.state)));

  const toSchedule: string[] = [];
  const toScheduleMapped: RunEvaluation['toScheduleMapped'] = [];
  const toExpand: string[] = [];
  const toForce: RunEvaluation['toForce'] = [];
  const summarize = (task: SerializedTask) => summarizeUpstream(task.upstream_task_ids.flatMap(statesOf));

  for (const id of order) {
    const expanded = mapped.get(id);
    if (expanded) {
      // Each instance runs (and retries) on its own, once the upstreams allow (they may have been cleared since
      // the expansion); upstreams that failed force the instances that have not run.
      if (!expanded.some((ti) => SCHEDULABLE.has(ti.state))) continue;
      const decision = evaluateTriggerRule(tasks.get(id)!.trigger_rule, summarize(tasks.get(id)!));
      if (decision.kind === 'wait') continue;
      const after = expanded.map((ti) => {
        if (!SCHEDULABLE.has(ti.state)) return ti.state;
        if (decision.kind === 'set') {
          if (ti.state !== null) return ti.state;
          toForce.push({ task_id: id, state: decision.state, map_index: ti.map_index! });
          return decision.state;
        }
        if (!waitIsOver(ti.state, ti.next_retry_at, now)) return ti.state;
        toScheduleMapped.push({ task_id: id, map_index: ti.map_index! });
        return 'scheduled';
      });
      mapped.set(id, expanded.map((ti, i) => ({ ...ti, state: after[i]! })));
      state.set(id, aggregate(after));
      continue;
    }
    const current = state.get(id)!;
    if (!SCHEDULABLE.has(current)) continue;
    const task = tasks.get(id)!;
    if (current === null && previouslySkipped(task, state, input.skipMixin)) {
      state.set(id, 'skipped');
      toForce.push({ task_id: id, state: 'skipped' });
      continue;
    }
    const decision = evaluateTriggerRule(task.trigger_rule, summarize(task));
    if (decision.kind === 'set') {
      state.set(id, decision.state);
      toForce.push({ task_id: id, state: decision.state });
      continue;
    }
    if (decision.kind === 'wait') continue;
    if (!waitIsOver(current, nextAt.get(id) ?? null, now)) continue;
    if (!pastDependsMet(task, downstream.get(id)!, previousRun)) continue;
    state.set(id, 'scheduled');
    if (task.expand_input && current === null) toExpand.push(id);
    else toSchedule.push(id);
  }

  const unfinished = dag.tasks.filter((t) => statesOf(t.task_id).some((s) => UNFINISHED_TI_STATES.has(s)));
  const leaves = dag.tasks.filter((t) => downstream.get(t.task_id)!.length === 0 && state.get(t.task_id) !== 'removed');
  const base = { toSchedule, toScheduleMapped, toExpand, toForce };
  if (unfinished.length === 0) {
    const failed = leaves.some((t) => statesOf(t.task_id).some((s) => FAILED_TI_STATES.has(s)));
    return { ...base, outcome: failed ? 'failed' : 'success', deadlocked: false };
  }

  // Airflow only looks for a deadlock when no unfinished task could be waiting on something
  // outside this run: another run (depends_on_past), a concurrency limit, or a trigger.
  const mayDeadlock = unfinished.every((t) => !t.depends_on_past && !t.wait_for_downstream
    && t.max_active_tis_per_dag === null && t.max_active_tis_per_dagrun === null && state.get(t.task_id) !== 'deferred');
  // Anything still schedulable after this pass is waiting on its retry / reschedule time or on
  // its trigger rule; in the latter case it can never run, since nothing upstream is in flight.
  const canProgress = unfinished.some((t) => {
    if (mapped.has(t.task_id)) return true; // expanded: its instances are in flight or schedulable
    const s = state.get(t.task_id)!;
    if (!SCHEDULABLE.has(s)) return true; // scheduled, queued, running, restarting: in flight
    return evaluateTriggerRule(t.trigger_rule, summarize(t)).kind === 'ready';
  });
  const deadlocked = mayDeadlock && !canProgress;
  return { ...base, outcome: deadlocked ? 'failed' : 'running', deadlocked };
}

/** One state for an expanded task (for NotPreviouslySkipped and `removed` checks): unfinished while any instance is. */
function aggregate(states: TiStateOrNone[]): TiStateOrNone {
  const unfinished = states.find((s) => UNFINISHED_TI_STATES.has(s));
  if (unfinished !== undefined) return unfinished;
  if (states.some((s) => s === 'failed' || s === 'upstream_failed')) return 'failed';
  if (states.length > 0 && states.every((s) => s === 'skipped')) return 'skipped';
  return 'success';
}
