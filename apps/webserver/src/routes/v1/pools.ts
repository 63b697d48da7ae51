/** /api/v1 pools: list and get (Airflow 2's Pool, without team_name). */
import type { FastifyPluginAsync } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { notFound } from '../../errors.ts';
import { orderBy, page } from '../../http/paging.ts';
import { listPools, poolUsage, readPool } from '../../queries/pools.ts';
import { poolV2 } from '../../serialize/v2.ts';
import type { ApiContext } from '../../types.ts';
import { Paging } from '../v2/schemas.ts';
import { limitsV1 } from './limits.ts';

const List = Type.Object(Paging);
const NameParams = Type.Object({ pool_name: Type.String() });
const poolV1 = (p: ReturnType<typeof poolV2>) => { const { team_name: _t, ...rest } = p; return rest; };

export const poolRoutesV1 = (ctx: ApiContext): FastifyPluginAsync => async (app) => {
  const { db } = ctx;
  const limits = limitsV1(ctx);

  app.get<{ Querystring: Static<typeof List> }>('/pools', { config: { perm: 'read:pool' }, schema: { querystring: List } }, async (req) => {
    const { rows, total } = await listPools(db, {}, page(req.query, limits), orderBy(req.query.order_by, { id: 'id', name: 'pool', slots: 'slots' }, 'id'));
    const usage = await poolUsage(db, rows.map((p) => p.pool));
    return { pools: rows.map((p) => poolV1(poolV2(p, usage.get(p.pool)!))), total_entries: total };
  });

  app.get<{ Params: Static<typeof NameParams> }>('/pools/:pool_name', { config: { perm: 'read:pool' }, schema: { params: NameParams } }, async (req) => {
    const { pool_name } = req.params;
    const p = await readPool(db, pool_name);
    if (!p) throw notFound('Pool', `Pool with name:'${pool_name}' not found`);
    return poolV1(poolV2(p, (await poolUsage(db, [pool_name])).get(pool_name)!));
  });
};
