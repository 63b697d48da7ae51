/**
 * /api/v2 task logs per try: JSON (`{content: [{event, timestamp}], continuation_token}`), NDJSON, or plain text
 * when the client asks for text/plain.
 */
import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import { notFound } from '../../errors.ts';
import { loadTi } from '../../lookups.ts';
import { readLog, type LogTokens } from '../../queries/logs.ts';
import type { ApiContext } from '../../types.ts';
import { TiParams } from './schemas.ts';

export const logRoutesV2 = (ctx: ApiContext, tokens: LogTokens): FastifyPluginAsync => async (app) => {
  app.get('/dags/:dag_id/dagRuns/:dag_run_id/taskInstances/:task_id/logs/:try_number', {
    config: { perm: 'read:task_log' },
    schema: { params: Type.Object({ ...TiParams.properties, try_number: Type.Integer({ minimum: 0 }) }),
      querystring: Type.Object({ full_content: Type.Optional(Type.Boolean()), map_index: Type.Optional(Type.Integer()), token: Type.Optional(Type.String()) }) },
  }, async (req, reply) => {
    const p = req.params as { dag_id: string; dag_run_id: string; task_id: string; try_number: number };
    const q = req.query as { full_content?: boolean; map_index?: number; token?: string };
    const ti = await loadTi(ctx.db, p.dag_id, p.dag_run_id, p.task_id, q.map_index ?? -1);
    if (p.try_number > ti.try_number || p.try_number < 1) throw notFound('Task log', `TaskInstance ${p.task_id} has no try ${p.try_number}`);
    const from = q.full_content || !q.token ? 0 : tokens.read(q.token).log_pos;
    const { lines, position } = await readLog(ctx.db, ti, p.try_number, from, await ctx.secrets.masker());
    const accept = req.headers.accept ?? '';
    if (accept.includes('text/plain')) return reply.type('text/plain').send(lines.map((l) => l.event).join('\n') + (lines.length ? '\n' : ''));
    if (accept.includes('application/x-ndjson')) return reply.type('application/x-ndjson').send(lines.map((l) => JSON.stringify(l)).join('\n') + (lines.length ? '\n' : ''));
    return { content: lines, continuation_token: tokens.sign(position) };
  });
};
