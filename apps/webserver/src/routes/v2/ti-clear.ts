/** /api/v2 clearTaskInstances: clears the task instances a filter names (dry run by default), see sql/clear-tis.ts. */
import type { FastifyPluginAsync } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { ApiError } from '../../errors.ts';
import { loadDag, loadRun, loadSerialized } from '../../lookups.ts';
import { tiV2 } from '../../serialize/v2.ts';
import { audit } from '../../audit.ts';
import { clearTis } from '../../sql/clear-tis.ts';
import { relatedRunIds, relatedTasks } from '../../queries/related.ts';
import { tisToClear } from '../../queries/task-instances.ts';
import type { ApiContext } from '../../types.ts';
import { DagParams, Nullable } from './schemas.ts';

const Bool = Type.Optional(Type.Boolean());
const ClearBody = Type.Object({
  dry_run: Type.Optional(Type.Boolean({ default: true })), task_ids: Type.Optional(Nullable(Type.Array(Type.Union([Type.String(), Type.Array(Type.Union([Type.String(), Type.Integer()]))])))),
  dag_run_id: Type.Optional(Nullable(Type.String())), start_date: Type.Optional(Nullable(Type.String({ format: 'date-time' }))),
  end_date: Type.Optional(Nullable(Type.String({ format: 'date-time' }))), only_failed: Type.Optional(Type.Boolean({ default: true })),
  only_running: Type.Optional(Type.Boolean({ default: false })), reset_dag_runs: Type.Optional(Type.Boolean({ default: true })),
  include_upstream: Bool, include_downstream: Bool, include_future: Bool, include_past: Bool, prevent_running_task: Bool, run_on_latest_version: Bool,
}, { additionalProperties: false });

export const tiClearRoutesV2 = (ctx: ApiContext): FastifyPluginAsync => async (app) => {
  const { db, events } = ctx;

  app.post<{ Params: Static<typeof DagParams>; Body: Static<typeof ClearBody> }>('/dags/:dag_id/clearTaskInstances', {
    config: { perm: 'edit:task_instance' }, schema: { params: DagParams, body: ClearBody },
  }, async (req) => {
    const { dag_id } = req.params;
    const b = req.body;
    await loadDag(db, dag_id);
    const ser = await loadSerialized(db, dag_id);
    const run = b.dag_run_id ? await loadRun(db, dag_id, b.dag_run_id) : null;
    const runIds = run ? await relatedRunIds(db, run, b.include_past ?? false, b.include_future ?? false) : null;
    const named = b.task_ids?.map((t) => (Array.isArray(t) ? String(t[0]) : t));
    const tasks = named ? relatedTasks(ser, named, b.include_upstream ?? false, b.include_downstream ?? false) : null;
    const targets = await tisToClear(db, {
      dagId: dag_id, runIds, tasks, logicalFrom: b.start_date ? new Date(b.start_date) : null, logicalTo: b.end_date ? new Date(b.end_date) : null,
      onlyFailed: b.only_failed ?? true, onlyRunning: b.only_running ?? false,
    });
    if (b.prevent_running_task && targets.some((t) => t.state === 'running')) throw new ApiError('BAD_REQUEST', 'Bad Request', 'Currently running task instances cannot be cleared');
    const out = { task_instances: targets.map((t) => tiV2(t, { logical_date: t.run_logical_date, run_after: t.run_run_after })), total_entries: targets.length };
    if (b.dry_run ?? true) return out;
    const res = await clearTis(db, targets.map((t) => t.id), Object.fromEntries(ser.tasks.map((t) => [t.task_id, t.retries])), b.reset_dag_runs ?? true);
    for (const ti of res.tis) if (ti.prev === 'running') events.emit('ti:cancel', { tiId: ti.id, reason: 'cleared' });
    for (const t of new Map(targets.map((x) => [x.dag_run_id, x])).values()) events.emit('dagrun:created', { dagId: dag_id, runId: t.run_id, dagRunId: t.dag_run_id });
    await audit(db, req, { event: 'clear', dagId: dag_id, runId: b.dag_run_id ?? null, extra: { task_ids: named ?? null, cleared: res.tis.length } });
    return out;
  });
};
