/** /api/v2 DAG runs: list (across DAGs with `~`), get, trigger, patch state / note, clear, delete. */
import type { FastifyPluginAsync } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { ApiError } from '../../errors.ts';
import { orderBy, page } from '../../http/paging.ts';
import { dateBounds, listRuns, RUN_ORDER } from '../../queries/dag-runs.ts';
import { tisOfRun } from '../../queries/task-instances.ts';
import { loadDag, loadRun, loadSerialized } from '../../lookups.ts';
import { dagRunV2, tiV2 } from '../../serialize/v2.ts';
import { audit } from '../../audit.ts';
import { deleteRun } from '../../sql/delete-run.ts';
import { clearTis } from '../../sql/clear-tis.ts';
import { setRunNote } from '../../sql/set-note.ts';
import { markRun, triggerRun } from '../run-actions.ts';
import type { ApiContext } from '../../types.ts';
import { DagParams, Nullable, Paging, RunParams, StrArray } from './schemas.ts';

const DateRange = Object.fromEntries(['logical_date', 'start_date', 'end_date', 'run_after', 'updated_at'].flatMap((f) =>
  ['gte', 'gt', 'lte', 'lt'].map((op) => [`${f}_${op}`, Type.Optional(Type.String({ format: 'date-time' }))])));
const List = Type.Object({ ...Paging, ...DateRange, state: StrArray, run_type: StrArray, run_id_pattern: Type.Optional(Type.String()) });
const Date_ = Type.Optional(Nullable(Type.String({ format: 'date-time' })));
const TriggerBody = Type.Object({
  dag_run_id: Type.Optional(Nullable(Type.String({ minLength: 1 }))), logical_date: Date_, data_interval_start: Date_, data_interval_end: Date_, run_after: Date_,
  conf: Type.Optional(Nullable(Type.Object({}, { additionalProperties: true }))), note: Type.Optional(Nullable(Type.String())), partition_key: Type.Optional(Nullable(Type.String())),
}, { additionalProperties: false });
const PatchQuery = Type.Object({ update_mask: StrArray });
const PatchBody = Type.Object({
  state: Type.Optional(Nullable(Type.Union([Type.Literal('queued'), Type.Literal('success'), Type.Literal('failed')]))),
  note: Type.Optional(Nullable(Type.String({ maxLength: 1000 }))),
}, { additionalProperties: false });
const ClearBody = Type.Object({
  dry_run: Type.Optional(Type.Boolean({ default: true })), only_failed: Type.Optional(Type.Boolean({ default: false })), run_on_latest_version: Type.Optional(Type.Boolean()),
}, { additionalProperties: false });
const BY_ID = { column: 'id', direction: 'asc' as const };
const date = (s: string | null | undefined) => (s ? new Date(s) : null);

export const dagRunRoutesV2 = (ctx: ApiContext): FastifyPluginAsync => async (app) => {
  const { db, events } = ctx;
  const limits = { max: ctx.config.api.maximum_page_limit, fallback: ctx.config.api.fallback_page_limit };

  app.get<{ Params: Static<typeof DagParams>; Querystring: Static<typeof List> }>('/dags/:dag_id/dagRuns', { config: { perm: 'read:dag_run' }, schema: { params: DagParams, querystring: List } }, async (req) => {
    const { dag_id } = req.params;
    const q = req.query;
    if (dag_id !== '~') await loadDag(db, dag_id);
    const filter = { dagId: dag_id, bounds: dateBounds(q), states: q.state, runTypes: q.run_type, runIdPattern: q.run_id_pattern };
    const { rows, total } = await listRuns(db, filter, page(q, limits), [...orderBy(q.order_by, RUN_ORDER, 'id'), BY_ID]);
    return { dag_runs: rows.map(dagRunV2), total_entries: total };
  });

  app.get<{ Params: Static<typeof RunParams> }>('/dags/:dag_id/dagRuns/:dag_run_id', { config: { perm: 'read:dag_run' }, schema: { params: RunParams } }, async (req) => {
    return dagRunV2(await loadRun(db, req.params.dag_id, req.params.dag_run_id));
  });

  app.post<{ Params: Static<typeof DagParams>; Body: Static<typeof TriggerBody> }>('/dags/:dag_id/dagRuns', { config: { perm: 'create:dag_run' }, schema: { params: DagParams, body: TriggerBody } }, async (req) => {
    const { dag_id } = req.params;
    const b = req.body;
    if ((b.data_interval_start == null) !== (b.data_interval_end == null)) throw new ApiError('BAD_REQUEST', 'Bad Request', 'data_interval_start and data_interval_end must both be given, or neither');
    const run = await triggerRun(ctx, req, dag_id, {
      runId: b.dag_run_id ?? null, logicalDate: date(b.logical_date), conf: b.conf ?? {}, note: b.note ?? null, runAfter: date(b.run_after),
      dataInterval: b.data_interval_start && b.data_interval_end ? { start: new Date(b.data_interval_start), end: new Date(b.data_interval_end) } : null,
    }, `A DAG Run already exists for DAG ${dag_id} with run id ${b.dag_run_id}`);
    return dagRunV2(run);
  });

  app.patch<{ Params: Static<typeof RunParams>; Querystring: Static<typeof PatchQuery>; Body: Static<typeof PatchBody> }>('/dags/:dag_id/dagRuns/:dag_run_id', {
    config: { perm: 'edit:dag_run' }, schema: { params: RunParams, querystring: PatchQuery, body: PatchBody },
  }, async (req) => {
    const { dag_id, dag_run_id } = req.params;
    const b = req.body;
    const mask = req.query.update_mask;
    if (mask?.some((f) => f !== 'state' && f !== 'note')) throw new ApiError('BAD_REQUEST', 'Bad Request', `Invalid field in update mask: ${mask.join(',')}`);
    const run = await loadRun(db, dag_id, dag_run_id);
    if (b.state != null && (!mask || mask.includes('state'))) await markRun(ctx, req, run, b.state);
    if ('note' in b && (!mask || mask.includes('note'))) {
      await setRunNote(db, run.id, b.note ?? null);
      await audit(db, req, { event: 'dagrun_set_note', dagId: dag_id, runId: dag_run_id, extra: { note: b.note ?? null } });
    }
    return dagRunV2(await loadRun(db, dag_id, dag_run_id));
  });

  app.post<{ Params: Static<typeof RunParams>; Body: Static<typeof ClearBody> }>('/dags/:dag_id/dagRuns/:dag_run_id/clear', {
    config: { perm: 'edit:dag_run' }, schema: { params: RunParams, body: ClearBody },
  }, async (req) => {
    const { dag_id, dag_run_id } = req.params;
    const b = req.body;
    const run = await loadRun(db, dag_id, dag_run_id);
    const tis = await tisOfRun(db, run.id, b.only_failed ?? false);
    if (b.dry_run ?? true) return { task_instances: tis.map((t) => tiV2(t, run)), total_entries: tis.length };
    const ser = await loadSerialized(db, dag_id);
    const res = await clearTis(db, tis.map((t) => t.id), Object.fromEntries(ser.tasks.map((t) => [t.task_id, t.retries])), true);
    for (const ti of res.tis) if (ti.prev === 'running') events.emit('ti:cancel', { tiId: ti.id, reason: 'cleared' });
    events.emit('dagrun:created', { dagId: dag_id, runId: dag_run_id, dagRunId: run.id });
    await audit(db, req, { event: 'clear_dag_run', dagId: dag_id, runId: dag_run_id, logicalDate: run.logical_date, extra: { only_failed: b.only_failed ?? false } });
    return dagRunV2(await loadRun(db, dag_id, dag_run_id));
  });

  app.delete<{ Params: Static<typeof RunParams> }>('/dags/:dag_id/dagRuns/:dag_run_id', { config: { perm: 'delete:dag_run' }, schema: { params: RunParams } }, async (req, reply) => {
    const { dag_id, dag_run_id } = req.params;
    const run = await loadRun(db, dag_id, dag_run_id);
    for (const id of await deleteRun(db, run.id)) events.emit('ti:cancel', { tiId: id, reason: 'DAG run deleted' });
    await audit(db, req, { event: 'delete_dag_run', dagId: dag_id, runId: dag_run_id, logicalDate: run.logical_date });
    return reply.code(204).send();
  });
};
