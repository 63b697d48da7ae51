/** /api/v2 DAGs: list (Airflow's filters), get, details, pause / unpause, delete; tasks of a DAG. */
import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import { isReservedDagId } from '@windsock/dag-model';
import { ApiError, notFound } from '../../errors.ts';
import { orderBy, page } from '../../http/paging.ts';
import { DAG_ORDER, listDags } from '../../queries/dags.ts';
import { loadDag, loadSerialized, tagsOf } from '../../lookups.ts';
import { dagDetailsV2, dagV2, taskV2 } from '../../serialize/v2.ts';
import { audit } from '../../audit.ts';
import { setDagPaused } from '../../sql/set-dag-paused.ts';
import { deleteDag } from '../../sql/delete-dag.ts';
import type { ApiContext } from '../../types.ts';
import { DagParams, Paging, StrArray } from './schemas.ts';

export const dagRoutesV2 = (ctx: ApiContext): FastifyPluginAsync => async (app) => {
  const { db } = ctx;
  const limits = { max: ctx.config.api.maximum_page_limit, fallback: ctx.config.api.fallback_page_limit };

  app.get('/dags', {
    config: { perm: 'read:dag' },
    schema: { querystring: Type.Object({ ...Paging, tags: StrArray, tags_match_mode: Type.Optional(Type.Union([Type.Literal('any'), Type.Literal('all')])),
      owners: StrArray, dag_id_pattern: Type.Optional(Type.String()), exclude_stale: Type.Optional(Type.Boolean()),
      paused: Type.Optional(Type.Boolean()), has_import_errors: Type.Optional(Type.Boolean()) }) },
  }, async (req) => {
    const q = req.query as Record<string, never>;
    const { rows, total } = await listDags(db, {
      tags: q.tags, tagsMatchAll: q.tags_match_mode === 'all', owners: q.owners, dagIdPattern: q.dag_id_pattern,
      paused: q.paused, activeOnly: q.exclude_stale ?? true, hasImportErrors: q.has_import_errors,
    }, page(q, limits), orderBy(q.order_by, DAG_ORDER, 'dag_id'));
    const tags = await tagsOf(db, rows.map((r) => r.dag_id));
    return { dags: rows.map((d) => dagV2(d, tags.get(d.dag_id) ?? [])), total_entries: total };
  });

  app.get('/dags/:dag_id', { config: { perm: 'read:dag' }, schema: { params: DagParams } }, async (req) => {
    const { dag_id } = req.params as { dag_id: string };
    const d = await loadDag(db, dag_id);
    return dagV2(d, (await tagsOf(db, [dag_id])).get(dag_id) ?? [], await loadSerialized(db, dag_id).catch(() => null));
  });

  app.get('/dags/:dag_id/details', { config: { perm: 'read:dag' }, schema: { params: DagParams } }, async (req) => {
    const { dag_id } = req.params as { dag_id: string };
    const d = await loadDag(db, dag_id);
    const ser = await loadSerialized(db, dag_id);
    const active = await db.selectFrom('dag_run').select((eb) => eb.fn.countAll<number>().as('n')).where('dag_id', '=', dag_id).where('state', '=', 'running').executeTakeFirstOrThrow();
    return dagDetailsV2(d, (await tagsOf(db, [dag_id])).get(dag_id) ?? [], ser, Number(active.n));
  });

  app.patch('/dags/:dag_id', {
    config: { perm: 'edit:dag' },
    schema: { params: DagParams, querystring: Type.Object({ update_mask: StrArray }),
      body: Type.Object({ is_paused: Type.Boolean() }, { additionalProperties: false }) },
  }, async (req) => {
    const { dag_id } = req.params as { dag_id: string };
    const { update_mask } = req.query as { update_mask?: string[] };
    if (update_mask && update_mask.some((f) => f !== 'is_paused')) throw new ApiError('BAD_REQUEST', 'Bad Request', 'Only `is_paused` field can be updated through the REST API');
    const { is_paused } = req.body as { is_paused: boolean };
    const d = await setDagPaused(db, dag_id, is_paused);
    if (!d) throw notFound('DAG', `Dag with id: ${dag_id} was not found`);
    ctx.events.emit('dags:changed', { dagIds: [dag_id] });
    await audit(db, req, { event: is_paused ? 'paused' : 'unpaused', dagId: dag_id, extra: { is_paused } });
    return dagV2(d, (await tagsOf(db, [dag_id])).get(dag_id) ?? []);
  });

  app.delete('/dags/:dag_id', { config: { perm: 'delete:dag' }, schema: { params: DagParams } }, async (req, reply) => {
    const { dag_id } = req.params as { dag_id: string };
    await loadDag(db, dag_id);
    // The built-in jobs DAGs hold every user's jobs: deleting one would delete them all.
    if (isReservedDagId(dag_id)) throw new ApiError('BAD_REQUEST', 'Bad Request', `DAG ${dag_id} holds every job's run and cannot be deleted; cancel jobs through /api/windsock/v1/jobs`);
    if (!(await deleteDag(db, dag_id))) throw new ApiError('CONFLICT', 'Conflict', `Task instances of dag with id: '${dag_id}' are still running`);
    ctx.events.emit('dags:changed', { dagIds: [dag_id] });
    await audit(db, req, { event: 'delete_dag', dagId: dag_id });
    return reply.code(200).send({});
  });

  app.get('/dags/:dag_id/tasks', {
    config: { perm: 'read:dag' }, schema: { params: DagParams, querystring: Type.Object({ order_by: Type.Optional(Type.String()) }) },
  }, async (req) => {
    const { dag_id } = req.params as { dag_id: string };
    const { order_by = 'task_id' } = req.query as { order_by?: string };
    const ser = await loadSerialized(db, dag_id);
    const key = order_by.replace(/^-/, '') as 'task_id';
    if (!['task_id', 'priority_weight', 'pool', 'queue', 'retries', 'trigger_rule', 'owner'].includes(key)) {
      throw new ApiError('BAD_REQUEST', 'Bad Request', `Ordering with '${key}' is disallowed or the attribute does not exist on the model`);
    }
    const tasks = [...ser.tasks].sort((a, b) => String(a[key]).localeCompare(String(b[key]), 'en', { numeric: true }) * (order_by.startsWith('-') ? -1 : 1));
    return { tasks: tasks.map((t) => taskV2(t, ser)), total_entries: tasks.length };
  });

  app.get('/dags/:dag_id/tasks/:task_id', { config: { perm: 'read:dag' }, schema: { params: Type.Object({ dag_id: Type.String(), task_id: Type.String() }) } }, async (req) => {
    const { dag_id, task_id } = req.params as { dag_id: string; task_id: string };
    const ser = await loadSerialized(db, dag_id);
    const t = ser.tasks.find((x) => x.task_id === task_id);
    if (!t) throw notFound('Task', `Task with id ${task_id} not found`);
    return taskV2(t, ser);
  });

  app.get('/dagSources/:dag_id', { config: { perm: 'read:dag_code' }, schema: { params: DagParams } }, async (req, reply) => {
    const { dag_id } = req.params as { dag_id: string };
    const d = await loadDag(db, dag_id);
    const code = await db.selectFrom('dag_code').select(['source_code', 'last_updated']).where('fileloc', '=', d.fileloc).executeTakeFirst();
    if (!code) throw notFound('DAG source', `The source code of ${dag_id} is not stored`);
    if ((req.headers.accept ?? '').includes('text/plain')) return reply.type('text/plain').send(code.source_code);
    return { content: code.source_code, dag_id, version_number: null, dag_display_name: dag_id };
  });
};
