/** /api/v1 task instances: list (`~` for DAG and run), get, and a try's log. */
import type { FastifyPluginAsync } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { notFound } from '../../errors.ts';
import { page } from '../../http/paging.ts';
import { listTis } from '../../queries/task-instances.ts';
import { readLog, type LogTokens } from '../../queries/logs.ts';
import { loadDag, loadRun, loadSerialized, loadTi } from '../../lookups.ts';
import { tiV1 } from '../../serialize/v1.ts';
import type { ApiContext } from '../../types.ts';
import { Paging, RunParams, StrArray, TiParams } from '../v2/schemas.ts';
import { limitsV1 } from './limits.ts';

const TiList = Type.Object({ ...Paging, state: StrArray });
const LogParams = Type.Object({ ...TiParams.properties, task_try_number: Type.Integer() });
const LogQuery = Type.Object({ full_content: Type.Optional(Type.Boolean()), map_index: Type.Optional(Type.Integer()), token: Type.Optional(Type.String()) });
const BY_RUN_THEN_TASK = [{ column: 'ti.dag_run_id', direction: 'asc' as const }, { column: 'ti.task_id', direction: 'asc' as const }];

export const taskInstanceRoutesV1 = (ctx: ApiContext, tokens: LogTokens): FastifyPluginAsync => async (app) => {
  const { db } = ctx;
  const limits = limitsV1(ctx);

  app.get<{ Params: Static<typeof RunParams>; Querystring: Static<typeof TiList> }>('/dags/:dag_id/dagRuns/:dag_run_id/taskInstances', {
    config: { perm: 'read:task_instance' }, schema: { params: RunParams, querystring: TiList },
  }, async (req) => {
    const p = req.params;
    const { rows, total } = await listTis(db, { dagId: p.dag_id, runId: p.dag_run_id, states: req.query.state }, page(req.query, limits), BY_RUN_THEN_TASK);
    return { task_instances: rows.map((t) => tiV1(t, t.run_logical_date)), total_entries: total };
  });

  // A mapped task's expanded instances, by map_index; 404 for a task that is not mapped (Airflow 2's listMapped).
  app.get<{ Params: Static<typeof TiParams>; Querystring: Static<typeof TiList> }>('/dags/:dag_id/dagRuns/:dag_run_id/taskInstances/:task_id/listMapped', {
    config: { perm: 'read:task_instance' }, schema: { params: TiParams, querystring: TiList },
  }, async (req) => {
    const p = req.params;
    await loadDag(db, p.dag_id);
    await loadRun(db, p.dag_id, p.dag_run_id);
    const task = (await loadSerialized(db, p.dag_id)).tasks.find((t) => t.task_id === p.task_id);
    if (!task) throw notFound('Task', `Task id ${p.task_id} not found`);
    if (!task.expand_input) throw notFound('Task', `Task id ${p.task_id} is not mapped`);
    const { rows, total } = await listTis(db, { dagId: p.dag_id, runId: p.dag_run_id, taskId: p.task_id, states: req.query.state, mapped: true },
      page(req.query, limits), [{ column: 'ti.map_index', direction: 'asc' as const }]);
    return { task_instances: rows.map((t) => tiV1(t, t.run_logical_date)), total_entries: total };
  });

  app.get<{ Params: Static<typeof TiParams> & { map_index: number } }>('/dags/:dag_id/dagRuns/:dag_run_id/taskInstances/:task_id/:map_index', {
    config: { perm: 'read:task_instance' }, schema: { params: Type.Object({ ...TiParams.properties, map_index: Type.Integer() }) },
  }, async (req) => {
    const p = req.params;
    const run = await loadRun(db, p.dag_id, p.dag_run_id);
    return tiV1(await loadTi(db, p.dag_id, p.dag_run_id, p.task_id, p.map_index), run.logical_date);
  });

  app.get<{ Params: Static<typeof TiParams> }>('/dags/:dag_id/dagRuns/:dag_run_id/taskInstances/:task_id', { config: { perm: 'read:task_instance' }, schema: { params: TiParams } }, async (req) => {
    const p = req.params;
    const run = await loadRun(db, p.dag_id, p.dag_run_id);
    return tiV1(await loadTi(db, p.dag_id, p.dag_run_id, p.task_id), run.logical_date);
  });

  app.get<{ Params: Static<typeof LogParams>; Querystring: Static<typeof LogQuery> }>('/dags/:dag_id/dagRuns/:dag_run_id/taskInstances/:task_id/logs/:task_try_number', {
    config: { perm: 'read:task_log' }, schema: { params: LogParams, querystring: LogQuery },
  }, async (req, reply) => {
    const p = req.params;
    const q = req.query;
    const ti = await loadTi(db, p.dag_id, p.dag_run_id, p.task_id, q.map_index ?? -1);
    if (p.task_try_number < 1 || p.task_try_number > ti.try_number) throw notFound('Task log', `TaskInstance ${p.task_id} has no try ${p.task_try_number}`);
    const from = q.full_content || !q.token ? 0 : tokens.read(q.token).log_pos;
    const { lines, position } = await readLog(db, ti, p.task_try_number, from, await ctx.secrets.masker());
    const text = lines.map((l) => l.event).join('\n') + (lines.length ? '\n' : '');
    if ((req.headers.accept ?? '').includes('text/plain')) return reply.type('text/plain').send(text);
    return { continuation_token: tokens.sign(position), content: text };
  });
};
