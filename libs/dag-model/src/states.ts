/**
 * Airflow's state names (airflow/utils/state.py). `null` is "no status": a task instance that
 * was created but not yet decided on.
 */
export const TI_STATES = [
  'removed', 'scheduled', 'queued', 'running', 'success', 'restarting', 'failed', 'up_for_retry',
  'up_for_reschedule', 'upstream_failed', 'skipped', 'deferred',
] as const;
export type TiState = (typeof TI_STATES)[number];
/** The state column of a task instance: a TiState or null ("no status"). */
export type TiStateOrNone = TiState | null;

export const DAG_RUN_STATES = ['queued', 'running', 'success', 'failed'] as const;
export type DagRunState = (typeof DAG_RUN_STATES)[number];

export const FINISHED_TI_STATES: ReadonlySet<TiStateOrNone> = new Set<TiStateOrNone>([
  'success', 'failed', 'skipped', 'upstream_failed', 'removed',
]);
export const UNFINISHED_TI_STATES: ReadonlySet<TiStateOrNone> = new Set<TiStateOrNone>([
  null, 'scheduled', 'queued', 'running', 'restarting', 'up_for_retry', 'up_for_reschedule', 'deferred',
]);
export const FAILED_TI_STATES: ReadonlySet<TiStateOrNone> = new Set<TiStateOrNone>(['failed', 'upstream_failed']);
export const SUCCESS_TI_STATES: ReadonlySet<TiStateOrNone> = new Set<TiStateOrNone>(['success', 'skipped']);

export type DagRunType = 'scheduled' | 'manual' | 'backfill' | 'asset_triggered';
