/** /api/v1 variables: list, get, create (replacing one of the same key), patch, delete. */
import type { FastifyPluginAsync } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { ApiError, notFound } from '../../errors.ts';
import { orderBy, page } from '../../http/paging.ts';
import { createVariable, deleteVariable, listVariables, readVariable, updateVariable } from '../../sql/variables.ts';
import { redactVariableValue } from '../../secrets.ts';
import { audit } from '../../audit.ts';
import type { ApiContext } from '../../types.ts';
import { Nullable, Paging, StrArray } from '../v2/schemas.ts';
import { limitsV1 } from './limits.ts';

const List = Type.Object(Paging);
const KeyParams = Type.Object({ variable_key: Type.String() });
const PatchQuery = Type.Object({ update_mask: StrArray });
const VarBody = Type.Object({ key: Type.String({ minLength: 1 }), value: Type.String(), description: Type.Optional(Nullable(Type.String())) });
const GONE = 'Variable does not exist';
const out = (v: { key: string; val: string; description: string | null }) => ({ key: v.key, value: v.val, description: v.description });

export const variableRoutesV1 = (ctx: ApiContext): FastifyPluginAsync => async (app) => {
  const { db } = ctx;
  const limits = limitsV1(ctx);

  app.get<{ Querystring: Static<typeof List> }>('/variables', { config: { perm: 'read:variable' }, schema: { querystring: List } }, async (req) => {
    const { rows, total } = await listVariables(db, {}, page(req.query, limits), orderBy(req.query.order_by, { id: 'id', key: 'key' }, 'id'));
    return { variables: rows.map((v) => ({ key: v.key, description: v.description })), total_entries: total };
  });

  app.get<{ Params: Static<typeof KeyParams> }>('/variables/:variable_key', { config: { perm: 'read:variable' }, schema: { params: KeyParams } }, async (req) => {
    const v = await readVariable(db, req.params.variable_key);
    if (!v) throw notFound('Variable', GONE);
    return { ...out(v), value: redactVariableValue(ctx.secrets.keysOnly(), v.key, v.val) };
  });

  app.post<{ Body: Static<typeof VarBody> }>('/variables', { config: { perm: 'create:variable' }, schema: { body: VarBody } }, async (req) => {
    const b = req.body;
    const v = await createVariable(db, { key: b.key, val: b.value, description: b.description ?? null }, 'replace');
    await audit(db, req, { event: 'variable.create', extra: { key: b.key } });
    return out(v!);
  });

  app.patch<{ Params: Static<typeof KeyParams>; Querystring: Static<typeof PatchQuery>; Body: Static<typeof VarBody> }>('/variables/:variable_key', {
    config: { perm: 'edit:variable' }, schema: { params: KeyParams, querystring: PatchQuery, body: VarBody },
  }, async (req) => {
    const { variable_key } = req.params;
    const b = req.body;
    if (b.key !== variable_key) throw new ApiError('BAD_REQUEST', 'Bad Request', 'Invalid post body: key from request body doesn\'t match uri parameter');
    const v = await updateVariable(db, variable_key, { val: b.value, description: b.description ?? null });
    if (!v) throw notFound('Variable', GONE);
    await audit(db, req, { event: 'variable.edit', extra: { key: variable_key } });
    return out(v);
  });

  app.delete<{ Params: Static<typeof KeyParams> }>('/variables/:variable_key', { config: { perm: 'delete:variable' }, schema: { params: KeyParams } }, async (req, reply) => {
    if (!await deleteVariable(db, req.params.variable_key)) throw notFound('Variable', GONE);
    await audit(db, req, { event: 'variable.delete', extra: { key: req.params.variable_key } });
    return reply.code(204).send();
  });
};
