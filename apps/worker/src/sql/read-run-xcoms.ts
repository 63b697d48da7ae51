/**
 * Reads the XComs a template pulls (`{{ ti.xcom_pull(...) }}`), of one DAG run only. Changes nothing. Returns the
 * value of each (task_id, key) that exists: the unmapped row (map_index -1), else a mapped task's values as one list in
 * map_index order (as Airflow's xcom_pull of a mapped task gives them).
 */
import type { Kysely } from 'kysely';
import type { Database } from '@windsock/metastore';

export async function readRunXComs(db: Kysely<Database>, dagRunId: number, wanted: ReadonlyArray<readonly [string, string]>): Promise<Map<string, unknown>> {
  if (wanted.length === 0) return new Map();
  const rows = await db.selectFrom('xcom').select(['task_id', 'key', 'value', 'map_index'])
    .where('dag_run_id', '=', dagRunId)
    .where('task_id', 'in', [...new Set(wanted.map((w) => w[0]))])
    .where('key', 'in', [...new Set(wanted.map((w) => w[1]))])
    .orderBy('map_index')
    .execute();
  const out = new Map<string, unknown>();
  const mapped = new Map<string, unknown[]>();
  for (const r of rows) {
    const k = xcomKey(r.task_id, r.key);
    if (r.map_index < 0) out.set(k, r.value);
    else (mapped.get(k) ?? mapped.set(k, []).get(k)!).push(r.value);
  }
  for (const [k, values] of mapped) if (!out.has(k)) out.set(k, values);
  return out;
}

export const xcomKey = (taskId: string, key: string): string => `${taskId}\u0000${key}`;
