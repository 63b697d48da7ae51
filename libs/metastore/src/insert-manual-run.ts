/**
 * Inserts a manual (triggered) DAG run in state `queued`, as Airflow's trigger endpoint does; the scheduler
 * starts it. The one home of manual-run creation: the REST API (v1 and v2) and the CLI's `dags test` / `tasks
 * test` all come here.
 * Guard: the unique (dag_id, run_id) constraint; a clash inserts nothing. Returns the new run, or undefined when
 * a run with that id already exists (the caller names the error in its own terms).
 */
import type { Kysely } from 'kysely';
import { generateRunId, inferManualDataInterval, type TimetableDag } from '@windsock/dag-model';
import type { Database } from './schema.ts';

export interface ManualRun {
  dagId: string;
  dagHash: string;
  /** Only what the data interval needs (the whole serialized DAG also fits). */
  timetable: Pick<TimetableDag, 'schedule' | 'timezone'>;
  /** Null for a run without a logical date (Airflow 3). */
  logicalDate: Date | null;
  runId?: string | null;
  conf?: Record<string, unknown>;
  note?: string | null;
  /** Given by the caller, or inferred from the timetable at the logical date. */
  dataInterval?: { start: Date; end: Date } | null;
  runAfter?: Date | null;
  triggeredBy: string;
}

export function insertManualRun(db: Kysely<Database>, r: ManualRun, now = new Date()) {
  const at = r.logicalDate ?? r.runAfter ?? now;
  const interval = r.dataInterval ?? inferManualDataInterval(r.timetable, at);
  const runId = r.runId ?? generateRunId('manual', r.logicalDate ?? now);
  return db.insertInto('dag_run').values({
    dag_id: r.dagId, run_id: runId, run_type: 'manual', state: 'queued', logical_date: r.logicalDate,
    data_interval_start: interval.start, data_interval_end: interval.end, run_after: r.runAfter ?? (at > now ? at : now),
    queued_at: now, conf: JSON.stringify(r.conf ?? {}), external_trigger: true, note: r.note ?? null,
    dag_hash: r.dagHash, triggered_by: r.triggeredBy,
    // The commit of the DAG's source now: what this run runs (null for a plain dags_folder without git).
    bundle_version: (eb) => eb.selectFrom('dag').select('bundle_version').where('dag_id', '=', r.dagId),
  }).onConflict((oc) => oc.columns(['dag_id', 'run_id']).doNothing()).returningAll().executeTakeFirst();
}
