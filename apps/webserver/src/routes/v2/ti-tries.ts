/** /api/v2 a task instance's tries: its finished tries from the history, and the current one while it runs. */
import type { FastifyPluginAsync } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { notFound } from '../../errors.ts';
import { loadTi } from '../../lookups.ts';
import { tiHistoryV2 } from '../../serialize/v2.ts';
import { tiTries, tiTry } from '../../queries/task-instances.ts';
import type { ApiContext } from '../../types.ts';
import { TiParams } from './schemas.ts';
import type { TiMapParams } from './ti-mark.ts';

const MapQuery = Type.Object({ map_index: Type.Optional(Type.Integer()) });
type TryPath = Static<typeof TiMapParams> & { task_try_number: number };
type Ti = Awaited<ReturnType<typeof loadTi>>;
/** The current try in the history's shape (it is not there until it finishes). */
const currentTry = (ti: Ti) => tiHistoryV2({ ...ti, task_instance_id: ti.id, id: 0 } as never);

export const tiTryRoutesV2 = (ctx: ApiContext): FastifyPluginAsync => async (app) => {
  const { db } = ctx;

  for (const suffix of ['', '/:map_index']) {
    const params = suffix ? Type.Object({ ...TiParams.properties, map_index: Type.Integer() }) : TiParams;
    app.get<{ Params: Static<typeof TiMapParams>; Querystring: Static<typeof MapQuery> }>(`/dags/:dag_id/dagRuns/:dag_run_id/taskInstances/:task_id${suffix}/tries`, {
      config: { perm: 'read:task_instance' }, schema: { params, querystring: MapQuery },
    }, async (req) => {
      const p = req.params;
      const ti = await loadTi(db, p.dag_id, p.dag_run_id, p.task_id, p.map_index ?? req.query.map_index ?? -1);
      const hist = await tiTries(db, ti.id);
      const tries = hist.map(tiHistoryV2);
      if (ti.try_number > 0 && !hist.some((h) => h.try_number === ti.try_number)) tries.push(currentTry(ti));
      return { task_instances: tries, total_entries: tries.length };
    });
    app.get<{ Params: TryPath; Querystring: Static<typeof MapQuery> }>(`/dags/:dag_id/dagRuns/:dag_run_id/taskInstances/:task_id${suffix}/tries/:task_try_number`, {
      config: { perm: 'read:task_instance' }, schema: { params: Type.Object({ ...params.properties, task_try_number: Type.Integer() }), querystring: MapQuery },
    }, async (req) => {
      const p = req.params;
      const ti = await loadTi(db, p.dag_id, p.dag_run_id, p.task_id, p.map_index ?? req.query.map_index ?? -1);
      const h = await tiTry(db, ti.id, p.task_try_number);
      if (h) return tiHistoryV2(h);
      if (ti.try_number === p.task_try_number) return currentTry(ti);
      throw notFound('Task Instance try', `The Task Instance with dag_id: \`${p.dag_id}\`, run_id: \`${p.dag_run_id}\`, task_id: \`${p.task_id}\`, try_number: \`${p.task_try_number}\` and map_index: \`-1\` was not found`);
    });
  }
};
