/** /api/v2 task instances: list (`~` for DAG and run), get, mark state, clear, tries. */
import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import { sql } from 'kysely';
import { ApiError, notFound } from '../../errors.ts';
import { orderBy, page } from '../../http/paging.ts';
import { loadDag, loadRun, loadSerialized, loadTi } from '../../lookups.ts';
import { tiHistoryV2, tiV2 } from '../../serialize/v2.ts';
import { audit } from '../../audit.ts';
import { setTiState } from '../../sql/set-ti-state.ts';
import { setTiNote } from '../../sql/set-note.ts';
import { clearTis } from '../../sql/clear-tis.ts';
import { relatedRunIds, relatedTasks } from '../../queries/related.ts';
import type { ApiContext } from '../../types.ts';
import { DagParams, Nullable, Paging, RunParams, StrArray, TiParams } from './schemas.ts';

export const TI_ORDER: Record<string, string> = {
  id: 'ti.id', task_id: 'ti.task_id', map_index: 'ti.map_index', state: 'ti.state', start_date: 'ti.start_date',
  end_date: 'ti.end_date', duration: 'ti.duration', try_number: 'ti.try_number', pool: 'ti.pool', queue: 'ti.queue',
  priority_weight: 'ti.priority_weight', dag_id: 'ti.dag_id', run_id: 'ti.run_id', logical_date: 'r.logical_date',
  run_after: 'r.run_after', operator: 'ti.operator',
};

const MarkBody = Type.Object({
  new_state: Type.Optional(Type.Union([Type.Literal('success'), Type.Literal('failed'), Type.Literal('skipped')])),
  note: Type.Optional(Nullable(Type.String({ maxLength: 1000 }))),
  include_upstream: Type.Optional(Type.Boolean()), include_downstream: Type.Optional(Type.Boolean()),
  include_future: Type.Optional(Type.Boolean()), include_past: Type.Optional(Type.Boolean()),
}, { additionalProperties: false });

export const taskInstanceRoutesV2 = (ctx: ApiContext): FastifyPluginAsync => async (app) => {
  const { db, events } = ctx;
  const limits = { max: ctx.config.api.maximum_page_limit, fallback: ctx.config.api.fallback_page_limit };

  app.get('/dags/:dag_id/dagRuns/:dag_run_id/taskInstances', {
    config: { perm: 'read:task_instance' },
    schema: { params: RunParams, querystring: Type.Object({ ...Paging, task_id: Type.Optional(Type.String()), state: StrArray, pool: StrArray, queue: StrArray, try_number: Type.Optional(Type.Array(Type.Integer())), map_index: Type.Optional(Type.Array(Type.Integer())) }) },
  }, async (req) => {
    const { dag_id, dag_run_id } = req.params as { dag_id: string; dag_run_id: string };
    const q = req.query as { task_id?: string; state?: string[]; pool?: string[]; queue?: string[]; try_number?: number[]; map_index?: number[]; order_by?: string; limit?: number; offset?: number };
    if (dag_id !== '~') await loadDag(db, dag_id);
    if (dag_id !== '~' && dag_run_id !== '~') await loadRun(db, dag_id, dag_run_id);
    let base = db.selectFrom('task_instance as ti').innerJoin('dag_run as r', 'r.id', 'ti.dag_run_id');
    if (dag_id !== '~') base = base.where('ti.dag_id', '=', dag_id);
    if (dag_run_id !== '~') base = base.where('ti.run_id', '=', dag_run_id);
    if (q.task_id) base = base.where('ti.task_id', '=', q.task_id);
    if (q.state?.length) {
      const states = q.state;
      base = base.where((eb) => eb.or([eb('ti.state', 'in', states.filter((s) => s !== 'no_status' && s !== 'none') as never[]), ...(states.some((s) => s === 'no_status' || s === 'none') ? [eb('ti.state', 'is', null)] : [])]));
    }
    if (q.pool?.length) base = base.where('ti.pool', 'in', q.pool);
    if (q.queue?.length) base = base.where('ti.queue', 'in', q.queue);
    if (q.try_number?.length) base = base.where('ti.try_number', 'in', q.try_number);
    if (q.map_index?.length) base = base.where('ti.map_index', 'in', q.map_index);
    const total = await base.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
    let rows = base.selectAll('ti').select(['r.logical_date as run_logical_date', 'r.run_after as run_run_after']);
    for (const o of orderBy(q.order_by, TI_ORDER, 'map_index')) rows = rows.orderBy(sql.ref(o.column), o.direction);
    const pg = page(q, limits);
    const list = await rows.orderBy('ti.task_id').limit(pg.limit).offset(pg.offset).execute();
    return { task_instances: list.map((t) => tiV2(t, { logical_date: t.run_logical_date, run_after: t.run_run_after })), total_entries: total.n };
  });

  app.get('/dags/:dag_id/dagRuns/:dag_run_id/taskInstances/:task_id', { config: { perm: 'read:task_instance' }, schema: { params: TiParams } }, async (req) => {
    const p = req.params as { dag_id: string; dag_run_id: string; task_id: string };
    const run = await loadRun(db, p.dag_id, p.dag_run_id);
    return tiV2(await loadTi(db, p.dag_id, p.dag_run_id, p.task_id), run);
  });

  const mark = async (p: { dag_id: string; dag_run_id: string; task_id: string }, mapIndex: number, b: typeof MarkBody.static, dryRun: boolean, req: Parameters<typeof audit>[1]) => {
    const run = await loadRun(db, p.dag_id, p.dag_run_id);
    const ti = await loadTi(db, p.dag_id, p.dag_run_id, p.task_id, mapIndex);
    if (b.new_state === undefined && b.note === undefined) throw new ApiError('BAD_REQUEST', 'Bad Request', 'new_state: give new_state or note');
    if (b.new_state === undefined) {
      if (!dryRun) {
        await setTiNote(db, ti.id, b.note ?? null);
        await audit(db, req, { event: 'ti_set_note', dagId: p.dag_id, runId: p.dag_run_id, taskId: p.task_id, mapIndex });
      }
      return { task_instances: [tiV2(await loadTi(db, p.dag_id, p.dag_run_id, p.task_id, mapIndex), run)], total_entries: 1 };
    }
    const ser = await loadSerialized(db, p.dag_id);
    const tasks = relatedTasks(ser, [p.task_id], b.include_upstream ?? false, b.include_downstream ?? false);
    const runs = await relatedRunIds(db, run, b.include_past ?? false, b.include_future ?? false);
    const targets = await db.selectFrom('task_instance').selectAll().where('dag_run_id', 'in', runs).where('task_id', 'in', tasks)
      .where('state', 'is distinct from', b.new_state).orderBy('task_id').execute();
    if (dryRun) return { task_instances: targets.map((t) => tiV2(t, run)), total_entries: targets.length };
    const changed = await setTiState(db, targets.map((t) => t.id), b.new_state);
    const byId = new Map(targets.map((t) => [t.id, t]));
    for (const c of changed) {
      if (c.prev === 'running') events.emit('ti:cancel', { tiId: c.id, reason: `marked ${b.new_state}` });
      const t = byId.get(c.id)!;
      events.emit('ti:finished', { tiId: c.id, dagId: t.dag_id, runId: t.run_id, dagRunId: c.dag_run_id, taskId: c.task_id, tryNumber: c.try_number, state: b.new_state });
    }
    if (b.note !== undefined) await setTiNote(db, ti.id, b.note ?? null);
    await audit(db, req, { event: `mark_${b.new_state}`, dagId: p.dag_id, runId: p.dag_run_id, taskId: p.task_id, mapIndex, extra: { changed: changed.length, ...b } });
    const after = await db.selectFrom('task_instance').selectAll().where('id', 'in', changed.length ? changed.map((c) => c.id) : [ti.id]).orderBy('task_id').execute();
    return { task_instances: after.map((t) => tiV2(t, run)), total_entries: after.length };
  };

  for (const suffix of ['', '/:map_index']) {
    const params = suffix ? Type.Object({ ...TiParams.properties, map_index: Type.Integer() }) : TiParams;
    const mi = (p: { map_index?: number }, q: { map_index?: number }) => p.map_index ?? q.map_index ?? -1;
    app.patch(`/dags/:dag_id/dagRuns/:dag_run_id/taskInstances/:task_id${suffix}`, {
      config: { perm: 'edit:task_instance' }, schema: { params, querystring: Type.Object({ map_index: Type.Optional(Type.Integer()), update_mask: StrArray }), body: MarkBody },
    }, async (req) => {
      const p = req.params as { dag_id: string; dag_run_id: string; task_id: string; map_index?: number };
      const r = await mark(p, mi(p, req.query as { map_index?: number }), req.body as typeof MarkBody.static, false, req);
      return r;
    });
    app.patch(`/dags/:dag_id/dagRuns/:dag_run_id/taskInstances/:task_id${suffix}/dry_run`, {
      config: { perm: 'read:task_instance' }, schema: { params, querystring: Type.Object({ map_index: Type.Optional(Type.Integer()), update_mask: StrArray }), body: MarkBody },
    }, async (req) => {
      const p = req.params as { dag_id: string; dag_run_id: string; task_id: string; map_index?: number };
      return mark(p, mi(p, req.query as { map_index?: number }), req.body as typeof MarkBody.static, true, req);
    });
  }

  app.post('/dags/:dag_id/clearTaskInstances', {
    config: { perm: 'edit:task_instance' },
    schema: { params: DagParams, body: Type.Object({
      dry_run: Type.Optional(Type.Boolean({ default: true })), task_ids: Type.Optional(Nullable(Type.Array(Type.Union([Type.String(), Type.Array(Type.Union([Type.String(), Type.Integer()]))])))),
      dag_run_id: Type.Optional(Nullable(Type.String())), start_date: Type.Optional(Nullable(Type.String({ format: 'date-time' }))),
      end_date: Type.Optional(Nullable(Type.String({ format: 'date-time' }))), only_failed: Type.Optional(Type.Boolean({ default: true })),
      only_running: Type.Optional(Type.Boolean({ default: false })), reset_dag_runs: Type.Optional(Type.Boolean({ default: true })),
      include_upstream: Type.Optional(Type.Boolean()), include_downstream: Type.Optional(Type.Boolean()),
      include_future: Type.Optional(Type.Boolean()), include_past: Type.Optional(Type.Boolean()),
      prevent_running_task: Type.Optional(Type.Boolean()), run_on_latest_version: Type.Optional(Type.Boolean()),
    }, { additionalProperties: false }) },
  }, async (req) => {
    const { dag_id } = req.params as { dag_id: string };
    const b = req.body as { dry_run?: boolean; task_ids?: (string | (string | number)[])[] | null; dag_run_id?: string | null; start_date?: string | null; end_date?: string | null; only_failed?: boolean; only_running?: boolean; reset_dag_runs?: boolean; include_upstream?: boolean; include_downstream?: boolean; include_future?: boolean; include_past?: boolean; prevent_running_task?: boolean };
    await loadDag(db, dag_id);
    const ser = await loadSerialized(db, dag_id);
    let runIds: number[] | null = null;
    if (b.dag_run_id) {
      const run = await loadRun(db, dag_id, b.dag_run_id);
      runIds = await relatedRunIds(db, run, b.include_past ?? false, b.include_future ?? false);
    }
    const named = b.task_ids?.map((t) => (Array.isArray(t) ? String(t[0]) : t));
    const tasks = named ? relatedTasks(ser, named, b.include_upstream ?? false, b.include_downstream ?? false) : null;
    let q = db.selectFrom('task_instance as ti').innerJoin('dag_run as r', 'r.id', 'ti.dag_run_id').selectAll('ti')
      .select(['r.logical_date as run_logical_date', 'r.run_after as run_run_after']).where('ti.dag_id', '=', dag_id);
    if (runIds) q = q.where('ti.dag_run_id', 'in', runIds);
    if (tasks) q = q.where('ti.task_id', 'in', tasks.length ? tasks : ['\u0000']);
    if (b.start_date) q = q.where('r.logical_date', '>=', new Date(b.start_date));
    if (b.end_date) q = q.where('r.logical_date', '<=', new Date(b.end_date));
    if (b.only_failed ?? true) q = q.where('ti.state', 'in', ['failed', 'upstream_failed']);
    if (b.only_running) q = q.where('ti.state', '=', 'running');
    const targets = await q.orderBy('ti.task_id').execute();
    if (b.prevent_running_task && targets.some((t) => t.state === 'running')) throw new ApiError('BAD_REQUEST', 'Bad Request', 'Currently running task instances cannot be cleared');
    const out = (rows: typeof targets) => ({ task_instances: rows.map((t) => tiV2(t, { logical_date: t.run_logical_date, run_after: t.run_run_after })), total_entries: rows.length });
    if (b.dry_run ?? true) return out(targets);
    const res = await clearTis(db, targets.map((t) => t.id), Object.fromEntries(ser.tasks.map((t) => [t.task_id, t.retries])), b.reset_dag_runs ?? true);
    for (const ti of res.tis) if (ti.prev === 'running') events.emit('ti:cancel', { tiId: ti.id, reason: 'cleared' });
    for (const t of new Map(targets.map((x) => [x.dag_run_id, x])).values()) events.emit('dagrun:created', { dagId: dag_id, runId: t.run_id, dagRunId: t.dag_run_id });
    await audit(db, req, { event: 'clear', dagId: dag_id, runId: b.dag_run_id ?? null, extra: { task_ids: named ?? null, cleared: res.tis.length } });
    return out(targets);
  });

  for (const suffix of ['', '/:map_index']) {
    const params = suffix ? Type.Object({ ...TiParams.properties, map_index: Type.Integer() }) : TiParams;
    app.get(`/dags/:dag_id/dagRuns/:dag_run_id/taskInstances/:task_id${suffix}/tries`, {
      config: { perm: 'read:task_instance' }, schema: { params, querystring: Type.Object({ map_index: Type.Optional(Type.Integer()) }) },
    }, async (req) => {
      const p = req.params as { dag_id: string; dag_run_id: string; task_id: string; map_index?: number };
      const ti = await loadTi(db, p.dag_id, p.dag_run_id, p.task_id, p.map_index ?? (req.query as { map_index?: number }).map_index ?? -1);
      const hist = await db.selectFrom('task_instance_history').selectAll().where('task_instance_id', '=', ti.id).orderBy('try_number').execute();
      const tries = hist.map(tiHistoryV2);
      // The current try, while it is not yet in the history (it has not finished).
      if (ti.try_number > 0 && !hist.some((h) => h.try_number === ti.try_number)) tries.push(tiHistoryV2({ ...ti, task_instance_id: ti.id, id: 0 } as never));
      return { task_instances: tries, total_entries: tries.length };
    });
    app.get(`/dags/:dag_id/dagRuns/:dag_run_id/taskInstances/:task_id${suffix}/tries/:task_try_number`, {
      config: { perm: 'read:task_instance' }, schema: { params: Type.Object({ ...params.properties, task_try_number: Type.Integer() }), querystring: Type.Object({ map_index: Type.Optional(Type.Integer()) }) },
    }, async (req) => {
      const p = req.params as { dag_id: string; dag_run_id: string; task_id: string; map_index?: number; task_try_number: number };
      const ti = await loadTi(db, p.dag_id, p.dag_run_id, p.task_id, p.map_index ?? (req.query as { map_index?: number }).map_index ?? -1);
      const h = await db.selectFrom('task_instance_history').selectAll().where('task_instance_id', '=', ti.id).where('try_number', '=', p.task_try_number).executeTakeFirst();
      if (h) return tiHistoryV2(h);
      if (ti.try_number === p.task_try_number) return tiHistoryV2({ ...ti, task_instance_id: ti.id, id: 0 } as never);
      throw notFound('Task Instance try', `The Task Instance with dag_id: \`${p.dag_id}\`, run_id: \`${p.dag_run_id}\`, task_id: \`${p.task_id}\`, try_number: \`${p.task_try_number}\` and map_index: \`-1\` was not found`);
    });
  }
};
