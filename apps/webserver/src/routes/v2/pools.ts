/** /api/v2 pools: list, get, create, patch, delete (the default pool cannot be deleted or renamed). */
import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import { sql } from 'kysely';
import { ApiError, notFound } from '../../errors.ts';
import { orderBy, page } from '../../http/paging.ts';
import { poolV2 } from '../../serialize/v2.ts';
import { poolUsage } from '../../queries/pools.ts';
import { audit } from '../../audit.ts';
import type { ApiContext } from '../../types.ts';
import { Nullable, Paging, StrArray } from './schemas.ts';

const NameParams = Type.Object({ pool_name: Type.String() });

export const poolRoutesV2 = (ctx: ApiContext): FastifyPluginAsync => async (app) => {
  const { db } = ctx;
  const limits = { max: ctx.config.api.maximum_page_limit, fallback: ctx.config.api.fallback_page_limit };
  const one = async (name: string) => {
    const p = await db.selectFrom('slot_pool').selectAll().where('pool', '=', name).executeTakeFirst();
    if (!p) throw notFound('Pool', `The Pool with name: \`${name}\` was not found`);
    return poolV2(p, (await poolUsage(db, [name])).get(name)!);
  };

  app.get('/pools', { config: { perm: 'read:pool' }, schema: { querystring: Type.Object({ ...Paging, pool_name_pattern: Type.Optional(Type.String()) }) } }, async (req) => {
    const q = req.query as { pool_name_pattern?: string; order_by?: string; limit?: number; offset?: number };
    let b = db.selectFrom('slot_pool');
    if (q.pool_name_pattern) b = b.where('pool', 'ilike', `%${q.pool_name_pattern}%`);
    const total = await b.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
    let rows = b.selectAll();
    for (const o of orderBy(q.order_by, { id: 'id', name: 'pool', pool: 'pool', slots: 'slots', description: 'description', include_deferred: 'include_deferred' }, 'id')) rows = rows.orderBy(sql.ref(o.column), o.direction);
    const pg = page(q, limits);
    const list = await rows.limit(pg.limit).offset(pg.offset).execute();
    const usage = await poolUsage(db, list.map((p) => p.pool));
    return { pools: list.map((p) => poolV2(p, usage.get(p.pool)!)), total_entries: total.n };
  });

  app.get('/pools/:pool_name', { config: { perm: 'read:pool' }, schema: { params: NameParams } }, async (req) => one((req.params as { pool_name: string }).pool_name));

  app.post('/pools', {
    config: { perm: 'create:pool' },
    schema: { body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 256 }), slots: Type.Integer({ minimum: -1 }), description: Type.Optional(Nullable(Type.String())), include_deferred: Type.Optional(Type.Boolean()), team_name: Type.Optional(Nullable(Type.String())) }, { additionalProperties: false }) },
  }, async (req, reply) => {
    const b = req.body as { name: string; slots: number; description?: string | null; include_deferred?: boolean };
    const p = await db.insertInto('slot_pool').values({ pool: b.name, slots: b.slots, description: b.description ?? null, include_deferred: b.include_deferred ?? false })
      .onConflict((oc) => oc.column('pool').doNothing()).returning('pool').executeTakeFirst();
    if (!p) throw new ApiError('ALREADY_EXISTS', 'Conflict', `The Pool with name: \`${b.name}\` already exists`);
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
    const set: { pool?: string; slots?: number; description?: string | null; include_deferred?: boolean } = {};
    if (rename && (want('pool') || want('name'))) set.pool = rename;
    if (b.slots != null && want('slots')) set.slots = b.slots;
    if ('description' in b && want('description')) set.description = b.description ?? null;
    if (b.include_deferred != null && want('include_deferred')) set.include_deferred = b.include_deferred;
    if (Object.keys(set).length) {
      const res = await db.updateTable('slot_pool').set(set).where('pool', '=', pool_name).executeTakeFirst();
      if (res.numUpdatedRows === 0n) throw notFound('Pool', `The Pool with name: \`${pool_name}\` was not found`);
    }
    await audit(db, req, { event: 'pool.edit', extra: { pool: pool_name, ...set } });
    return one(set.pool ?? pool_name);
  });

  app.delete('/pools/:pool_name', { config: { perm: 'delete:pool' }, schema: { params: NameParams } }, async (req, reply) => {
    const { pool_name } = req.params as { pool_name: string };
    if (pool_name === 'default_pool') throw new ApiError('BAD_REQUEST', 'Bad Request', 'Default Pool can\'t be deleted');
    const res = await db.deleteFrom('slot_pool').where('pool', '=', pool_name).executeTakeFirst();
    if (res.numDeletedRows === 0n) throw notFound('Pool', `The Pool with name: \`${pool_name}\` was not found`);
    await audit(db, req, { event: 'pool.delete', extra: { pool: pool_name } });
    return reply.code(204).send();
  });
};
