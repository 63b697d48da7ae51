/**
 * /api/v2 connections: list, get, create, patch, delete. Password and extra are stored Fernet-encrypted with
 * [core] fernet_key (as Airflow does, so keys carry over) and never returned: a set password reads "***", and
 * values under sensitive keys of extra read "***" (Airflow's redaction).
 */
import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import { sql } from 'kysely';
import { fernetDecrypt, fernetEncrypt } from '@windsock/metastore';
import { ApiError, notFound } from '../../errors.ts';
import { orderBy, page } from '../../http/paging.ts';
import { maskExtra } from '../../serialize/common.ts';
import { audit } from '../../audit.ts';
import type { ApiContext } from '../../types.ts';
import { Nullable, Paging, StrArray } from './schemas.ts';

const IdParams = Type.Object({ connection_id: Type.String() });
const Body = Type.Object({
  connection_id: Type.String({ minLength: 1, maxLength: 200, pattern: '^[\\w.-]+$' }), conn_type: Type.String({ minLength: 1 }),
  description: Type.Optional(Nullable(Type.String())), host: Type.Optional(Nullable(Type.String())), login: Type.Optional(Nullable(Type.String())),
  schema: Type.Optional(Nullable(Type.String())), port: Type.Optional(Nullable(Type.Integer())), password: Type.Optional(Nullable(Type.String())),
  extra: Type.Optional(Nullable(Type.String())), team_name: Type.Optional(Nullable(Type.String())),
}, { additionalProperties: false });
type BodyT = typeof Body.static;

interface Row { conn_id: string; conn_type: string; description: string | null; host: string | null; login: string | null; schema: string | null; port: number | null; password: string | null; extra: string | null; is_extra_encrypted: boolean }

export const connectionRoutesV2 = (ctx: ApiContext): FastifyPluginAsync => async (app) => {
  const { db, fernetKey } = ctx;
  const limits = { max: ctx.config.api.maximum_page_limit, fallback: ctx.config.api.fallback_page_limit };
  const enc = (v: string | null | undefined) => (v == null || v === '' ? v ?? null : fernetEncrypt(fernetKey, v));
  const out = (c: Row) => {
    let extra: string | null = c.extra;
    if (extra && c.is_extra_encrypted) { try { extra = fernetDecrypt(fernetKey, extra); } catch { extra = '***'; } }
    return {
      connection_id: c.conn_id, conn_type: c.conn_type, description: c.description, host: c.host, login: c.login, schema: c.schema,
      port: c.port, password: c.password ? '***' : null, extra: maskExtra(extra), team_name: null,
    };
  };
  const ensureExtraJson = (extra: string | null | undefined) => {
    if (extra) { try { JSON.parse(extra); } catch { throw new ApiError('BAD_REQUEST', 'Bad Request', 'extra: must be a JSON object in a string'); } }
  };

  app.get('/connections', { config: { perm: 'read:connection' }, schema: { querystring: Type.Object({ ...Paging, connection_id_pattern: Type.Optional(Type.String()) }) } }, async (req) => {
    const q = req.query as { connection_id_pattern?: string; order_by?: string; limit?: number; offset?: number };
    let b = db.selectFrom('connection');
    if (q.connection_id_pattern) b = b.where('conn_id', 'ilike', `%${q.connection_id_pattern}%`);
    const total = await b.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
    let rows = b.selectAll();
    for (const o of orderBy(q.order_by, { id: 'id', connection_id: 'conn_id', conn_type: 'conn_type', host: 'host', description: 'description' }, 'id')) rows = rows.orderBy(sql.ref(o.column), o.direction);
    const pg = page(q, limits);
    return { connections: (await rows.limit(pg.limit).offset(pg.offset).execute()).map(out), total_entries: total.n };
  });

  app.get('/connections/:connection_id', { config: { perm: 'read:connection' }, schema: { params: IdParams } }, async (req) => {
    const { connection_id } = req.params as { connection_id: string };
    const c = await db.selectFrom('connection').selectAll().where('conn_id', '=', connection_id).executeTakeFirst();
    if (!c) throw notFound('Connection', `The Connection with connection_id: \`${connection_id}\` was not found`);
    return out(c);
  });

  app.post('/connections', { config: { perm: 'create:connection' }, schema: { body: Body } }, async (req, reply) => {
    const b = req.body as BodyT;
    ensureExtraJson(b.extra);
    const c = await db.insertInto('connection').values({
      conn_id: b.connection_id, conn_type: b.conn_type, description: b.description ?? null, host: b.host ?? null, login: b.login ?? null,
      schema: b.schema ?? null, port: b.port ?? null, password: enc(b.password), extra: enc(b.extra), is_encrypted: !!b.password, is_extra_encrypted: !!b.extra,
    }).onConflict((oc) => oc.column('conn_id').doNothing()).returningAll().executeTakeFirst();
    if (!c) throw new ApiError('ALREADY_EXISTS', 'Conflict', `The connection with connection_id: \`${b.connection_id}\` already exists.`);
    await audit(db, req, { event: 'connection.create', extra: { connection_id: b.connection_id, conn_type: b.conn_type } });
    return reply.code(201).send(out(c));
  });

  app.patch('/connections/:connection_id', {
    config: { perm: 'edit:connection' }, schema: { params: IdParams, querystring: Type.Object({ update_mask: StrArray }), body: Body },
  }, async (req) => {
    const { connection_id } = req.params as { connection_id: string };
    const b = req.body as BodyT;
    const mask = (req.query as { update_mask?: string[] }).update_mask;
    if (b.connection_id !== connection_id) throw new ApiError('BAD_REQUEST', 'Bad Request', 'The connection_id in the request body does not match the URL parameter');
    ensureExtraJson(b.extra);
    const want = (f: string) => (!mask || mask.includes(f)) && f in b;
    const set: Record<string, unknown> = {};
    for (const f of ['conn_type', 'description', 'host', 'login', 'schema', 'port'] as const) if (want(f)) set[f] = b[f] ?? null;
    if (want('password')) { set.password = enc(b.password); set.is_encrypted = !!b.password; }
    if (want('extra')) { set.extra = enc(b.extra); set.is_extra_encrypted = !!b.extra; }
    const c = await db.updateTable('connection').set(set).where('conn_id', '=', connection_id).returningAll().executeTakeFirst();
    if (!c) throw notFound('Connection', `The Connection with connection_id: \`${connection_id}\` was not found`);
    await audit(db, req, { event: 'connection.edit', extra: { connection_id, fields: Object.keys(set) } });
    return out(c);
  });

  app.delete('/connections/:connection_id', { config: { perm: 'delete:connection' }, schema: { params: IdParams } }, async (req, reply) => {
    const { connection_id } = req.params as { connection_id: string };
    const res = await db.deleteFrom('connection').where('conn_id', '=', connection_id).executeTakeFirst();
    if (res.numDeletedRows === 0n) throw notFound('Connection', `The Connection with connection_id: \`${connection_id}\` was not found`);
    await audit(db, req, { event: 'connection.delete', extra: { connection_id } });
    return reply.code(204).send();
  });
};
