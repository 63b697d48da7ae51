/**
 * The configured DAG sources' sync state as the DAG processor last wrote it (`dag_source`, migration 0007), with the
 * number of active DAGs each serves: what the API lists, and what a metrics gauge reads (a source with `error` set
 * serves its last good commit). Read-only. Returns the rows by name.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.ts';

export interface DagSourceView {
  name: string; kind: string; url: string | null; ref: string | null; subdir: string | null; commit: string | null;
  last_sync_at: Date | null; last_success_at: Date | null; error: string | null; error_code: string | null; dag_count: number;
}

export async function listDagSources(db: Kysely<Database>): Promise<DagSourceView[]> {
  const rows = await db.selectFrom('dag_source')
    .select((eb) => ['name', 'kind', 'url', 'ref', 'subdir', 'commit', 'last_sync_at', 'last_success_at', 'error', 'error_code',
      eb.selectFrom('dag').select(sql<number>`count(*)::int`.as('n')).whereRef('dag.bundle_name', '=', 'dag_source.name').where('dag.is_active', '=', true).as('dag_count')])
    .orderBy('name').execute();
  return rows.map((r) => ({ ...r, dag_count: Number(r.dag_count ?? 0) }));
}
