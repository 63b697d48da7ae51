/** /api/v2 pools: list, get, create, patch, delete (the default pool cannot be deleted or renamed). */
import type { FastifyPluginAsync } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { ApiError, notFound } from '../../errors.ts';
import { orderBy, page } from '../../http/paging.ts';
import { poolV2 } from '../../serialize/v2.ts';
import { listPools, POOL_ORDER, poolUsage, readPool } from '../../queries/pools.ts';
import { audit } from '../../audit.ts';
import { createPool, deletePool, updatePool, type PoolFields } from '../../sql/pools.ts';
import type { ApiContext } from '../../types.ts';
import { Nullable, Paging, StrArray } from './schemas.ts';

const NameParams = Type.Object({ pool_name: Type.String() });
const List = Type.Object({ ...Paging, pool_name_pattern: Type.Optional(Type.String()) });

export const poolRoutesV2 = (ctx: ApiContext): FastifyPluginAsync => async (app) => {
  const { db } = ctx;
  const limits = { max: ctx.config.api.maximum_page_limit, fallback: ctx.config.api.fallback_page_limit };
  const one = async (name: string) => {
    const p = await readPool(db, name);
    if (!p) throw notFound('Pool', `The Pool with name: \`${name}\` was not found`);
    return poolV2(p, (await poolUsage(db, [name])).get(name)!);
  };

  app.get<{ Querystring: Static<typeof List> }>('/pools', { config: { perm: 'read:pool' }, schema: { querystring: List } }, async (req) => {
    const q = req.query;
    const { rows, total } = await listPools(db, { namePattern: q.pool_name_pattern }, page(q, limits), orderBy(q.order_by, POOL_ORDER, 'id'));
    const usage = await poolUsage(db, rows.map((p) => p.pool));
    return { pools: rows.map((p) => poolV2(p, usage.get(p.pool)!)), total_entries: total };
  });

  app.get<{ Params: Static<typeof NameParams> }>('/pools/:pool_name', { config: { perm: 'read:pool' }, schema: { params: NameParams } }, async (req) => one(req.params.pool_name));

  app.post('/pools', {
    config: { perm: 'create:pool' },
    schema: { body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 256 }), slots: Type.Integer({ minimum: -1 }), description: Type.Optional(Nullable(Type.String())), include_deferred: Type.Optional(Type.Boolean()), team_name: Type.Optional(Nullable(Type.String())) }, { additionalProperties: false }) },
  }, async (req, reply) => {
    const b = req.body as { name: string; slots: number; description?: string | null; include_deferred?: boolean };
    const created = await createPool(db, { pool: b.name, slots: b.slots, description: b.description ?? null, include_deferred: b.include_deferred ?? false });
    if (!created) throw new ApiError('ALREADY_EXISTS', 'Conflict', `The Pool with name: \`${b.name}\` already exists`);
    await audit(db, req, { event: 'pool.create', extra: b });
    return reply.code(201).send(await one(b.name));
  });

  app.patch('/pools/:pool_name', {
    config: { perm: 'edit:pool' },
    schema: { params: NameParams, querystring: Type.Object({ update_mask: StrArray }), body: Type.Object({ pool: Type.Optional(Nullable(Type.String({ minLength: 1 }))), name: Type.Optional(Nullable(Type.String({ minLength: 1 }))), slots: Type.Optional(Nullable(Type.Integer({ minimum: -1 }))), description: Type.Optional(Nullable(Type.String())), include_deferred: Type.Optional(Nullable(Type.Boolean())), team_name: Type.Optional(Nullable(Type.String())) }, { additionalProperties: false }) },
  }, async (req) => {
    const { pool_name } = req.params as { pool_name: string };
    const b = req.body as { pool?: string | null; name?: string | null; slots?: number | null; description?: string | null; include_deferred?: boolean | null };
    const mask = (req.query as { update_mask?: string[] }).update_mask;
    const want = (f: string) => !mask || mask.includes(f);
    const rename = b.pool ?? b.name;
    if (pool_name === 'default_pool' && rename && rename !== pool_name) throw new ApiError('BAD_REQUEST', 'Bad Request', 'Only slots and included_deferred can be modified on Default Pool');
    const set: PoolFields = {};
    if (rename && (want('pool') || want('name'))) set.pool = rename;
    if (b.slots != null && want('slots')) set.slots = b.slots;
    if ('description' in b && want('description')) set.description = b.description ?? null;
    if (b.include_deferred != null && want('include_deferred')) set.include_deferred = b.include_deferred;
    if (Object.keys(set).length) {
      if (!await updatePool(db, pool_name, set)) throw notFound('Pool', `The Pool with name: \`${pool_name}\` was not found`);
    }
    await audit(db, req, { event: 'pool.edit', extra: { pool: pool_name, ...set } });
    return one(set.pool ?? pool_name);
  });

  app.delete('/pools/:pool_name', { config: { perm: 'delete:pool' }, schema: { params: NameParams } }, async (req, reply) => {
    const { pool_name } = req.params as { pool_name: string };
    if (pool_name === 'default_pool') throw new ApiError('BAD_REQUEST', 'Bad Request', 'Default Pool can\'t be deleted');
    if (!await deletePool(db, pool_name)) throw notFound('Pool', `The Pool with name: \`${pool_name}\` was not found`);
    await audit(db, req, { event: 'pool.delete', extra: { pool: pool_name } });
    return reply.code(204).send();
  });
};
