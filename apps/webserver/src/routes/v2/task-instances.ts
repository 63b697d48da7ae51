/**
 * /api/v2 task instances: list (`~` for DAG and run) and get here; marking (ti-mark.ts), clearing (ti-clear.ts)
 * and tries (ti-tries.ts) in their own files.
 */
import type { FastifyPluginAsync } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { orderBy, page } from '../../http/paging.ts';
import { loadDag, loadRun, loadSerialized, loadTi } from '../../lookups.ts';
import { notFound } from '../../errors.ts';
import { tiV2 } from '../../serialize/v2.ts';
import { listTis, TI_ORDER } from '../../queries/task-instances.ts';
import type { ApiContext } from '../../types.ts';
import { Paging, RunParams, StrArray, TiParams } from './schemas.ts';
import { tiMarkRoutesV2 } from './ti-mark.ts';
import { tiClearRoutesV2 } from './ti-clear.ts';
import { tiTryRoutesV2 } from './ti-tries.ts';

const List = Type.Object({
  ...Paging, task_id: Type.Optional(Type.String()), state: StrArray, pool: StrArray, queue: StrArray,
  try_number: Type.Optional(Type.Array(Type.Integer())), map_index: Type.Optional(Type.Array(Type.Integer())),
});
const BY_TASK = { column: 'ti.task_id', direction: 'asc' as const };

export const taskInstanceRoutesV2 = (ctx: ApiContext): FastifyPluginAsync => async (app) => {
  const { db } = ctx;
  const limits = { max: ctx.config.api.maximum_page_limit, fallback: ctx.config.api.fallback_page_limit };

  app.get<{ Params: Static<typeof RunParams>; Querystring: Static<typeof List> }>('/dags/:dag_id/dagRuns/:dag_run_id/taskInstances', {
    config: { perm: 'read:task_instance' }, schema: { params: RunParams, querystring: List },
  }, async (req) => {
    const { dag_id, dag_run_id } = req.params;
    const q = req.query;
    if (dag_id !== '~') await loadDag(db, dag_id);
    if (dag_id !== '~' && dag_run_id !== '~') await loadRun(db, dag_id, dag_run_id);
    const filter = { dagId: dag_id, runId: dag_run_id, taskId: q.task_id, states: q.state, pools: q.pool, queues: q.queue, tryNumbers: q.try_number, mapIndexes: q.map_index };
    const { rows, total } = await listTis(db, filter, page(q, limits), [...orderBy(q.order_by, TI_ORDER, 'map_index'), BY_TASK]);
    return { task_instances: rows.map((t) => tiV2(t, { logical_date: t.run_logical_date, run_after: t.run_run_after })), total_entries: total };
  });

  // A mapped task's expanded instances (map_index 0..N-1); 404 for a task that is not mapped, as in Airflow.
  app.get<{ Params: Static<typeof TiParams>; Querystring: Static<typeof List> }>('/dags/:dag_id/dagRuns/:dag_run_id/taskInstances/:task_id/listMapped', {
    config: { perm: 'read:task_instance' }, schema: { params: TiParams, querystring: List },
  }, async (req) => {
    const p = req.params;
    const q = req.query;
    await loadDag(db, p.dag_id);
    await loadRun(db, p.dag_id, p.dag_run_id);
    const task = (await loadSerialized(db, p.dag_id)).tasks.find((t) => t.task_id === p.task_id);
    if (!task) throw notFound('Task', `Task id ${p.task_id} not found`);
    if (!task.expand_input) throw notFound('Task', `Task id ${p.task_id} is not mapped`);
    const filter = { dagId: p.dag_id, runId: p.dag_run_id, taskId: p.task_id, states: q.state, pools: q.pool, queues: q.queue, tryNumbers: q.try_number, mapIndexes: q.map_index, mapped: true };
    const { rows, total } = await listTis(db, filter, page(q, limits), [...orderBy(q.order_by, TI_ORDER, 'map_index'), BY_TASK]);
    return { task_instances: rows.map((t) => tiV2(t, { logical_date: t.run_logical_date, run_after: t.run_run_after })), total_entries: total };
  });

  app.get<{ Params: Static<typeof TiParams> & { map_index: number } }>('/dags/:dag_id/dagRuns/:dag_run_id/taskInstances/:task_id/:map_index', {
    config: { perm: 'read:task_instance' }, schema: { params: Type.Object({ ...TiParams.properties, map_index: Type.Integer() }) },
  }, async (req) => {
    const p = req.params;
    const run = await loadRun(db, p.dag_id, p.dag_run_id);
    return tiV2(await loadTi(db, p.dag_id, p.dag_run_id, p.task_id, p.map_index), run);
  });

  app.get<{ Params: Static<typeof TiParams> }>('/dags/:dag_id/dagRuns/:dag_run_id/taskInstances/:task_id', { config: { perm: 'read:task_instance' }, schema: { params: TiParams } }, async (req) => {
    const p = req.params;
    const run = await loadRun(db, p.dag_id, p.dag_run_id);
    return tiV2(await loadTi(db, p.dag_id, p.dag_run_id, p.task_id), run);
  });

  for (const routes of [tiMarkRoutesV2(ctx), tiClearRoutesV2(ctx), tiTryRoutesV2(ctx)]) await app.register(routes);
};
