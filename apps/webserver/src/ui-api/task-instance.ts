/**
 * A task instance's page in one read: its details, rendered templates, every try, XComs and the task's
 * definition. (Its log comes from the server's WebSocket, which replays a try and then tails it.)
 */
import type { Kysely } from 'kysely';
import type { Database } from '@windsock/metastore';
import { UiApiError } from './errors.ts';

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export interface TryRow {
  try_number: number; state: string | null; start_date: string | null; end_date: string | null;
  duration: number | null; hostname: string | null; executor: string | null;
}
export interface TiDetails {
  id: string; dag_id: string; run_id: string; task_id: string; map_index: number;
  state: string | null; try_number: number; max_tries: number; operator: string | null; pool: string; queue: string;
  priority_weight: number; start_date: string | null; end_date: string | null; duration: number | null;
  hostname: string | null; note: string | null;
  rendered_fields: Record<string, unknown> | null;
  /** Finished tries from history, then the current one, newest last. */
  tries: TryRow[];
  xcoms: { key: string; value: unknown; timestamp: string }[];
  task: { trigger_rule: string; retries: number; args: Record<string, unknown>; template_fields: string[]; doc_md: string | null } | null;
  /** A mapped task's expanded instances in map_index order (empty for an unmapped task). */
  mapped: { map_index: number; state: string | null; try_number: number }[];
}

function parseJson(v: unknown): unknown {
  if (typeof v !== 'string') return v; // pg already parsed a json column
  try { return JSON.parse(v); } catch { return v; }
}

/** The task instance at mapIndex; without one, the unmapped instance, else a mapped task's first. */
async function findTi(db: Kysely<Database>, dagId: string, runId: string, taskId: string, mapIndex?: number) {
  const ti = await db.selectFrom('task_instance').selectAll().where('dag_id', '=', dagId).where('run_id', '=', runId)
    .where('task_id', '=', taskId).$if(mapIndex !== undefined, (q) => q.where('map_index', '=', mapIndex!))
    .orderBy('map_index').limit(1).executeTakeFirst();
  if (!ti) throw new UiApiError('TI_NOT_FOUND', `The Task Instance with dag_id: \`${dagId}\`, run_id: \`${runId}\` and task_id: \`${taskId}\` was not found`);
  return ti;
}

export async function loadTaskInstance(db: Kysely<Database>, dagId: string, runId: string, taskId: string, mapIndex?: number): Promise<TiDetails> {
  const ti = await findTi(db, dagId, runId, taskId, mapIndex);
  const mapped = await db.selectFrom('task_instance').select(['map_index', 'state', 'try_number']).where('dag_run_id', '=', ti.dag_run_id)
    .where('task_id', '=', taskId).where('map_index', '>=', 0).orderBy('map_index').execute();
  const history = await db.selectFrom('task_instance_history')
    .select(['try_number', 'state', 'start_date', 'end_date', 'duration', 'hostname', 'executor'])
    .where('task_instance_id', '=', ti.id).orderBy('try_number').execute();
  const xcoms = await db.selectFrom('xcom').select(['key', 'value', 'timestamp'])
    .where('dag_run_id', '=', ti.dag_run_id).where('task_id', '=', taskId).where('map_index', '=', ti.map_index).orderBy('key').execute();
  const ser = await db.selectFrom('serialized_dag').select('data').where('dag_id', '=', dagId).executeTakeFirst();
  const task = ser?.data.tasks.find((t) => t.task_id === taskId);
  const tryRow = (h: { try_number: number; state: string | null; start_date: Date | null; end_date: Date | null; duration: number | null; hostname: string | null; executor: string | null }): TryRow =>
    ({ try_number: h.try_number, state: h.state, start_date: iso(h.start_date), end_date: iso(h.end_date), duration: h.duration, hostname: h.hostname, executor: h.executor });
  const tries = history.filter((h) => h.try_number !== ti.try_number).map(tryRow);
  if (ti.try_number > 0) tries.push(tryRow(ti));
  return {
    id: ti.id, dag_id: ti.dag_id, run_id: ti.run_id, task_id: ti.task_id, map_index: ti.map_index, state: ti.state,
    try_number: ti.try_number, max_tries: ti.max_tries, operator: ti.operator, pool: ti.pool, queue: ti.queue,
    priority_weight: ti.priority_weight, start_date: iso(ti.start_date), end_date: iso(ti.end_date), duration: ti.duration,
    hostname: ti.hostname, note: ti.note,
    rendered_fields: ti.rendered_fields == null ? null : parseJson(ti.rendered_fields) as Record<string, unknown>,
    tries,
    xcoms: xcoms.map((x) => ({ key: x.key, value: parseJson(x.value), timestamp: x.timestamp.toISOString() })),
    task: task ? { trigger_rule: task.trigger_rule, retries: task.retries, args: task.args, template_fields: task.template_fields, doc_md: task.doc_md } : null,
    mapped,
  };
}
