/**
 * Creates a manual (triggered) DAG run in state `queued`, as Airflow's trigger API does.
 * Guard: the unique (dag_id, run_id) constraint; a clash is RUN_EXISTS. Returns the new run.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '@windsock/metastore';
import { generateRunId, inferManualDataInterval, type TimetableDag } from '@windsock/dag-model';
import { SchedulerError } from '../errors.ts';

export interface ManualRunRequest {
  dagId: string;
  logicalDate?: Date | null;
  runId?: string | null;
  conf?: Record<string, unknown>;
  note?: string | null;
  triggeredBy?: string;
  now?: Date;
}

export async function createManualRun(db: Kysely<Database>, req: ManualRunRequest) {
  const now = req.now ?? new Date();
  // Only what the data interval needs, not the whole serialized DAG (megabytes for a DAG of thousands of tasks).
  const ser = await db.selectFrom('serialized_dag')
    .select(['dag_hash', sql<Pick<TimetableDag, 'schedule' | 'timezone'>>`jsonb_build_object('schedule', data->'schedule', 'timezone', data->'timezone')`.as('timetable')])
    .where('dag_id', '=', req.dagId).executeTakeFirst();
  if (!ser) throw new SchedulerError('DAG_NOT_FOUND', `DAG with dag_id: '${req.dagId}' not found`);
  const logical = req.logicalDate ?? now;
  const interval = inferManualDataInterval(ser.timetable, logical);
  const runId = req.runId ?? generateRunId('manual', logical);
  const row = await db.insertInto('dag_run').values({
    dag_id: req.dagId, run_id: runId, run_type: 'manual', state: 'queued', logical_date: logical,
    data_interval_start: interval.start, data_interval_end: interval.end, run_after: logical > now ? logical : now,
    queued_at: now, conf: JSON.stringify(req.conf ?? {}), external_trigger: true, note: req.note ?? null,
    dag_hash: ser.dag_hash, triggered_by: req.triggeredBy ?? 'rest_api',
  }).onConflict((oc) => oc.columns(['dag_id', 'run_id']).doNothing()).returningAll().executeTakeFirst();
  if (!row) throw new SchedulerError('RUN_EXISTS', `DAGRun with DAG ID: '${req.dagId}' and DAGRun ID: '${runId}' already exists`);
  return row;
}
