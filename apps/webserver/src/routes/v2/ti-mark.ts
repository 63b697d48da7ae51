/**
 * /api/v2 marking task instances: PATCH a task instance (and, on request, its upstream / downstream tasks and past /
 * future runs) to success, failed or skipped, or set its note; `/dry_run` answers what would change.
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { ApiError } from '../../errors.ts';
import { loadRun, loadSerialized, loadTi } from '../../lookups.ts';
import { tiV2 } from '../../serialize/v2.ts';
import { audit } from '../../audit.ts';
import { setTiState } from '../../sql/set-ti-state.ts';
import { setTiNote } from '../../sql/set-note.ts';
import { relatedRunIds, relatedTasks } from '../../queries/related.ts';
import { tisByIds, tisToMark } from '../../queries/task-instances.ts';
import type { ApiContext } from '../../types.ts';
import { Nullable, StrArray, TiParams } from './schemas.ts';

const MarkBody = Type.Object({
  new_state: Type.Optional(Type.Union([Type.Literal('success'), Type.Literal('failed'), Type.Literal('skipped')])),
  note: Type.Optional(Nullable(Type.String({ maxLength: 1000 }))),
  include_upstream: Type.Optional(Type.Boolean()), include_downstream: Type.Optional(Type.Boolean()),
  include_future: Type.Optional(Type.Boolean()), include_past: Type.Optional(Type.Boolean()),
}, { additionalProperties: false });
export const TiMapParams = Type.Object({ ...TiParams.properties, map_index: Type.Optional(Type.Integer()) });
const MarkQuery = Type.Object({ map_index: Type.Optional(Type.Integer()), update_mask: StrArray });
type Mark = Static<typeof MarkBody>;
type TiPath = Static<typeof TiMapParams>;

export const tiMarkRoutesV2 = (ctx: ApiContext): FastifyPluginAsync => async (app) => {
  const { db, events } = ctx;

  const setNote = async (p: TiPath, mapIndex: number, tiId: string, note: string | null | undefined, dryRun: boolean, req: FastifyRequest) => {
    if (!dryRun) {
      await setTiNote(db, tiId, note ?? null);
      await audit(db, req, { event: 'ti_set_note', dagId: p.dag_id, runId: p.dag_run_id, taskId: p.task_id, mapIndex });
    }
    return loadTi(db, p.dag_id, p.dag_run_id, p.task_id, mapIndex);
  };

  const mark = async (p: TiPath, mapIndex: number, b: Mark, dryRun: boolean, req: FastifyRequest) => {
    const run = await loadRun(db, p.dag_id, p.dag_run_id);
    const ti = await loadTi(db, p.dag_id, p.dag_run_id, p.task_id, mapIndex);
    if (b.new_state === undefined && b.note === undefined) throw new ApiError('BAD_REQUEST', 'Bad Request', 'new_state: give new_state or note');
    if (b.new_state === undefined) return { task_instances: [tiV2(await setNote(p, mapIndex, ti.id, b.note, dryRun, req), run)], total_entries: 1 };
    const state = b.new_state;
    const ser = await loadSerialized(db, p.dag_id);
    const tasks = relatedTasks(ser, [p.task_id], b.include_upstream ?? false, b.include_downstream ?? false);
    const runs = await relatedRunIds(db, run, b.include_past ?? false, b.include_future ?? false);
    const targets = await tisToMark(db, runs, tasks, state);
    if (dryRun) return { task_instances: targets.map((t) => tiV2(t, run)), total_entries: targets.length };
    const changed = await setTiState(db, targets.map((t) => t.id), state);
    const byId = new Map(targets.map((t) => [t.id, t]));
    for (const c of changed) {
      if (c.prev === 'running') events.emit('ti:cancel', { tiId: c.id, reason: `marked ${state}` });
      const t = byId.get(c.id)!;
      events.emit('ti:finished', { tiId: c.id, dagId: t.dag_id, runId: t.run_id, dagRunId: c.dag_run_id, taskId: c.task_id, tryNumber: c.try_number, state });
    }
    if (b.note !== undefined) await setTiNote(db, ti.id, b.note ?? null);
    await audit(db, req, { event: `mark_${state}`, dagId: p.dag_id, runId: p.dag_run_id, taskId: p.task_id, mapIndex, extra: { changed: changed.length, ...b } });
    const after = await tisByIds(db, changed.length ? changed.map((c) => c.id) : [ti.id]);
    return { task_instances: after.map((t) => tiV2(t, run)), total_entries: after.length };
  };

  for (const suffix of ['', '/:map_index']) {
    const params = suffix ? Type.Object({ ...TiParams.properties, map_index: Type.Integer() }) : TiParams;
    for (const [tail, perm, dryRun] of [['', 'edit:task_instance', false], ['/dry_run', 'read:task_instance', true]] as const) {
      app.patch<{ Params: TiPath; Querystring: Static<typeof MarkQuery>; Body: Mark }>(`/dags/:dag_id/dagRuns/:dag_run_id/taskInstances/:task_id${suffix}${tail}`, {
        config: { perm }, schema: { params, querystring: MarkQuery, body: MarkBody },
      }, async (req) => mark(req.params, req.params.map_index ?? req.query.map_index ?? -1, req.body, dryRun, req));
    }
  }
};
