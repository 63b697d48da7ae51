/**
 * Writes the DAG processor's results to the metastore: per file, its DAGs (dag, dag_tag, serialized_dag,
 * dag_code) or its import error, in one transaction. A DAG that left its file, or whose file was deleted, is
 * deactivated; a file with an import error keeps its DAGs' last good version (as Airflow does) and flags them.
 * Each DAG passes dag-model's parseSerializedDag first. The statements are in sql/, one file each, with their guards.
 * Returns the ids of the DAGs whose serialized form changed.
 */
import type { Kysely } from 'kysely';
import type { Database } from '@windsock/metastore';
import { isReservedDagId, parseSerializedDag } from '@windsock/dag-model';
import { sanitizeParseResult, sanitizeText, type FileParseResult } from '@windsock/dag-parser';
import { deleteDagCode, storeDagCode } from './sql/dag-code.ts';
import { clearImportErrors, writeImportError } from './sql/import-errors.ts';
import { deactivateDagsGoneFrom, deactivateDagsOfFiles } from './sql/deactivate-dags.ts';
import { upsertDag, type DagBundle } from './sql/upsert-dag.ts';

export { dagHash } from './sql/upsert-dag.ts';
export { recomputeNextRun } from './sql/recompute-next-run.ts';
export { setBundleVersion } from './sql/bundle-version.ts';
export { recordDagSourceStates, type DagSourceRow } from './sql/dag-source-state.ts';

export interface SyncOptions {
  /** [core] dags_are_paused_at_creation */
  pausedAtCreation: boolean;
  now?: Date;
  /** The source and commit of a file's DAGs (DAG sources); absent: none. */
  bundleOf?: (fileloc: string) => DagBundle | null;
}

export interface SyncInput {
  results: FileParseResult[];
  deleted: string[];
  /** Source text by fileloc, for the code view. */
  sources: Map<string, string>;
}

export async function syncDags(db: Kysely<Database>, input: SyncInput, opts: SyncOptions): Promise<string[]> {
  const now = opts.now ?? new Date();
  const changed: string[] = [];
  for (const raw of input.results) {
    // Everything a file produced is sanitized at this boundary too (NUL, lone surrogates, size),
    // whoever built the result: a file can never make the insert fail.
    const result = sanitizeParseResult(raw);
    try {
      changed.push(...await storeFile(db, result, input.sources.get(result.fileloc), opts.pausedAtCreation, now, opts.bundleOf?.(result.fileloc) ?? null));
    } catch (err) {
      // Still refused (a DAG the database will not take): the file gets an import error saying so,
      // and the other files go on. If even that fails the database itself is the problem: rethrow.
      const message = `the parsed file could not be stored: ${sanitizeText(err instanceof Error ? err.message : String(err), 500)}`;
      await db.transaction().execute((trx) => writeImportError(trx, { filename: result.fileloc, line: null, stacktrace: '', message }, now));
    }
  }
  if (input.deleted.length > 0) {
    changed.push(...await deactivateDagsOfFiles(db, input.deleted));
    await clearImportErrors(db, input.deleted);
    await deleteDagCode(db, input.deleted);
  }
  return changed;
}

/** One file's source, DAGs or import error, in one transaction; returns its changed dag_ids once committed. */
async function storeFile(db: Kysely<Database>, result: FileParseResult, rawSource: string | undefined, pausedAtCreation: boolean, now: Date, bundle: DagBundle | null): Promise<string[]> {
  return db.transaction().execute(async (trx) => {
    if (rawSource !== undefined) await storeDagCode(trx, result.fileloc, sanitizeText(rawSource), now);
    if (!result.ok) {
      await writeImportError(trx, { ...result.error, filename: result.fileloc }, now);
      return [];
    }
    // The built-in jobs DAGs (dag-model's jobs.ts) are Windsock's: a file declaring one is an import error.
    const reserved = result.dags.find((d) => isReservedDagId(d.dag_id));
    if (reserved) {
      const message = `dag_id '${reserved.dag_id}' is reserved for Windsock's jobs (windsock jobs submit); rename the DAG`;
      await writeImportError(trx, { filename: result.fileloc, line: null, stacktrace: message, message }, now);
      return [];
    }
    await clearImportErrors(trx, [result.fileloc]);
    const mine: string[] = [];
    const present = new Set<string>();
    for (const parsed of result.dags) {
      // The edge where a serialized DAG enters the metastore: whatever built it, it is checked here, and a DAG
      // that fails (DagValidationError) makes the file an import error below instead of a row nothing can run.
      const dag = parseSerializedDag(parsed);
      present.add(dag.dag_id);
      if (await upsertDag(trx, dag, pausedAtCreation, now, bundle)) mine.push(dag.dag_id);
    }
    // DAGs that this file declared before but no longer does.
    mine.push(...await deactivateDagsGoneFrom(trx, result.fileloc, present));
    return mine;
  });
}
