/**
 * The code view's copy of DAG files: `dag_code` rows upserted when a file is parsed, deleted with the file.
 * Guard: keyed on fileloc (the upsert replaces the row of the same file). Returns nothing.
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '@windsock/metastore';

export async function storeDagCode(db: Kysely<Database>, fileloc: string, source: string, now: Date): Promise<void> {
  const h = createHash('sha256').update(source).digest('hex');
  await db.insertInto('dag_code').values({ fileloc, source_code: source, source_hash: h, last_updated: now })
    .onConflict((oc) => oc.column('fileloc').doUpdateSet({ source_code: source, source_hash: h, last_updated: now })).execute();
}

export async function deleteDagCode(db: Kysely<Database>, filelocs: string[]): Promise<void> {
  await db.deleteFrom('dag_code').where('fileloc', 'in', filelocs).execute();
}
