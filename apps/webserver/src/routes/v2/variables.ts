/**
 * /api/v2 variables: list, get, create, patch, delete. Values are stored as text (a JSON value that is not a
 * string is stored as its JSON). Variables are kept in clear text (is_encrypted false) because DAG files read
 * them while they are parsed; connections are where secrets belong.
 */
import type { FastifyPluginAsync } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { ApiError, notFound } from '../../errors.ts';
import { orderBy, page } from '../../http/paging.ts';
import { audit } from '../../audit.ts';
import { redactVariableValue } from '../../secrets.ts';
import { createVariable, deleteVariable, listVariables, readVariable, updateVariable, VARIABLE_ORDER, type VariableRow } from '../../sql/variables.ts';
import type { ApiContext } from '../../types.ts';
import { Nullable, Paging, StrArray } from './schemas.ts';

const List = Type.Object({ ...Paging, variable_key_pattern: Type.Optional(Type.String()) });
const KeyParams = Type.Object({ variable_key: Type.String() });
const CreateBody = Type.Object({ key: Type.String({ minLength: 1, maxLength: 250 }), value: Type.Unknown(), description: Type.Optional(Nullable(Type.String())), team_name: Type.Optional(Nullable(Type.String())) }, { additionalProperties: false });
const PatchQuery = Type.Object({ update_mask: StrArray });
const PatchBody = Type.Object({ key: Type.String(), value: Type.Unknown(), description: Type.Optional(Nullable(Type.String())), team_name: Type.Optional(Nullable(Type.String())) }, { additionalProperties: false });
const asText = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));
const gone = (key: string) => notFound('Variable', `The Variable with key: \`${key}\` was not found`);

export const variableRoutesV2 = (ctx: ApiContext): FastifyPluginAsync => async (app) => {
  const { db } = ctx;
  // Airflow 3's VariableResponse: values under sensitive keys read "***", for every role.
  const keys = ctx.secrets.keysOnly();
  const shown = (key: string, val: string) => redactVariableValue(keys, key, val);
  const out = (v: VariableRow) => ({ key: v.key, value: shown(v.key, v.val), description: v.description, is_encrypted: v.is_encrypted, team_name: null });
  const limits = { max: ctx.config.api.maximum_page_limit, fallback: ctx.config.api.fallback_page_limit };

  app.get<{ Querystring: Static<typeof List> }>('/variables', { config: { perm: 'read:variable' }, schema: { querystring: List } }, async (req) => {
    const q = req.query;
    const { rows, total } = await listVariables(db, { keyPattern: q.variable_key_pattern }, page(q, limits), orderBy(q.order_by, VARIABLE_ORDER, 'id'));
    return { variables: rows.map(out), total_entries: total };
  });

  app.get<{ Params: Static<typeof KeyParams> }>('/variables/:variable_key', { config: { perm: 'read:variable' }, schema: { params: KeyParams } }, async (req) => {
    const v = await readVariable(db, req.params.variable_key);
    if (!v) throw gone(req.params.variable_key);
    return out(v);
  });

  app.post<{ Body: Static<typeof CreateBody> }>('/variables', { config: { perm: 'create:variable' }, schema: { body: CreateBody } }, async (req, reply) => {
    const b = req.body;
    if (b.value === undefined) throw new ApiError('BAD_REQUEST', 'Bad Request', 'value: Field required');
    const v = await createVariable(db, { key: b.key, val: asText(b.value), description: b.description ?? null }, 'keep');
    if (!v) throw new ApiError('ALREADY_EXISTS', 'Conflict', `The Variable with key: \`${b.key}\` already exists`);
    await audit(db, req, { event: 'variable.create', extra: { key: b.key } });
    return reply.code(201).send(out(v));
  });

  app.patch<{ Params: Static<typeof KeyParams>; Querystring: Static<typeof PatchQuery>; Body: Static<typeof PatchBody> }>('/variables/:variable_key', {
    config: { perm: 'edit:variable' }, schema: { params: KeyParams, querystring: PatchQuery, body: PatchBody },
  }, async (req) => {
    const { variable_key } = req.params;
    const b = req.body;
    const mask = req.query.update_mask;
    if (b.key !== variable_key) throw new ApiError('BAD_REQUEST', 'Bad Request', 'Invalid body, key from request body doesn\'t match uri parameter');
    const set: { val?: string; description?: string | null } = {};
    if ((!mask || mask.includes('value')) && b.value !== undefined) {
      // A form that sends back the masked value it was shown ("***") leaves the stored value as it is.
      const old = await readVariable(db, variable_key);
      const masked = old ? shown(variable_key, old.val) : null;
      if (!(old && masked !== old.val && asText(b.value) === masked)) set.val = asText(b.value);
    }
    if ((!mask || mask.includes('description')) && 'description' in b) set.description = b.description ?? null;
    const v = await updateVariable(db, variable_key, set);
    if (!v) throw gone(variable_key);
    await audit(db, req, { event: 'variable.edit', extra: { key: variable_key, fields: Object.keys(set) } });
    return out(v);
  });

  app.delete<{ Params: Static<typeof KeyParams> }>('/variables/:variable_key', { config: { perm: 'delete:variable' }, schema: { params: KeyParams } }, async (req, reply) => {
    if (!await deleteVariable(db, req.params.variable_key)) throw gone(req.params.variable_key);
    await audit(db, req, { event: 'variable.delete', extra: { key: req.params.variable_key } });
    return reply.code(204).send();
  });
};
