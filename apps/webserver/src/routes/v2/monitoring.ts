/** /api/v2 import errors, event log (audit), health and version. */
import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import { sql } from 'kysely';
import { notFound } from '../../errors.ts';
import { orderBy, page } from '../../http/paging.ts';
import { iso } from '../../serialize/common.ts';
import type { ApiContext, WebDb } from '../../types.ts';
import { Paging, StrArray } from './schemas.ts';

const importError = (e: { id: number; timestamp: Date; filename: string; stacktrace: string }) => ({
  import_error_id: e.id, timestamp: iso(e.timestamp)!, filename: e.filename, stack_trace: e.stacktrace, bundle_name: 'dags-folder',
});
export const eventLog = (l: { id: number; dttm: Date; dag_id: string | null; task_id: string | null; run_id: string | null; map_index: number | null; try_number: number | null; event: string; logical_date: Date | null; owner: string | null; extra: string | null }) => ({
  event_log_id: l.id, when: iso(l.dttm)!, dag_id: l.dag_id, task_id: l.task_id, run_id: l.run_id, map_index: l.map_index,
  try_number: l.try_number, event: l.event, logical_date: iso(l.logical_date), owner: l.owner, extra: l.extra,
  dag_display_name: l.dag_id, task_display_name: l.task_id,
});

/** Database reachable; scheduler and DAG processor alive by their job heartbeats (30 s, Airflow's threshold). */
export async function health(db: WebDb) {
  let dbOk = true;
  try { await sql`select 1`.execute(db); } catch { dbOk = false; }
  const beat = async (type: 'scheduler' | 'dag_processor') => {
    if (!dbOk) return null;
    const r = await db.selectFrom('job').select(sql<Date | null>`max(latest_heartbeat)`.as('hb')).where('job_type', '=', type).where('state', '=', 'running').executeTakeFirst();
    return r?.hb ?? null;
  };
  const status = (hb: Date | null) => (hb && Date.now() - new Date(hb).getTime() < 30_000 ? 'healthy' : 'unhealthy');
  const sched = await beat('scheduler');
  const proc = await beat('dag_processor');
  return {
    metadatabase: { status: dbOk ? 'healthy' : 'unhealthy' },
    scheduler: { status: status(sched), latest_scheduler_heartbeat: iso(sched) },
    triggerer: { status: null, latest_triggerer_heartbeat: null },
    dag_processor: { status: status(proc), latest_dag_processor_heartbeat: iso(proc) },
  };
}

export const monitoringRoutesV2 = (ctx: ApiContext): FastifyPluginAsync => async (app) => {
  const { db } = ctx;
  const limits = { max: ctx.config.api.maximum_page_limit, fallback: ctx.config.api.fallback_page_limit };

  app.get('/importErrors', { config: { perm: 'read:import_error' }, schema: { querystring: Type.Object({ ...Paging, filename_pattern: Type.Optional(Type.String()) }) } }, async (req) => {
    const q = req.query as { filename_pattern?: string; order_by?: string; limit?: number; offset?: number };
    let b = db.selectFrom('import_error');
    if (q.filename_pattern) b = b.where('filename', 'ilike', `%${q.filename_pattern}%`);
    const total = await b.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
    let rows = b.selectAll();
    for (const o of orderBy(q.order_by, { id: 'id', import_error_id: 'id', timestamp: 'timestamp', filename: 'filename' }, 'id')) rows = rows.orderBy(sql.ref(o.column), o.direction);
    const pg = page(q, limits);
    return { import_errors: (await rows.limit(pg.limit).offset(pg.offset).execute()).map(importError), total_entries: total.n };
  });

  app.get('/importErrors/:import_error_id', { config: { perm: 'read:import_error' }, schema: { params: Type.Object({ import_error_id: Type.Integer() }) } }, async (req) => {
    const { import_error_id } = req.params as { import_error_id: number };
    const e = await db.selectFrom('import_error').selectAll().where('id', '=', import_error_id).executeTakeFirst();
    if (!e) throw notFound('ImportError', `The ImportError with import_error_id: \`${import_error_id}\` was not found`);
    return importError(e);
  });

  app.get('/eventLogs', {
    config: { perm: 'read:audit_log' },
    schema: { querystring: Type.Object({ ...Paging, dag_id: Type.Optional(Type.String()), task_id: Type.Optional(Type.String()), run_id: Type.Optional(Type.String()),
      owner: Type.Optional(Type.String()), event: Type.Optional(Type.String()), included_events: StrArray, excluded_events: StrArray,
      before: Type.Optional(Type.String({ format: 'date-time' })), after: Type.Optional(Type.String({ format: 'date-time' })) }) },
  }, async (req) => {
    const q = req.query as { dag_id?: string; task_id?: string; run_id?: string; owner?: string; event?: string; included_events?: string[]; excluded_events?: string[]; before?: string; after?: string; order_by?: string; limit?: number; offset?: number };
    let b = db.selectFrom('log');
    for (const f of ['dag_id', 'task_id', 'run_id', 'owner', 'event'] as const) { const v = q[f]; if (v) b = b.where(f, '=', v); }
    if (q.included_events?.length) b = b.where('event', 'in', q.included_events);
    if (q.excluded_events?.length) b = b.where('event', 'not in', q.excluded_events);
    if (q.before) b = b.where('dttm', '<', new Date(q.before));
    if (q.after) b = b.where('dttm', '>', new Date(q.after));
    const total = await b.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
    let rows = b.selectAll();
    for (const o of orderBy(q.order_by, { id: 'id', event_log_id: 'id', when: 'dttm', dttm: 'dttm', dag_id: 'dag_id', task_id: 'task_id', run_id: 'run_id', event: 'event', owner: 'owner' }, 'id')) rows = rows.orderBy(sql.ref(o.column), o.direction);
    const pg = page(q, limits);
    return { event_logs: (await rows.limit(pg.limit).offset(pg.offset).execute()).map(eventLog), total_entries: total.n };
  });

  app.get('/eventLogs/:event_log_id', { config: { perm: 'read:audit_log' }, schema: { params: Type.Object({ event_log_id: Type.Integer() }) } }, async (req) => {
    const { event_log_id } = req.params as { event_log_id: number };
    const l = await db.selectFrom('log').selectAll().where('id', '=', event_log_id).executeTakeFirst();
    if (!l) throw notFound('Event Log', `The Event Log with id: \`${event_log_id}\` not found`);
    return eventLog(l);
  });

  app.get('/monitor/health', { config: { public: true } }, async () => health(db));
  app.get('/version', { config: { public: true } }, async () => ({ version: ctx.version, git_version: null }));
};
