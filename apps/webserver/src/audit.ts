/**
 * The audit trail: every write through the API adds one row to Airflow's event log table (`log`), naming who,
 * what and on which DAG / run / task, so `GET /eventLogs` shows it. Written after the change succeeded.
 */
import type { FastifyRequest } from 'fastify';
import type { WebDb } from './types.ts';

export interface AuditEntry { event: string; dagId?: string | null; runId?: string | null; taskId?: string | null; mapIndex?: number | null; tryNumber?: number | null; logicalDate?: Date | null; extra?: unknown }

export async function audit(db: WebDb, req: FastifyRequest, e: AuditEntry): Promise<void> {
  const owner = req.principal?.username ?? null;
  await db.insertInto('log').values({
    event: e.event, dag_id: e.dagId ?? null, run_id: e.runId ?? null, task_id: e.taskId ?? null, map_index: e.mapIndex ?? null,
    try_number: e.tryNumber ?? null, logical_date: e.logicalDate ?? null, owner, owner_display_name: owner,
    extra: e.extra === undefined ? null : JSON.stringify(e.extra),
  }).execute();
}
