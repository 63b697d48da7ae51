/**
 * Each configured DAG source's sync state (`dag_source` rows) as this DAG processor last saw it: upserted by name;
 * rows of sources no longer configured are deleted. Read by the API (/api/windsock/v1/dag-sources), the UI's banner
 * and the metrics. The URL is stored redacted (no password).
 * Guard: keyed on name. Returns nothing.
 */
import type { Kysely } from 'kysely';
import type { Database } from '@windsock/metastore';

export interface DagSourceRow {
  name: string; kind: string; url: string | null; ref: string | null; subdir: string | null; commit: string | null;
  lastSyncAt: Date | null; lastSuccessAt: Date | null; error: string | null; errorCode: string | null;
}

export async function recordDagSourceStates(db: Kysely<Database>, states: readonly DagSourceRow[], all: readonly string[], now = new Date()): Promise<void> {
  for (const s of states) {
    const v = {
      kind: s.kind, url: s.url, ref: s.ref, subdir: s.subdir || null, commit: s.commit, last_sync_at: s.lastSyncAt,
      last_success_at: s.lastSuccessAt, error: s.error, error_code: s.errorCode, updated_at: now,
    };
    await db.insertInto('dag_source').values({ name: s.name, ...v }).onConflict((oc) => oc.column('name').doUpdateSet(v)).execute();
  }
  const gone = db.deleteFrom('dag_source');
  await (all.length > 0 ? gone.where('name', 'not in', [...all]) : gone).execute();
}
