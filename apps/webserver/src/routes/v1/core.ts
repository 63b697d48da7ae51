/**
 * Airflow 2's `/api/v1`, kept for older clients on its core paths: DAGs (list, get, pause), DAG runs (list,
 * trigger, get, mark), task instances (list, get), logs, variables, pools, health, version. Basic auth works
 * here (guard.ts). Writes go through the same guarded statements as /api/v2.
 */
import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import { sql } from 'kysely';
import { insertManualRun } from '@windsock/metastore';
import { ApiError, notFound } from '../../errors.ts';
import { orderBy, page } from '../../http/paging.ts';
import { DAG_ORDER, listDags } from '../../queries/dags.ts';
import { loadDag, loadRun, loadSerialized, loadTi, tagsOf } from '../../lookups.ts';
import { dagRunV1, dagV1, tiV1 } from '../../serialize/v1.ts';
import { poolV2 } from '../../serialize/v2.ts';
import { poolUsage } from '../../queries/pools.ts';
import { readLog, type LogTokens } from '../../queries/logs.ts';
import { redactVariableValue } from '../../secrets.ts';
import { setDagPaused } from '../../sql/set-dag-paused.ts';
import { setRunState } from '../../sql/set-run-state.ts';
import { checkConf } from '../../params.ts';
import { audit } from '../../audit.ts';
import { health } from '../v2/monitoring.ts';
import { RUN_ORDER } from '../v2/dag-runs.ts';
import type { ApiContext } from '../../types.ts';
import { DagParams, Nullable, Paging, RunParams, StrArray, TiParams } from '../v2/schemas.ts';

const poolV1 = (p: ReturnType<typeof poolV2>) => { const { team_name: _t, ...rest } = p; return rest; };

export const coreRoutesV1 = (ctx: ApiContext, tokens: LogTokens): FastifyPluginAsync => async (app) => {
  const { db, events } = ctx;
  const limits = { max: ctx.config.api.maximum_page_limit, fallback: 100 };

  app.get('/dags', { config: { perm: 'read:dag' }, schema: { querystring: Type.Object({ ...Paging, tags: StrArray, only_active: Type.Optional(Type.Boolean()), paused: Type.Optional(Type.Boolean()), dag_id_pattern: Type.Optional(Type.String()) }) } }, async (req) => {
    const q = req.query as { tags?: string[]; only_active?: boolean; paused?: boolean; dag_id_pattern?: string; order_by?: string; limit?: number; offset?: number };
    const { rows, total } = await listDags(db, { tags: q.tags, paused: q.paused, dagIdPattern: q.dag_id_pattern, activeOnly: q.only_active ?? true }, page(q, limits), orderBy(q.order_by, DAG_ORDER, 'dag_id'));
    const tags = await tagsOf(db, rows.map((r) => r.dag_id));
    return { dags: rows.map((d) => dagV1(d, tags.get(d.dag_id) ?? [], null)), total_entries: total };
  });

  app.get('/dags/:dag_id', { config: { perm: 'read:dag' }, schema: { params: DagParams } }, async (req) => {
    const { dag_id } = req.params as { dag_id: string };
    const d = await loadDag(db, dag_id);
    return dagV1(d, (await tagsOf(db, [dag_id])).get(dag_id) ?? [], await loadSerialized(db, dag_id).catch(() => null));
  });

  app.patch('/dags/:dag_id', { config: { perm: 'edit:dag' }, schema: { params: DagParams, querystring: Type.Object({ update_mask: StrArray }), body: Type.Object({ is_paused: Type.Boolean() }) } }, async (req) => {
    const { dag_id } = req.params as { dag_id: string };
    const { is_paused } = req.body as { is_paused: boolean };
    const d = await setDagPaused(db, dag_id, is_paused);
    if (!d) throw notFound('DAG', `The DAG with dag_id: ${dag_id} was not found`);
    events.emit('dags:changed', { dagIds: [dag_id] });
    await audit(db, req, { event: is_paused ? 'paused' : 'unpaused', dagId: dag_id, extra: { is_paused } });
    return dagV1(d, (await tagsOf(db, [dag_id])).get(dag_id) ?? [], await loadSerialized(db, dag_id).catch(() => null));
  });

  app.get('/dags/:dag_id/dagRuns', { config: { perm: 'read:dag_run' }, schema: { params: DagParams, querystring: Type.Object({ ...Paging, state: StrArray }) } }, async (req) => {
    const { dag_id } = req.params as { dag_id: string };
    const q = req.query as { state?: string[]; order_by?: string; limit?: number; offset?: number };
    let b = db.selectFrom('dag_run');
    if (dag_id !== '~') b = b.where('dag_id', '=', dag_id);
    if (q.state?.length) b = b.where('state', 'in', q.state as never[]);
    const total = await b.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
    let rows = b.selectAll();
    for (const o of orderBy(q.order_by?.replace('execution_date', 'logical_date'), RUN_ORDER, 'id')) rows = rows.orderBy(sql.ref(o.column), o.direction);
    const pg = page(q, limits);
    return { dag_runs: (await rows.limit(pg.limit).offset(pg.offset).execute()).map(dagRunV1), total_entries: total.n };
  });

  app.post('/dags/:dag_id/dagRuns', {
    config: { perm: 'create:dag_run' },
    schema: { params: DagParams, body: Type.Object({ dag_run_id: Type.Optional(Nullable(Type.String({ minLength: 1 }))), logical_date: Type.Optional(Nullable(Type.String({ format: 'date-time' }))),
      execution_date: Type.Optional(Nullable(Type.String({ format: 'date-time' }))), conf: Type.Optional(Type.Object({}, { additionalProperties: true })), note: Type.Optional(Nullable(Type.String())),
      data_interval_start: Type.Optional(Nullable(Type.String({ format: 'date-time' }))), data_interval_end: Type.Optional(Nullable(Type.String({ format: 'date-time' }))) }) },
  }, async (req) => {
    const { dag_id } = req.params as { dag_id: string };
    const b = req.body as { dag_run_id?: string | null; logical_date?: string | null; execution_date?: string | null; conf?: Record<string, unknown>; note?: string | null };
    if (b.logical_date && b.execution_date && new Date(b.logical_date).getTime() !== new Date(b.execution_date).getTime()) {
      throw new ApiError('BAD_REQUEST', 'Bad Request', 'logical_date conflicts with execution_date');
    }
    await loadDag(db, dag_id);
    const ser = await loadSerialized(db, dag_id);
    const bad = checkConf(ser, b.conf ?? {});
    if (bad) throw new ApiError('BAD_REQUEST', 'Bad Request', `Invalid input for param ${bad}`);
    const hash = await db.selectFrom('serialized_dag').select('dag_hash').where('dag_id', '=', dag_id).executeTakeFirstOrThrow();
    const date = b.logical_date ?? b.execution_date;
    const run = await insertManualRun(db, { dagId: dag_id, dagHash: hash.dag_hash, timetable: ser, runId: b.dag_run_id ?? null, logicalDate: date ? new Date(date) : new Date(), conf: b.conf ?? {}, note: b.note ?? null, triggeredBy: 'rest_api' });
    if (!run) throw new ApiError('ALREADY_EXISTS', 'Conflict', `DAGRun with DAG ID: '${dag_id}' and DAGRun ID: '${b.dag_run_id}' already exists`);
    events.emit('dagrun:created', { dagId: dag_id, runId: run.run_id, dagRunId: run.id });
    await audit(db, req, { event: 'trigger_dag_run', dagId: dag_id, runId: run.run_id, logicalDate: run.logical_date, extra: { conf: b.conf ?? {} } });
    return dagRunV1(run);
  });

  app.get('/dags/:dag_id/dagRuns/:dag_run_id', { config: { perm: 'read:dag_run' }, schema: { params: RunParams } }, async (req) => {
    const p = req.params as { dag_id: string; dag_run_id: string };
    return dagRunV1(await loadRun(db, p.dag_id, p.dag_run_id));
  });

  app.patch('/dags/:dag_id/dagRuns/:dag_run_id', {
    config: { perm: 'edit:dag_run' },
    schema: { params: RunParams, body: Type.Object({ state: Type.Union([Type.Literal('success'), Type.Literal('failed'), Type.Literal('queued')]) }) },
  }, async (req) => {
    const p = req.params as { dag_id: string; dag_run_id: string };
    const { state } = req.body as { state: 'success' | 'failed' | 'queued' };
    const run = await loadRun(db, p.dag_id, p.dag_run_id);
    const res = await setRunState(db, run.id, state);
    for (const ti of res.tis) if (ti.prev === 'running') events.emit('ti:cancel', { tiId: ti.id, reason: `DAG run marked ${state}` });
    if (res.changed && state !== 'queued') events.emit('dagrun:finished', { dagId: p.dag_id, runId: p.dag_run_id, dagRunId: run.id, state });
    if (res.changed && state === 'queued') events.emit('dagrun:created', { dagId: p.dag_id, runId: p.dag_run_id, dagRunId: run.id });
    await audit(db, req, { event: `dagrun_mark_${state}`, dagId: p.dag_id, runId: p.dag_run_id });
    return dagRunV1(await loadRun(db, p.dag_id, p.dag_run_id));
  });

  app.get('/dags/:dag_id/dagRuns/:dag_run_id/taskInstances', { config: { perm: 'read:task_instance' }, schema: { params: RunParams, querystring: Type.Object({ ...Paging, state: StrArray }) } }, async (req) => {
    const p = req.params as { dag_id: string; dag_run_id: string };
    const q = req.query as { state?: string[]; limit?: number; offset?: number };
    let b = db.selectFrom('task_instance as ti').innerJoin('dag_run as r', 'r.id', 'ti.dag_run_id');
    if (p.dag_id !== '~') b = b.where('ti.dag_id', '=', p.dag_id);
    if (p.dag_run_id !== '~') b = b.where('ti.run_id', '=', p.dag_run_id);
    if (q.state?.length) b = b.where('ti.state', 'in', q.state as never[]);
    const total = await b.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
    const pg = page(q, limits);
    const rows = await b.selectAll('ti').select('r.logical_date as run_logical_date').orderBy('ti.dag_run_id').orderBy('ti.task_id').limit(pg.limit).offset(pg.offset).execute();
    return { task_instances: rows.map((t) => tiV1(t, t.run_logical_date)), total_entries: total.n };
  });

  app.get('/dags/:dag_id/dagRuns/:dag_run_id/taskInstances/:task_id', { config: { perm: 'read:task_instance' }, schema: { params: TiParams } }, async (req) => {
    const p = req.params as { dag_id: string; dag_run_id: string; task_id: string };
    const run = await loadRun(db, p.dag_id, p.dag_run_id);
    return tiV1(await loadTi(db, p.dag_id, p.dag_run_id, p.task_id), run.logical_date);
  });

  app.get('/dags/:dag_id/dagRuns/:dag_run_id/taskInstances/:task_id/logs/:task_try_number', {
    config: { perm: 'read:task_log' },
    schema: { params: Type.Object({ ...TiParams.properties, task_try_number: Type.Integer() }), querystring: Type.Object({ full_content: Type.Optional(Type.Boolean()), map_index: Type.Optional(Type.Integer()), token: Type.Optional(Type.String()) }) },
  }, async (req, reply) => {
    const p = req.params as { dag_id: string; dag_run_id: string; task_id: string; task_try_number: number };
    const q = req.query as { full_content?: boolean; map_index?: number; token?: string };
    const ti = await loadTi(db, p.dag_id, p.dag_run_id, p.task_id, q.map_index ?? -1);
    if (p.task_try_number < 1 || p.task_try_number > ti.try_number) throw notFound('Task log', `TaskInstance ${p.task_id} has no try ${p.task_try_number}`);
    const from = q.full_content || !q.token ? 0 : tokens.read(q.token).log_pos;
    const { lines, position } = await readLog(db, ti, p.task_try_number, from, await ctx.secrets.masker());
    const text = lines.map((l) => l.event).join('\n') + (lines.length ? '\n' : '');
    if ((req.headers.accept ?? '').includes('text/plain')) return reply.type('text/plain').send(text);
    return { continuation_token: tokens.sign(position), content: text };
  });

  app.get('/variables', { config: { perm: 'read:variable' }, schema: { querystring: Type.Object(Paging) } }, async (req) => {
    const q = req.query as { limit?: number; offset?: number; order_by?: string };
    const total = await db.selectFrom('variable').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
    let rows = db.selectFrom('variable').select(['key', 'description']);
    for (const o of orderBy(q.order_by, { id: 'id', key: 'key' }, 'id')) rows = rows.orderBy(sql.ref(o.column), o.direction);
    const pg = page(q, limits);
    return { variables: await rows.limit(pg.limit).offset(pg.offset).execute(), total_entries: total.n };
  });

  const KeyParams = Type.Object({ variable_key: Type.String() });
  const VarBody = Type.Object({ key: Type.String({ minLength: 1 }), value: Type.String(), description: Type.Optional(Nullable(Type.String())) });
  app.get('/variables/:variable_key', { config: { perm: 'read:variable' }, schema: { params: KeyParams } }, async (req) => {
    const { variable_key } = req.params as { variable_key: string };
    const v = await db.selectFrom('variable').select(['key', 'val as value', 'description']).where('key', '=', variable_key).executeTakeFirst();
    if (!v) throw notFound('Variable', `Variable does not exist`);
    return { ...v, value: redactVariableValue(ctx.secrets.keysOnly(), v.key, v.value) };
  });
  app.post('/variables', { config: { perm: 'create:variable' }, schema: { body: VarBody } }, async (req) => {
    const b = req.body as { key: string; value: string; description?: string | null };
    const v = await db.insertInto('variable').values({ key: b.key, val: b.value, description: b.description ?? null })
      .onConflict((oc) => oc.column('key').doUpdateSet({ val: b.value, description: b.description ?? null })).returning(['key', 'val as value', 'description']).executeTakeFirstOrThrow();
    await audit(db, req, { event: 'variable.create', extra: { key: b.key } });
    return v;
  });
  app.patch('/variables/:variable_key', { config: { perm: 'edit:variable' }, schema: { params: KeyParams, querystring: Type.Object({ update_mask: StrArray }), body: VarBody } }, async (req) => {
    const { variable_key } = req.params as { variable_key: string };
    const b = req.body as { key: string; value: string; description?: string | null };
    if (b.key !== variable_key) throw new ApiError('BAD_REQUEST', 'Bad Request', 'Invalid post body: key from request body doesn\'t match uri parameter');
    const v = await db.updateTable('variable').set({ val: b.value, description: b.description ?? null }).where('key', '=', variable_key).returning(['key', 'val as value', 'description']).executeTakeFirst();
    if (!v) throw notFound('Variable', `Variable does not exist`);
    await audit(db, req, { event: 'variable.edit', extra: { key: variable_key } });
    return v;
  });
  app.delete('/variables/:variable_key', { config: { perm: 'delete:variable' }, schema: { params: KeyParams } }, async (req, reply) => {
    const { variable_key } = req.params as { variable_key: string };
    const res = await db.deleteFrom('variable').where('key', '=', variable_key).executeTakeFirst();
    if (res.numDeletedRows === 0n) throw notFound('Variable', `Variable does not exist`);
    await audit(db, req, { event: 'variable.delete', extra: { key: variable_key } });
    return reply.code(204).send();
  });

  app.get('/pools', { config: { perm: 'read:pool' }, schema: { querystring: Type.Object(Paging) } }, async (req) => {
    const q = req.query as { limit?: number; offset?: number; order_by?: string };
    const total = await db.selectFrom('slot_pool').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
    let rows = db.selectFrom('slot_pool').selectAll();
    for (const o of orderBy(q.order_by, { id: 'id', name: 'pool', slots: 'slots' }, 'id')) rows = rows.orderBy(sql.ref(o.column), o.direction);
    const pg = page(q, limits);
    const list = await rows.limit(pg.limit).offset(pg.offset).execute();
    const usage = await poolUsage(db, list.map((p) => p.pool));
    return { pools: list.map((p) => poolV1(poolV2(p, usage.get(p.pool)!))), total_entries: total.n };
  });
  app.get('/pools/:pool_name', { config: { perm: 'read:pool' }, schema: { params: Type.Object({ pool_name: Type.String() }) } }, async (req) => {
    const { pool_name } = req.params as { pool_name: string };
    const p = await db.selectFrom('slot_pool').selectAll().where('pool', '=', pool_name).executeTakeFirst();
    if (!p) throw notFound('Pool', `Pool with name:'${pool_name}' not found`);
    return poolV1(poolV2(p, (await poolUsage(db, [pool_name])).get(pool_name)!));
  });

  app.get('/health', { config: { public: true } }, async () => health(db));
  app.get('/version', { config: { perm: 'read:health' } }, async () => ({ version: ctx.version, git_version: null }));
};
