/**
 * Reads every variable, for the snapshot `Variable.get` in DAG files sees while they are parsed.
 * Guard: none (a read). Returns key → value.
 */
import type { Kysely } from 'kysely';
import type { Database } from '@windsock/metastore';

export async function variablesSnapshot(db: Kysely<Database>): Promise<Record<string, string>> {
  const rows = await db.selectFrom('variable').select(['key', 'val']).execute();
  return Object.fromEntries(rows.map((v) => [v.key, v.val]));
}
