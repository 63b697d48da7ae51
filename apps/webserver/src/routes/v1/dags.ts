/** /api/v1 DAGs: list, get, pause. */
import type { FastifyPluginAsync } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { notFound } from '../../errors.ts';
import { orderBy, page } from '../../http/paging.ts';
import { DAG_ORDER, listDags } from '../../queries/dags.ts';
import { loadDag, loadSerialized, tagsOf } from '../../lookups.ts';
import { dagV1 } from '../../serialize/v1.ts';
import { setDagPaused } from '../../sql/set-dag-paused.ts';
import { audit } from '../../audit.ts';
import type { ApiContext } from '../../types.ts';
import { DagParams, Paging, StrArray } from '../v2/schemas.ts';
import { limitsV1 } from './limits.ts';

const DagList = Type.Object({ ...Paging, tags: StrArray, only_active: Type.Optional(Type.Boolean()), paused: Type.Optional(Type.Boolean()), dag_id_pattern: Type.Optional(Type.String()) });
const PauseQuery = Type.Object({ update_mask: StrArray });
const PauseBody = Type.Object({ is_paused: Type.Boolean() });

export const dagRoutesV1 = (ctx: ApiContext): FastifyPluginAsync => async (app) => {
  const { db, events } = ctx;
  const limits = limitsV1(ctx);
  const oneDag = async (dagId: string) => dagV1(await loadDag(db, dagId), (await tagsOf(db, [dagId])).get(dagId) ?? [], await loadSerialized(db, dagId).catch(() => null));

  app.get<{ Querystring: Static<typeof DagList> }>('/dags', { config: { perm: 'read:dag' }, schema: { querystring: DagList } }, async (req) => {
    const q = req.query;
    const { rows, total } = await listDags(db, { tags: q.tags, paused: q.paused, dagIdPattern: q.dag_id_pattern, activeOnly: q.only_active ?? true }, page(q, limits), orderBy(q.order_by, DAG_ORDER, 'dag_id'));
    const tags = await tagsOf(db, rows.map((r) => r.dag_id));
    return { dags: rows.map((d) => dagV1(d, tags.get(d.dag_id) ?? [], null)), total_entries: total };
  });

  app.get<{ Params: Static<typeof DagParams> }>('/dags/:dag_id', { config: { perm: 'read:dag' }, schema: { params: DagParams } }, async (req) => oneDag(req.params.dag_id));

  app.patch<{ Params: Static<typeof DagParams>; Querystring: Static<typeof PauseQuery>; Body: Static<typeof PauseBody> }>('/dags/:dag_id', {
    config: { perm: 'edit:dag' }, schema: { params: DagParams, querystring: PauseQuery, body: PauseBody },
  }, async (req) => {
    const { dag_id } = req.params;
    const { is_paused } = req.body;
    const d = await setDagPaused(db, dag_id, is_paused);
    if (!d) throw notFound('DAG', `The DAG with dag_id: ${dag_id} was not found`);
    events.emit('dags:changed', { dagIds: [dag_id] });
    await audit(db, req, { event: is_paused ? 'paused' : 'unpaused', dagId: dag_id, extra: { is_paused } });
    return oneDag(dag_id);
  });
};
