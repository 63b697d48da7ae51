/**
 * Expands a mapped task whose upstreams are done (Airflow's DagRun._expand_mapped_task / TaskMap): resolves its
 * expand input from this run's XComs, then turns its placeholder task instance (map_index -1) into map_index 0 and
 * inserts 1..N-1 beside it; an empty expansion skips the placeholder, an unusable or too long one fails it with the
 * reason in its note. Guard: the placeholder changes only while map_index = -1 and its state is none. Returns the
 * ids of the task instances to schedule (none when it was skipped or failed) and what happened.
 */
import type { Transaction } from 'kysely';
import type { Database } from '@windsock/metastore';
import { expandSources, expansionLength, type SerializedTask } from '@windsock/dag-model';

export type ExpansionResult = { kind: 'expanded'; tiIds: string[] } | { kind: 'skipped' | 'failed'; reason: string } | { kind: 'gone' };

export async function expandMappedTask(trx: Transaction<Database>, dagRunId: number, task: SerializedTask, placeholderId: string,
  priorityWeight: number, maxMapLength: number, now: Date): Promise<ExpansionResult> {
  const input = task.expand_input!;
  const sources = expandSources(input);
  const rows = sources.length === 0 ? [] : await trx.selectFrom('xcom').select(['task_id', 'key', 'map_index', 'value'])
    .where('dag_run_id', '=', dagRunId).where('task_id', 'in', sources).orderBy('map_index').execute();
  let missing: string | null = null;
  const resolve = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(resolve);
    if (v === null || typeof v !== 'object') return v;
    const o = v as Record<string, unknown>;
    if (o.__type === 'xcomarg') {
      const key = String(o.key ?? 'return_value');
      const got = rows.filter((r) => r.task_id === o.task_id && r.key === key);
      const plain = got.find((r) => r.map_index === -1);
      if (plain) return plain.value;
      // A mapped upstream: its values as one list in map_index order (Airflow's lazy XCom sequence).
      if (got.length > 0) return got.map((r) => r.value);
      missing ??= String(o.task_id);
      return null;
    }
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, resolve(x)]));
  };
  const resolved = resolve(input.value);
  const length = missing !== null
    ? { ok: false as const, reason: `XComForMappingNotPushed: task ${missing} did not push an XCom to map ${task.task_id} over` }
    : expansionLength(input, resolved, maxMapLength);
  const placeholder = trx.updateTable('task_instance').where('id', '=', placeholderId).where('map_index', '=', -1).where('state', 'is', null);
  if (!length.ok || length.length === 0) {
    const state = length.ok ? 'skipped' : 'failed';
    const reason = length.ok ? `${task.task_id} expanded into 0 task instances` : length.reason;
    const res = await placeholder.set({ state, note: reason, start_date: now, end_date: now, duration: 0, updated_at: now }).executeTakeFirst();
    return Number(res.numUpdatedRows) === 0 ? { kind: 'gone' } : { kind: state, reason };
  }
  const first = await placeholder.set({ map_index: 0, updated_at: now }).returning(['id', 'dag_id', 'run_id', 'max_tries', 'operator', 'pool', 'pool_slots', 'queue'])
    .executeTakeFirst();
  if (!first) return { kind: 'gone' };
  const more = length.length > 1 ? await trx.insertInto('task_instance').values(Array.from({ length: length.length - 1 }, (_, i) => ({
    dag_run_id: dagRunId, dag_id: first.dag_id, run_id: first.run_id, task_id: task.task_id, map_index: i + 1, state: null,
    max_tries: first.max_tries, operator: first.operator, pool: first.pool, pool_slots: first.pool_slots, queue: first.queue,
    priority_weight: priorityWeight,
  }))).onConflict((oc) => oc.columns(['dag_id', 'task_id', 'run_id', 'map_index']).doNothing()).returning('id').execute() : [];
  return { kind: 'expanded', tiIds: [first.id, ...more.map((m) => m.id)] };
}
