/**
 * A DAG source moved to a new commit: its active DAGs whose files did not change (so were not stored again) now
 * carry the new commit too, as the next run of each will run the source at that commit.
 * Guard: only the source's own active DAGs, only those at another commit. Returns the number of DAGs updated.
 */
import type { Kysely } from 'kysely';
import type { Database } from '@windsock/metastore';

export async function setBundleVersion(db: Kysely<Database>, name: string, commit: string): Promise<number> {
  const res = await db.updateTable('dag').set({ bundle_version: commit })
    .where('bundle_name', '=', name).where('is_active', '=', true)
    .where((eb) => eb.or([eb('bundle_version', 'is', null), eb('bundle_version', '!=', commit)]))
    .executeTakeFirst();
  return Number(res.numUpdatedRows);
}
