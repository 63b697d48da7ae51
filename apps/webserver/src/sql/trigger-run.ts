/**
 * Creates a manual DAG run in state `queued`, as Airflow's trigger endpoint does (the scheduler starts it).
 * Guard: the unique (dag_id, run_id) constraint — a clash inserts nothing. Returns the new run, or undefined
 * when a run with that id already exists.
 */
import { generateRunId, inferManualDataInterval, type SerializedDag } from '@windsock/dag-model';
import type { WebDb } from '../types.ts';

export interface TriggerRequest {
  logicalDate: Date | null;
  runId: string | null;
  conf: Record<string, unknown>;
  note: string | null;
  dataInterval: { start: Date; end: Date } | null;
  runAfter: Date | null;
  triggeredBy: 'rest_api' | 'ui';
}

export function triggerRun(db: WebDb, ser: SerializedDag, dagHash: string, r: TriggerRequest, now = new Date()) {
  const at = r.logicalDate ?? r.runAfter ?? now;
  const interval = r.dataInterval ?? inferManualDataInterval(ser, at);
  const runId = r.runId ?? generateRunId('manual', r.logicalDate ?? now);
  return db.insertInto('dag_run').values({
    dag_id: ser.dag_id, run_id: runId, run_type: 'manual', state: 'queued', logical_date: r.logicalDate,
    data_interval_start: interval.start, data_interval_end: interval.end, run_after: r.runAfter ?? (at > now ? at : now),
    queued_at: now, conf: JSON.stringify(r.conf), external_trigger: true, note: r.note, dag_hash: dagHash, triggered_by: r.triggeredBy,
  }).onConflict((oc) => oc.columns(['dag_id', 'run_id']).doNothing()).returningAll().executeTakeFirst();
}
