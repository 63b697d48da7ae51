/**
 * /api/v2 variables: list, get, create, patch, delete. Values are stored as text (a JSON value that is not a
 * string is stored as its JSON). Variables are kept in clear text (is_encrypted false) because DAG files read
 * them while they are parsed; connections are where secrets belong.
 */
import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import { sql } from 'kysely';
import { ApiError, notFound } from '../../errors.ts';
import { orderBy, page } from '../../http/paging.ts';
import { audit } from '../../audit.ts';
import { redactVariableValue } from '../../secrets.ts';
import type { ApiContext } from '../../types.ts';
import { Nullable, Paging, StrArray } from './schemas.ts';

const KeyParams = Type.Object({ variable_key: Type.String() });
const asText = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

export const variableRoutesV2 = (ctx: ApiContext): FastifyPluginAsync => async (app) => {
  const { db } = ctx;
  // Airflow 3's VariableResponse: values under sensitive keys read "***", for every role.
  const keys = ctx.secrets.keysOnly();
  const shown = (key: string, val: string) => redactVariableValue(keys, key, val);
  const out = (v: { key: string; val: string; description: string | null; is_encrypted: boolean }) => ({ key: v.key, value: shown(v.key, v.val), description: v.description, is_encrypted: v.is_encrypted, team_name: null });
  const limits = { max: ctx.config.api.maximum_page_limit, fallback: ctx.config.api.fallback_page_limit };

  app.get('/variables', { config: { perm: 'read:variable' }, schema: { querystring: Type.Object({ ...Paging, variable_key_pattern: Type.Optional(Type.String()) }) } }, async (req) => {
    const q = req.query as { variable_key_pattern?: string; order_by?: string; limit?: number; offset?: number };
    let b = db.selectFrom('variable');
    if (q.variable_key_pattern) b = b.where('key', 'ilike', `%${q.variable_key_pattern}%`);
    const total = await b.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
    let rows = b.selectAll();
    for (const o of orderBy(q.order_by, { id: 'id', key: 'key', description: 'description', is_encrypted: 'is_encrypted' }, 'id')) rows = rows.orderBy(sql.ref(o.column), o.direction);
    const pg = page(q, limits);
    return { variables: (await rows.limit(pg.limit).offset(pg.offset).execute()).map(out), total_entries: total.n };
  });

  app.get('/variables/:variable_key', { config: { perm: 'read:variable' }, schema: { params: KeyParams } }, async (req) => {
    const { variable_key } = req.params as { variable_key: string };
    const v = await db.selectFrom('variable').selectAll().where('key', '=', variable_key).executeTakeFirst();
    if (!v) throw notFound('Variable', `The Variable with key: \`${variable_key}\` was not found`);
    return out(v);
  });

  app.post('/variables', {
    config: { perm: 'create:variable' },
    schema: { body: Type.Object({ key: Type.String({ minLength: 1, maxLength: 250 }), value: Type.Unknown(), description: Type.Optional(Nullable(Type.String())), team_name: Type.Optional(Nullable(Type.String())) }, { additionalProperties: false }) },
  }, async (req, reply) => {
    const b = req.body as { key: string; value: unknown; description?: string | null };
    if (b.value === undefined) throw new ApiError('BAD_REQUEST', 'Bad Request', 'value: Field required');
    const v = await db.insertInto('variable').values({ key: b.key, val: asText(b.value), description: b.description ?? null })
      .onConflict((oc) => oc.column('key').doNothing()).returningAll().executeTakeFirst();
    if (!v) throw new ApiError('ALREADY_EXISTS', 'Conflict', `The Variable with key: \`${b.key}\` already exists`);
    await audit(db, req, { event: 'variable.create', extra: { key: b.key } });
    return reply.code(201).send(out(v));
  });

  app.patch('/variables/:variable_key', {
    config: { perm: 'edit:variable' },
    schema: { params: KeyParams, querystring: Type.Object({ update_mask: StrArray }), body: Type.Object({ key: Type.String(), value: Type.Unknown(), description: Type.Optional(Nullable(Type.String())), team_name: Type.Optional(Nullable(Type.String())) }, { additionalProperties: false }) },
  }, async (req) => {
    const { variable_key } = req.params as { variable_key: string };
    const b = req.body as { key: string; value: unknown; description?: string | null };
    const mask = (req.query as { update_mask?: string[] }).update_mask;
    if (b.key !== variable_key) throw new ApiError('BAD_REQUEST', 'Bad Request', 'Invalid body, key from request body doesn\'t match uri parameter');
    const set: { val?: string; description?: string | null } = {};
    if ((!mask || mask.includes('value')) && b.value !== undefined) {
      // A form that sends back the masked value it was shown ("***") leaves the stored value as it is.
      const old = await db.selectFrom('variable').select('val').where('key', '=', variable_key).executeTakeFirst();
      const masked = old ? shown(variable_key, old.val) : null;
      if (!(old && masked !== old.val && asText(b.value) === masked)) set.val = asText(b.value);
    }
    if ((!mask || mask.includes('description')) && 'description' in b) set.description = b.description ?? null;
    const v = Object.keys(set).length
      ? await db.updateTable('variable').set(set).where('key', '=', variable_key).returningAll().executeTakeFirst()
      : await db.selectFrom('variable').selectAll().where('key', '=', variable_key).executeTakeFirst();
    if (!v) throw notFound('Variable', `The Variable with key: \`${variable_key}\` was not found`);
    await audit(db, req, { event: 'variable.edit', extra: { key: variable_key, fields: Object.keys(set) } });
    return out(v);
  });

  app.delete('/variables/:variable_key', { config: { perm: 'delete:variable' }, schema: { params: KeyParams } }, async (req, reply) => {
    const { variable_key } = req.params as { variable_key: string };
    const res = await db.deleteFrom('variable').where('key', '=', variable_key).executeTakeFirst();
    if (res.numDeletedRows === 0n) throw notFound('Variable', `The Variable with key: \`${variable_key}\` was not found`);
    await audit(db, req, { event: 'variable.delete', extra: { key: variable_key } });
    return reply.code(204).send();
  });
};
