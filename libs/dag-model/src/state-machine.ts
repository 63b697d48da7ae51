/**
 * The state machines of task instances and DAG runs (airflow-semantics.md §2.2): one table each of
 * the transitions Windsock may make. Every guarded state change in the metastore should be one of
 * these; anything else is a bug or a race the caller lost.
 *
 * Besides the scheduler's and the worker's own moves, both tables contain what users may do from
 * any state, as Airflow lets them:
 *  - clear: task instance → none (a running one goes to `restarting` instead, so its worker stops it
 *    and it becomes eligible for retry); DAG run → queued;
 *  - mark success / failed (and, for a task instance, skipped: the API's UpdateTaskState);
 *  - `removed` when the task vanished from the DAG; none again when it comes back.
 */
import { InvalidTransitionError } from './errors.ts';
import type { DagRunState, TiState, TiStateOrNone } from './states.ts';
import { DAG_RUN_STATES, TI_STATES } from './states.ts';

/** Table key of a task-instance state: `none` stands for null ("no status"). */
export type TiStateKey = TiState | 'none';

export function tiStateKey(state: TiStateOrNone): TiStateKey {
  return state === null ? 'none' : state;
}

// Destinations reachable from every state (except itself): users' clear / mark, and removal.
const FROM_ANY: readonly TiStateOrNone[] = [null, 'success', 'failed', 'skipped', 'removed'];

/**
 * The scheduler's, executor's and worker's own moves. FROM_ANY is added to each row below.
 *  - none → scheduled (deps met) | upstream_failed / skipped (forced by the trigger rule)
 *  - scheduled → queued (limits allowed it; on the queue)
 *  - queued → running (a worker claimed it) | scheduled (pod never launched, reset by the
 *    executor) | up_for_retry / failed (stuck in queued past task_queued_timeout, or the
 *    executor reported a failure)
 *  - running → up_for_retry / failed (task failed, or zombie) | up_for_reschedule (sensor) |
 *    deferred | restarting (cleared while running) | skipped / success (task result)
 *    | queued (its worker died and its pod runs on: handed over for another worker to adopt)
 *  - restarting → up_for_retry (the stopped try always gets another one)
 *  - up_for_retry, up_for_reschedule → scheduled (time reached) | upstream_failed (forced: they
 *    are schedulable states, so the trigger rule is evaluated for them too)
 *  - deferred → scheduled (trigger fired or timed out)
 */
const OWN_MOVES: Readonly<Record<TiStateKey, readonly TiState[]>> = {
  none: ['scheduled', 'upstream_failed'],
  scheduled: ['queued'],
  queued: ['running', 'scheduled', 'up_for_retry'],
  running: ['up_for_retry', 'up_for_reschedule', 'deferred', 'restarting', 'queued'],
  restarting: ['up_for_retry'],
  up_for_retry: ['scheduled', 'upstream_failed'],
  up_for_reschedule: ['scheduled', 'upstream_failed'],
  deferred: ['scheduled'],
  success: [],
  failed: [],
  skipped: [],
  upstream_failed: [],
  removed: [],
};

/** The one table of allowed task-instance transitions: from-state → allowed destinations. */
export const TI_TRANSITIONS: Readonly<Record<TiStateKey, ReadonlySet<TiStateOrNone>>> = buildTiTransitions();

function buildTiTransitions(): Record<TiStateKey, ReadonlySet<TiStateOrNone>> {
  const table = {} as Record<TiStateKey, ReadonlySet<TiStateOrNone>>;
  for (const from of ['none', ...TI_STATES] as const) {
    const to = new Set<TiStateOrNone>([...OWN_MOVES[from], ...FROM_ANY]);
    to.delete(from === 'none' ? null : from);
    table[from] = to;
  }
  return table;
}

/**
 * DAG runs: queued → running (max_active_runs allowed it); running → success / failed
 * (update_state, timeout); users mark success / failed and clear (→ queued) from any state.
 */
export const DAG_RUN_TRANSITIONS: Readonly<Record<DagRunState, ReadonlySet<DagRunState>>> = {
  queued: new Set(['running', 'success', 'failed']),
  running: new Set(['success', 'failed', 'queued']),
  success: new Set(['failed', 'queued']),
  failed: new Set(['success', 'queued']),
};

export function canTransitionTi(from: TiStateOrNone, to: TiStateOrNone): boolean {
  return TI_TRANSITIONS[tiStateKey(from)].has(to);
}

export function canTransitionDagRun(from: DagRunState, to: DagRunState): boolean {
  return DAG_RUN_TRANSITIONS[from].has(to);
}

/**
 * The states a task instance may move to `to` from, as the guard of a guarded update (`where state in …`);
 * `null` among them when "no status" is one.
 */
export function tiSourcesOf(to: TiStateOrNone): TiStateOrNone[] {
  return ([null, ...TI_STATES] as TiStateOrNone[]).filter((from) => canTransitionTi(from, to));
}

/** The states a DAG run may move to `to` from, as the guard of a guarded update. */
export function dagRunSourcesOf(to: DagRunState): DagRunState[] {
  return DAG_RUN_STATES.filter((from) => canTransitionDagRun(from, to));
}

export function assertTiTransition(from: TiStateOrNone, to: TiStateOrNone): void {
  if (!canTransitionTi(from, to)) throw new InvalidTransitionError('task_instance', from, to);
}

export function assertDagRunTransition(from: DagRunState, to: DagRunState): void {
  if (!canTransitionDagRun(from, to)) throw new InvalidTransitionError('dag_run', from, to);
}

/** The states a cleared task instance leaves for `restarting` rather than no status (its worker must stop it). */
export function restartedOnClear(): TiState[] {
  return TI_STATES.filter((s) => clearedTiState(s) === 'restarting');
}

/**
 * The state a task instance goes to when a user clears it: a running try is asked to stop and
 * retried (`restarting`); everything else goes back to none. (Airflow's clear_task_instances.)
 */
export function clearedTiState(from: TiStateOrNone): TiStateOrNone {
  const key = tiStateKey(from);
  switch (key) {
    case 'running':
      return 'restarting';
    case 'none':
    case 'scheduled':
    case 'queued':
    case 'restarting':
    case 'up_for_retry':
    case 'up_for_reschedule':
    case 'deferred':
    case 'success':
    case 'failed':
    case 'skipped':
    case 'upstream_failed':
    case 'removed':
      return null;
    default: {
      const unreachable: never = key;
      throw new Error(`unknown task instance state ${String(unreachable)}`);
    }
  }
}

/** Whether a DAG run in this state is finished (its end_date is set). */
export function isDagRunFinished(state: DagRunState): boolean {
  switch (state) {
    case 'success':
    case 'failed':
      return true;
    case 'queued':
    case 'running':
      return false;
    default: {
      const unreachable: never = state;
      throw new Error(`unknown DAG run state ${String(unreachable)}`);
    }
  }
}
