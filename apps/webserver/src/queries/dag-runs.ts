/** The DAG run list with Airflow's filters, shared by /api/v1 and /api/v2. */
import { sql } from 'kysely';
import type { DagRunTable } from '@windsock/metastore';
import type { Order, Page } from '../http/paging.ts';
import { pageOf } from '../http/list.ts';
import type { WebDb } from '../types.ts';

export const RUN_ORDER: Record<string, string> = {
  id: 'id', state: 'state', dag_id: 'dag_id', run_id: 'run_id', dag_run_id: 'run_id', logical_date: 'logical_date',
  run_after: 'run_after', start_date: 'start_date', end_date: 'end_date', updated_at: 'updated_at', run_type: 'run_type',
  conf: 'conf', data_interval_start: 'data_interval_start', data_interval_end: 'data_interval_end',
};

const OPS = { gte: '>=', gt: '>', lte: '<=', lt: '<' } as const;
/** A date column bound, as the v2 list takes it: `logical_date_gte` and friends. */
export interface DateBound { column: string; op: keyof typeof OPS; value: Date }

export interface RunFilter {
  /** `~` or absent: every DAG. */
  dagId?: string;
  states?: string[];
  runTypes?: string[];
  runIdPattern?: string;
  bounds?: DateBound[];
}

export function listRuns(db: WebDb, f: RunFilter, pg: Page, order: Order[]) {
  let q = db.selectFrom('dag_run');
  if (f.dagId !== undefined && f.dagId !== '~') q = q.where('dag_id', '=', f.dagId);
  for (const b of f.bounds ?? []) q = q.where(sql.ref(b.column), OPS[b.op], b.value);
  if (f.states?.length) q = q.where('state', 'in', f.states as DagRunTable['state'][]);
  if (f.runTypes?.length) q = q.where('run_type', 'in', f.runTypes as DagRunTable['run_type'][]);
  if (f.runIdPattern !== undefined) q = q.where('run_id', 'ilike', `%${f.runIdPattern}%`);
  return pageOf(q, (b) => b.selectAll(), pg, order);
}

/** `logical_date_gte=…` style query keys as bounds; other keys are ignored. */
export function dateBounds(q: Record<string, unknown>): DateBound[] {
  const out: DateBound[] = [];
  for (const [k, v] of Object.entries(q)) {
    const m = /^(.*)_(gte|gt|lte|lt)$/.exec(k);
    if (m && typeof v === 'string') out.push({ column: m[1]!, op: m[2] as keyof typeof OPS, value: new Date(v) });
  }
  return out;
}
