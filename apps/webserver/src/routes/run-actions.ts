/**
 * What /api/v1 and /api/v2 do alike to DAG runs: trigger one (conf checked against the DAG's params) and mark one
 * queued, success or failed, each with the events the scheduler and workers act on and an audit row.
 */
import type { FastifyRequest } from 'fastify';
import { insertManualRun } from '@windsock/metastore';
import { isReservedDagId } from '@windsock/dag-model';
import { ApiError } from '../errors.ts';
import { loadDag, loadSerializedVersion } from '../lookups.ts';
import { checkConf } from '../params.ts';
import { setRunState } from '../sql/set-run-state.ts';
import { audit } from '../audit.ts';
import type { ApiContext } from '../types.ts';

export interface TriggerRequest {
  runId: string | null;
  logicalDate: Date | null;
  conf: Record<string, unknown>;
  note: string | null;
  dataInterval?: { start: Date; end: Date } | null;
  runAfter?: Date | null;
}

/** Creates the run, or throws a 409 problem with `conflict` as its detail when the run id is taken. */
export async function triggerRun(ctx: ApiContext, req: FastifyRequest, dagId: string, t: TriggerRequest, conflict: string) {
  const { db, events } = ctx;
  // A jobs DAG's run is made by the jobs API only, which checks the spec its conf carries.
  if (isReservedDagId(dagId)) throw new ApiError('BAD_REQUEST', 'Bad Request', `DAG ${dagId} runs jobs: submit them through /api/windsock/v1/jobs (windsock jobs submit)`);
  await loadDag(db, dagId);
  const ser = await loadSerializedVersion(db, dagId);
  const bad = checkConf(ser.data, t.conf);
  if (bad) throw new ApiError('BAD_REQUEST', 'Bad Request', `Invalid input for param ${bad}`);
  const run = await insertManualRun(db, { dagId, dagHash: ser.dag_hash, timetable: ser.data, ...t, triggeredBy: 'rest_api' });
  if (!run) throw new ApiError('ALREADY_EXISTS', 'Conflict', conflict);
  events.emit('dagrun:created', { dagId, runId: run.run_id, dagRunId: run.id });
  await audit(db, req, { event: 'trigger_dag_run', dagId, runId: run.run_id, logicalDate: run.logical_date, extra: { conf: t.conf } });
  return run;
}

/** Marks the run (and its unfinished task instances, see set-run-state.ts); running tries are told to stop. */
export async function markRun(ctx: ApiContext, req: FastifyRequest, run: { id: number; dag_id: string; run_id: string; logical_date: Date | null }, state: 'queued' | 'success' | 'failed') {
  const { db, events } = ctx;
  const res = await setRunState(db, run.id, state);
  for (const ti of res.tis) if (ti.prev === 'running') events.emit('ti:cancel', { tiId: ti.id, reason: `DAG run marked ${state}` });
  if (res.changed && state !== 'queued') events.emit('dagrun:finished', { dagId: run.dag_id, runId: run.run_id, dagRunId: run.id, state });
  if (res.changed && state === 'queued') events.emit('dagrun:created', { dagId: run.dag_id, runId: run.run_id, dagRunId: run.id });
  await audit(db, req, { event: `dagrun_mark_${state}`, dagId: run.dag_id, runId: run.run_id, logicalDate: run.logical_date });
}
