/** Task instance lists and tries, shared by /api/v1 and /api/v2: each row with its run's logical_date and run_after. */
import type { TaskInstanceTable } from '@windsock/metastore';
import type { Order, Page } from '../http/paging.ts';
import { pageOf } from '../http/list.ts';
import type { WebDb } from '../types.ts';

export const TI_ORDER: Record<string, string> = {
  id: 'ti.id', task_id: 'ti.task_id', map_index: 'ti.map_index', state: 'ti.state', start_date: 'ti.start_date',
  end_date: 'ti.end_date', duration: 'ti.duration', try_number: 'ti.try_number', pool: 'ti.pool', queue: 'ti.queue',
  priority_weight: 'ti.priority_weight', dag_id: 'ti.dag_id', run_id: 'ti.run_id', logical_date: 'r.logical_date',
  run_after: 'r.run_after', operator: 'ti.operator',
};

type TiState = NonNullable<TaskInstanceTable['state']>;

export interface TiFilter {
  /** `~`: every DAG. */
  dagId: string;
  /** `~`: every run. */
  runId: string;
  taskId?: string;
  /** `none` or `no_status` matches task instances without a state. */
  states?: string[];
  pools?: string[];
  queues?: string[];
  tryNumbers?: number[];
  mapIndexes?: number[];
  /** Only the expanded instances of a mapped task (map_index >= 0). */
  mapped?: boolean;
}

export function listTis(db: WebDb, f: TiFilter, pg: Page, order: Order[]) {
  let q = db.selectFrom('task_instance as ti').innerJoin('dag_run as r', 'r.id', 'ti.dag_run_id');
  if (f.dagId !== '~') q = q.where('ti.dag_id', '=', f.dagId);
  if (f.runId !== '~') q = q.where('ti.run_id', '=', f.runId);
  if (f.taskId) q = q.where('ti.task_id', '=', f.taskId);
  if (f.states?.length) {
    const named = f.states.filter((s) => s !== 'no_status' && s !== 'none') as TiState[];
    const orNull = named.length < f.states.length;
    q = q.where((eb) => eb.or([eb('ti.state', 'in', named.length ? named : ['\u0000' as TiState]), ...(orNull ? [eb('ti.state', 'is', null)] : [])]));
  }
  if (f.pools?.length) q = q.where('ti.pool', 'in', f.pools);
  if (f.queues?.length) q = q.where('ti.queue', 'in', f.queues);
  if (f.tryNumbers?.length) q = q.where('ti.try_number', 'in', f.tryNumbers);
  if (f.mapIndexes?.length) q = q.where('ti.map_index', 'in', f.mapIndexes);
  if (f.mapped) q = q.where('ti.map_index', '>=', 0);
  return pageOf(q, (b) => b.selectAll('ti').select(['r.logical_date as run_logical_date', 'r.run_after as run_run_after']), pg, order);
}

/** A task instance's finished tries, oldest first. */
export function tiTries(db: WebDb, tiId: string) {
  return db.selectFrom('task_instance_history').selectAll().where('task_instance_id', '=', tiId).orderBy('try_number').execute();
}

export function tiTry(db: WebDb, tiId: string, tryNumber: number) {
  return db.selectFrom('task_instance_history').selectAll().where('task_instance_id', '=', tiId).where('try_number', '=', tryNumber).executeTakeFirst();
}

/** A run's task instances by task_id, only the failed and upstream_failed ones with `onlyFailed`. */
export function tisOfRun(db: WebDb, dagRunId: number, onlyFailed: boolean) {
  return db.selectFrom('task_instance').selectAll().where('dag_run_id', '=', dagRunId)
    .$if(onlyFailed, (q) => q.where('state', 'in', ['failed', 'upstream_failed'])).orderBy('task_id').execute();
}

/** The task instances of `tasks` in `runs` whose state is not already `notIn` (what marking them would change). */
export function tisToMark(db: WebDb, runs: number[], tasks: string[], notIn: string) {
  return db.selectFrom('task_instance').selectAll().where('dag_run_id', 'in', runs).where('task_id', 'in', tasks)
    .where('state', 'is distinct from', notIn as TiState).orderBy('task_id').execute();
}

export function tisByIds(db: WebDb, ids: string[]) {
  return db.selectFrom('task_instance').selectAll().where('id', 'in', ids).orderBy('task_id').execute();
}

export interface ClearFilter {
  dagId: string;
  runIds: number[] | null;
  tasks: string[] | null;
  logicalFrom: Date | null;
  logicalTo: Date | null;
  onlyFailed: boolean;
  onlyRunning: boolean;
}

/** What clearTaskInstances would clear, each with its run's logical_date and run_after. */
export function tisToClear(db: WebDb, f: ClearFilter) {
  return db.selectFrom('task_instance as ti').innerJoin('dag_run as r', 'r.id', 'ti.dag_run_id').selectAll('ti')
    .select(['r.logical_date as run_logical_date', 'r.run_after as run_run_after']).where('ti.dag_id', '=', f.dagId)
    .$if(f.runIds !== null, (q) => q.where('ti.dag_run_id', 'in', f.runIds!))
    .$if(f.tasks !== null, (q) => q.where('ti.task_id', 'in', f.tasks!.length ? f.tasks! : ['\u0000']))
    .$if(f.logicalFrom !== null, (q) => q.where('r.logical_date', '>=', f.logicalFrom!))
    .$if(f.logicalTo !== null, (q) => q.where('r.logical_date', '<=', f.logicalTo!))
    .$if(f.onlyFailed, (q) => q.where('ti.state', 'in', ['failed', 'upstream_failed']))
    .$if(f.onlyRunning, (q) => q.where('ti.state', '=', 'running'))
    .orderBy('ti.task_id').execute();
}
