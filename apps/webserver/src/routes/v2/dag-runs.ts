/** /api/v2 DAG runs: list (across DAGs with `~`), get, trigger, patch state / note, clear, delete. */
import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import { sql } from 'kysely';
import { insertManualRun } from '@windsock/metastore';
import { ApiError } from '../../errors.ts';
import { orderBy, page } from '../../http/paging.ts';
import { loadDag, loadRun, loadSerialized } from '../../lookups.ts';
import { dagRunV2, tiV2 } from '../../serialize/v2.ts';
import { audit } from '../../audit.ts';
import { checkConf } from '../../params.ts';
import { setRunState } from '../../sql/set-run-state.ts';
import { deleteRun } from '../../sql/delete-run.ts';
import { clearTis } from '../../sql/clear-tis.ts';
import { setRunNote } from '../../sql/set-note.ts';
import type { ApiContext } from '../../types.ts';
import { DagParams, Nullable, Paging, RunParams, StrArray } from './schemas.ts';

export const RUN_ORDER: Record<string, string> = {
  id: 'id', state: 'state', dag_id: 'dag_id', run_id: 'run_id', dag_run_id: 'run_id', logical_date: 'logical_date',
  run_after: 'run_after', start_date: 'start_date', end_date: 'end_date', updated_at: 'updated_at', run_type: 'run_type',
  conf: 'conf', data_interval_start: 'data_interval_start', data_interval_end: 'data_interval_end',
};

const DateRange = Object.fromEntries(['logical_date', 'start_date', 'end_date', 'run_after', 'updated_at'].flatMap((f) =>
  ['gte', 'gt', 'lte', 'lt'].map((op) => [`${f}_${op}`, Type.Optional(Type.String({ format: 'date-time' }))])));
const OPS = { gte: '>=', gt: '>', lte: '<=', lt: '<' } as const;

export const dagRunRoutesV2 = (ctx: ApiContext): FastifyPluginAsync => async (app) => {
  const { db, events } = ctx;
  const limits = { max: ctx.config.api.maximum_page_limit, fallback: ctx.config.api.fallback_page_limit };

  app.get('/dags/:dag_id/dagRuns', {
    config: { perm: 'read:dag_run' },
    schema: { params: DagParams, querystring: Type.Object({ ...Paging, ...DateRange, state: StrArray, run_type: StrArray, run_id_pattern: Type.Optional(Type.String()) }) },
  }, async (req) => {
    const { dag_id } = req.params as { dag_id: string };
    const q = req.query as Record<string, string | string[] | number | undefined>;
    if (dag_id !== '~') await loadDag(db, dag_id);
    let base = db.selectFrom('dag_run');
    if (dag_id !== '~') base = base.where('dag_id', '=', dag_id);
    for (const [k, v] of Object.entries(q)) {
      const m = /^(.*)_(gte|gt|lte|lt)$/.exec(k);
      if (m && typeof v === 'string') base = base.where(sql.ref(m[1]!), OPS[m[2] as keyof typeof OPS], new Date(v));
    }
    if (Array.isArray(q.state) && q.state.length) base = base.where('state', 'in', q.state as never[]);
    if (Array.isArray(q.run_type) && q.run_type.length) base = base.where('run_type', 'in', q.run_type as never[]);
    if (typeof q.run_id_pattern === 'string') base = base.where('run_id', 'ilike', `%${q.run_id_pattern}%`);
    const total = await base.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
    let rows = base.selectAll();
    for (const o of orderBy(q.order_by as string | undefined, RUN_ORDER, 'id')) rows = rows.orderBy(sql.ref(o.column), o.direction);
    const pg = page(q as { limit?: number; offset?: number }, limits);
    const list = await rows.orderBy('id').limit(pg.limit).offset(pg.offset).execute();
    return { dag_runs: list.map(dagRunV2), total_entries: total.n };
  });

  app.get('/dags/:dag_id/dagRuns/:dag_run_id', { config: { perm: 'read:dag_run' }, schema: { params: RunParams } }, async (req) => {
    const { dag_id, dag_run_id } = req.params as { dag_id: string; dag_run_id: string };
    return dagRunV2(await loadRun(db, dag_id, dag_run_id));
  });

  app.post('/dags/:dag_id/dagRuns', {
    config: { perm: 'create:dag_run' },
    schema: { params: DagParams, body: Type.Object({
      dag_run_id: Type.Optional(Nullable(Type.String({ minLength: 1 }))),
      logical_date: Type.Optional(Nullable(Type.String({ format: 'date-time' }))),
      data_interval_start: Type.Optional(Nullable(Type.String({ format: 'date-time' }))),
      data_interval_end: Type.Optional(Nullable(Type.String({ format: 'date-time' }))),
      run_after: Type.Optional(Nullable(Type.String({ format: 'date-time' }))),
      conf: Type.Optional(Nullable(Type.Object({}, { additionalProperties: true }))),
      note: Type.Optional(Nullable(Type.String())),
      partition_key: Type.Optional(Nullable(Type.String())),
    }, { additionalProperties: false }) },
  }, async (req) => {
    const { dag_id } = req.params as { dag_id: string };
    const b = req.body as { dag_run_id?: string | null; logical_date?: string | null; data_interval_start?: string | null; data_interval_end?: string | null; run_after?: string | null; conf?: Record<string, unknown> | null; note?: string | null };
    await loadDag(db, dag_id);
    const ser = await loadSerialized(db, dag_id);
    const hash = await db.selectFrom('serialized_dag').select('dag_hash').where('dag_id', '=', dag_id).executeTakeFirstOrThrow();
    if ((b.data_interval_start == null) !== (b.data_interval_end == null)) throw new ApiError('BAD_REQUEST', 'Bad Request', 'data_interval_start and data_interval_end must both be given, or neither');
    const conf = b.conf ?? {};
    const bad = checkConf(ser, conf);
    if (bad) throw new ApiError('BAD_REQUEST', 'Bad Request', `Invalid input for param ${bad}`);
    const run = await insertManualRun(db, {
      dagId: dag_id, dagHash: hash.dag_hash, timetable: ser,
      runId: b.dag_run_id ?? null, logicalDate: b.logical_date ? new Date(b.logical_date) : null, conf, note: b.note ?? null,
      dataInterval: b.data_interval_start && b.data_interval_end ? { start: new Date(b.data_interval_start), end: new Date(b.data_interval_end) } : null,
      runAfter: b.run_after ? new Date(b.run_after) : null, triggeredBy: 'rest_api',
    });
    if (!run) throw new ApiError('ALREADY_EXISTS', 'Conflict', `A DAG Run already exists for DAG ${dag_id} with run id ${b.dag_run_id}`);
    events.emit('dagrun:created', { dagId: dag_id, runId: run.run_id, dagRunId: run.id });
    await audit(db, req, { event: 'trigger_dag_run', dagId: dag_id, runId: run.run_id, logicalDate: run.logical_date, extra: { conf } });
    return dagRunV2(run);
  });

  app.patch('/dags/:dag_id/dagRuns/:dag_run_id', {
    config: { perm: 'edit:dag_run' },
    schema: { params: RunParams, querystring: Type.Object({ update_mask: StrArray }), body: Type.Object({
      state: Type.Optional(Nullable(Type.Union([Type.Literal('queued'), Type.Literal('success'), Type.Literal('failed')]))),
      note: Type.Optional(Nullable(Type.String({ maxLength: 1000 }))),
    }, { additionalProperties: false }) },
  }, async (req) => {
    const { dag_id, dag_run_id } = req.params as { dag_id: string; dag_run_id: string };
    const b = req.body as { state?: 'queued' | 'success' | 'failed' | null; note?: string | null };
    const mask = (req.query as { update_mask?: string[] }).update_mask;
    if (mask?.some((f) => f !== 'state' && f !== 'note')) throw new ApiError('BAD_REQUEST', 'Bad Request', `Invalid field in update mask: ${mask.join(',')}`);
    const run = await loadRun(db, dag_id, dag_run_id);
    const doState = b.state != null && (!mask || mask.includes('state'));
    const doNote = 'note' in b && (!mask || mask.includes('note'));
    if (doState) {
      const res = await setRunState(db, run.id, b.state!);
      for (const ti of res.tis) if (ti.prev === 'running') events.emit('ti:cancel', { tiId: ti.id, reason: `DAG run marked ${b.state}` });
      if (res.changed && b.state !== 'queued') events.emit('dagrun:finished', { dagId: dag_id, runId: dag_run_id, dagRunId: run.id, state: b.state! });
      if (res.changed && b.state === 'queued') events.emit('dagrun:created', { dagId: dag_id, runId: dag_run_id, dagRunId: run.id });
      await audit(db, req, { event: `dagrun_mark_${b.state}`, dagId: dag_id, runId: dag_run_id, logicalDate: run.logical_date });
    }
    if (doNote) {
      await setRunNote(db, run.id, b.note ?? null);
      await audit(db, req, { event: 'dagrun_set_note', dagId: dag_id, runId: dag_run_id, extra: { note: b.note ?? null } });
    }
    return dagRunV2(await loadRun(db, dag_id, dag_run_id));
  });

  app.post('/dags/:dag_id/dagRuns/:dag_run_id/clear', {
    config: { perm: 'edit:dag_run' },
    schema: { params: RunParams, body: Type.Object({
      dry_run: Type.Optional(Type.Boolean({ default: true })), only_failed: Type.Optional(Type.Boolean({ default: false })),
      run_on_latest_version: Type.Optional(Type.Boolean()),
    }, { additionalProperties: false }) },
  }, async (req) => {
    const { dag_id, dag_run_id } = req.params as { dag_id: string; dag_run_id: string };
    const b = req.body as { dry_run?: boolean; only_failed?: boolean };
    const run = await loadRun(db, dag_id, dag_run_id);
    let q = db.selectFrom('task_instance').selectAll().where('dag_run_id', '=', run.id);
    if (b.only_failed) q = q.where('state', 'in', ['failed', 'upstream_failed']);
    const tis = await q.orderBy('task_id').execute();
    if (b.dry_run ?? true) return { task_instances: tis.map((t) => tiV2(t, run)), total_entries: tis.length };
    const ser = await loadSerialized(db, dag_id);
    const res = await clearTis(db, tis.map((t) => t.id), Object.fromEntries(ser.tasks.map((t) => [t.task_id, t.retries])), true);
    for (const ti of res.tis) if (ti.prev === 'running') events.emit('ti:cancel', { tiId: ti.id, reason: 'cleared' });
    events.emit('dagrun:created', { dagId: dag_id, runId: dag_run_id, dagRunId: run.id });
    await audit(db, req, { event: 'clear_dag_run', dagId: dag_id, runId: dag_run_id, logicalDate: run.logical_date, extra: { only_failed: b.only_failed ?? false } });
    return dagRunV2(await loadRun(db, dag_id, dag_run_id));
  });

  app.delete('/dags/:dag_id/dagRuns/:dag_run_id', { config: { perm: 'delete:dag_run' }, schema: { params: RunParams } }, async (req, reply) => {
    const { dag_id, dag_run_id } = req.params as { dag_id: string; dag_run_id: string };
    const run = await loadRun(db, dag_id, dag_run_id);
    for (const id of await deleteRun(db, run.id)) events.emit('ti:cancel', { tiId: id, reason: 'DAG run deleted' });
    await audit(db, req, { event: 'delete_dag_run', dagId: dag_id, runId: dag_run_id, logicalDate: run.logical_date });
    return reply.code(204).send();
  });
};
