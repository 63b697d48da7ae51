/** /api/v1 DAG runs: list (across DAGs with `~`), trigger, get, mark. */
import type { FastifyPluginAsync } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { ApiError } from '../../errors.ts';
import { orderBy, page } from '../../http/paging.ts';
import { listRuns, RUN_ORDER } from '../../queries/dag-runs.ts';
import { loadRun } from '../../lookups.ts';
import { dagRunV1 } from '../../serialize/v1.ts';
import { markRun, triggerRun } from '../run-actions.ts';
import type { ApiContext } from '../../types.ts';
import { DagParams, Nullable, Paging, RunParams, StrArray } from '../v2/schemas.ts';
import { limitsV1 } from './limits.ts';

const RunList = Type.Object({ ...Paging, state: StrArray });
const Date_ = Type.Optional(Nullable(Type.String({ format: 'date-time' })));
const TriggerBody = Type.Object({
  dag_run_id: Type.Optional(Nullable(Type.String({ minLength: 1 }))), logical_date: Date_, execution_date: Date_,
  conf: Type.Optional(Type.Object({}, { additionalProperties: true })), note: Type.Optional(Nullable(Type.String())),
  data_interval_start: Date_, data_interval_end: Date_,
});
const MarkBody = Type.Object({ state: Type.Union([Type.Literal('success'), Type.Literal('failed'), Type.Literal('queued')]) });

export const dagRunRoutesV1 = (ctx: ApiContext): FastifyPluginAsync => async (app) => {
  const { db } = ctx;
  const limits = limitsV1(ctx);

  app.get<{ Params: Static<typeof DagParams>; Querystring: Static<typeof RunList> }>('/dags/:dag_id/dagRuns', {
    config: { perm: 'read:dag_run' }, schema: { params: DagParams, querystring: RunList },
  }, async (req) => {
    const q = req.query;
    const order = orderBy(typeof q.order_by === 'string' ? q.order_by.replace('execution_date', 'logical_date') : q.order_by, RUN_ORDER, 'id');
    const { rows, total } = await listRuns(db, { dagId: req.params.dag_id, states: q.state }, page(q, limits), order);
    return { dag_runs: rows.map(dagRunV1), total_entries: total };
  });

  app.post<{ Params: Static<typeof DagParams>; Body: Static<typeof TriggerBody> }>('/dags/:dag_id/dagRuns', {
    config: { perm: 'create:dag_run' }, schema: { params: DagParams, body: TriggerBody },
  }, async (req) => {
    const { dag_id } = req.params;
    const b = req.body;
    if (b.logical_date && b.execution_date && new Date(b.logical_date).getTime() !== new Date(b.execution_date).getTime()) {
      throw new ApiError('BAD_REQUEST', 'Bad Request', 'logical_date conflicts with execution_date');
    }
    const date = b.logical_date ?? b.execution_date;
    const run = await triggerRun(ctx, req, dag_id, { runId: b.dag_run_id ?? null, logicalDate: date ? new Date(date) : new Date(), conf: b.conf ?? {}, note: b.note ?? null },
      `DAGRun with DAG ID: '${dag_id}' and DAGRun ID: '${b.dag_run_id}' already exists`);
    return dagRunV1(run);
  });

  app.get<{ Params: Static<typeof RunParams> }>('/dags/:dag_id/dagRuns/:dag_run_id', { config: { perm: 'read:dag_run' }, schema: { params: RunParams } }, async (req) => {
    return dagRunV1(await loadRun(db, req.params.dag_id, req.params.dag_run_id));
  });

  app.patch<{ Params: Static<typeof RunParams>; Body: Static<typeof MarkBody> }>('/dags/:dag_id/dagRuns/:dag_run_id', {
    config: { perm: 'edit:dag_run' }, schema: { params: RunParams, body: MarkBody },
  }, async (req) => {
    const p = req.params;
    await markRun(ctx, req, await loadRun(db, p.dag_id, p.dag_run_id), req.body.state);
    return dagRunV1(await loadRun(db, p.dag_id, p.dag_run_id));
  });
};
