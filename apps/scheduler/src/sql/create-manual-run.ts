/**
 * Creates a manual (triggered) DAG run in state `queued` for a DAG known by its id (the CLI's `dags test`, tests):
 * reads the DAG's timetable, then metastore's insertManualRun. A clash of run ids is RUN_EXISTS. Returns the run.
 */
import { sql, type Kysely } from 'kysely';
import { insertManualRun, type Database } from '@windsock/metastore';
import { generateRunId, type TimetableDag } from '@windsock/dag-model';
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
  const row = await insertManualRun(db, {
    dagId: req.dagId, dagHash: ser.dag_hash, timetable: ser.timetable, logicalDate: logical, runId: req.runId,
    conf: req.conf, note: req.note, triggeredBy: req.triggeredBy ?? 'rest_api',
  }, now);
  if (!row) throw new SchedulerError('RUN_EXISTS', `DAGRun with DAG ID: '${req.dagId}' and DAGRun ID: '${req.runId ?? generateRunId('manual', logical)}' already exists`);
  return row;
}
