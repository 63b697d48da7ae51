/**
 * 0007 — DAG sources (issue 16). `dag.bundle_name` / `dag.bundle_version`: the source a DAG came from and that
 * source's commit when it was last stored (Airflow 3's DagModel columns); `dag_run.bundle_version`: the commit a run
 * ran, copied from its DAG when the run is created. `dag_source`: each configured source's sync state as the DAG
 * processor last saw it (commit, last sync, last error), read by the API, the UI's banner and the metrics.
 */
import { type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('dag').addColumn('bundle_name', 'text').execute();
  await db.schema.alterTable('dag').addColumn('bundle_version', 'text').execute();
  await db.schema.alterTable('dag_run').addColumn('bundle_version', 'text').execute();
  await db.schema.createTable('dag_source')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('url', 'text')
    .addColumn('ref', 'text')
    .addColumn('subdir', 'text')
    .addColumn('commit', 'text')
    .addColumn('last_sync_at', 'timestamptz')
    .addColumn('last_success_at', 'timestamptz')
    .addColumn('error', 'text')
    .addColumn('error_code', 'text')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('dag_source').execute();
  await db.schema.alterTable('dag_run').dropColumn('bundle_version').execute();
  await db.schema.alterTable('dag').dropColumn('bundle_version').execute();
  await db.schema.alterTable('dag').dropColumn('bundle_name').execute();
}
