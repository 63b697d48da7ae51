/** /api/v2 XCom entries of a task instance: list (no values) and get (value as JSON, or a string with stringify). */
import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import { sql } from 'kysely';
import { notFound } from '../../errors.ts';
import { page } from '../../http/paging.ts';
import { iso } from '../../serialize/common.ts';
import type { ApiContext } from '../../types.ts';
import { Paging, TiParams } from './schemas.ts';

export const xcomRoutesV2 = (ctx: ApiContext): FastifyPluginAsync => async (app) => {
  const { db } = ctx;
  const limits = { max: ctx.config.api.maximum_page_limit, fallback: ctx.config.api.fallback_page_limit };
  const base = (p: { dag_id: string; dag_run_id: string; task_id: string }) => {
    let q = db.selectFrom('xcom as x').innerJoin('dag_run as r', 'r.id', 'x.dag_run_id');
    if (p.dag_id !== '~') q = q.where('x.dag_id', '=', p.dag_id);
    if (p.dag_run_id !== '~') q = q.where('x.run_id', '=', p.dag_run_id);
    if (p.task_id !== '~') q = q.where('x.task_id', '=', p.task_id);
    return q;
  };
  const entry = (x: { key: string; timestamp: Date; map_index: number; task_id: string; dag_id: string; run_id: string; logical_date: Date | null; run_after: Date }) => ({
    key: x.key, timestamp: iso(x.timestamp)!, map_index: x.map_index, task_id: x.task_id, dag_id: x.dag_id, run_id: x.run_id,
    dag_display_name: x.dag_id, task_display_name: x.task_id, logical_date: iso(x.logical_date), run_after: iso(x.run_after)!,
  });

  app.get('/dags/:dag_id/dagRuns/:dag_run_id/taskInstances/:task_id/xcomEntries', {
    config: { perm: 'read:xcom' },
    schema: { params: TiParams, querystring: Type.Object({ ...Paging, xcom_key: Type.Optional(Type.String()), map_index: Type.Optional(Type.Integer()) }) },
  }, async (req) => {
    const p = req.params as { dag_id: string; dag_run_id: string; task_id: string };
    const q = req.query as { xcom_key?: string; map_index?: number; limit?: number; offset?: number };
    let b = base(p);
    if (q.xcom_key) b = b.where('x.key', '=', q.xcom_key);
    if (q.map_index !== undefined) b = b.where('x.map_index', '=', q.map_index);
    const total = await b.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
    const pg = page(q, limits);
    const rows = await b.select(['x.key', 'x.timestamp', 'x.map_index', 'x.task_id', 'x.dag_id', 'x.run_id', 'r.logical_date', 'r.run_after'])
      .orderBy('x.dag_run_id').orderBy('x.task_id').orderBy('x.map_index').orderBy('x.key').limit(pg.limit).offset(pg.offset).execute();
    return { xcom_entries: rows.map(entry), total_entries: total.n };
  });

  app.get('/dags/:dag_id/dagRuns/:dag_run_id/taskInstances/:task_id/xcomEntries/:xcom_key', {
    config: { perm: 'read:xcom' },
    schema: { params: Type.Object({ ...TiParams.properties, xcom_key: Type.String() }), querystring: Type.Object({ map_index: Type.Optional(Type.Integer()), deserialize: Type.Optional(Type.Boolean()), stringify: Type.Optional(Type.Boolean()) }) },
  }, async (req) => {
    const p = req.params as { dag_id: string; dag_run_id: string; task_id: string; xcom_key: string };
    const q = req.query as { map_index?: number; stringify?: boolean };
    const x = await base(p).where('x.key', '=', p.xcom_key).where('x.map_index', '=', q.map_index ?? -1)
      .select(['x.key', 'x.timestamp', 'x.map_index', 'x.task_id', 'x.dag_id', 'x.run_id', 'x.value', 'r.logical_date', 'r.run_after']).executeTakeFirst();
    if (!x) throw notFound('XCom', `XCom entry with key: \`${p.xcom_key}\` not found`);
    return { ...entry(x), value: q.stringify ? JSON.stringify(x.value) : x.value };
  });
};
