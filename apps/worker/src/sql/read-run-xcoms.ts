/**
 * Reads the XComs a template pulls (`{{ ti.xcom_pull(...) }}`), of one DAG run only. Changes nothing. Returns the
 * value of each (task_id, key) that exists, the unmapped row (map_index -1) winning over mapped ones.
 */
import type { Kysely } from 'kysely';
import type { Database } from '@windsock/metastore';

export async function readRunXComs(db: Kysely<Database>, dagRunId: number, wanted: ReadonlyArray<readonly [string, string]>): Promise<Map<string, unknown>> {
  if (wanted.length === 0) return new Map();
  const rows = await db.selectFrom('xcom').select(['task_id', 'key', 'value', 'map_index'])
    .where('dag_run_id', '=', dagRunId)
    .where('task_id', 'in', [...new Set(wanted.map((w) => w[0]))])
    .where('key', 'in', [...new Set(wanted.map((w) => w[1]))])
    .orderBy('map_index', 'desc')
    .execute();
  const out = new Map<string, unknown>();
  for (const r of rows) out.set(xcomKey(r.task_id, r.key), r.value);
  return out;
}

export const xcomKey = (taskId: string, key: string): string => `${taskId}\u0000${key}`;
