/**
 * A file's import error: upserted by filename, with the file's DAGs flagged `has_import_errors` (they keep their
 * last good version, as in Airflow); cleared when the file parses again or is deleted.
 * Guard: keyed on filename. Returns nothing.
 */
import type { Kysely } from 'kysely';
import type { Database } from '@windsock/metastore';
import type { ImportErrorRecord } from '@windsock/dag-parser';

/** Call inside a transaction: the error and the flag go together. */
export async function writeImportError(trx: Kysely<Database>, e: ImportErrorRecord, now: Date): Promise<void> {
  await trx.insertInto('import_error').values({ filename: e.filename, line: e.line, message: e.message, stacktrace: e.stacktrace, timestamp: now })
    .onConflict((oc) => oc.column('filename').doUpdateSet({ line: e.line, message: e.message, stacktrace: e.stacktrace, timestamp: now })).execute();
  await trx.updateTable('dag').set({ has_import_errors: true }).where('fileloc', '=', e.filename).execute();
}

export async function clearImportErrors(db: Kysely<Database>, filenames: string[]): Promise<void> {
  await db.deleteFrom('import_error').where('filename', 'in', filenames).execute();
}
