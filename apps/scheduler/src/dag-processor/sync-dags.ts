/**
 * Writes the DAG processor's results to the metastore: per file, its DAGs (dag, dag_tag, serialized_dag,
 * dag_code) or its import error. A DAG that left its file, or whose file was deleted, is deactivated; a file
 * with an import error keeps its DAGs' last good version (as Airflow does) and flags them.
 * Guard: upserts keyed on dag_id / fileloc / filename; the DAG's next run is only computed when it has none
 * or its schedule changed, and never moves backwards a timetable another scheduler already advanced.
 * Returns the ids of the DAGs whose serialized form changed.
 */
import { createHash } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '@windsock/metastore';
import { describeSchedule, nextDagRunInfo, type SerializedDag } from '@windsock/dag-model';
import { sanitizeParseResult, sanitizeText, type FileParseResult, type ImportErrorRecord } from '@windsock/dag-parser';

export interface SyncOptions {
  /** [core] dags_are_paused_at_creation */
  pausedAtCreation: boolean;
  now?: Date;
}

export interface SyncInput {
  results: FileParseResult[];
  deleted: string[];
  /** Source text by fileloc, for the code view. */
  sources: Map<string, string>;
}

export function dagHash(dag: SerializedDag): string {
  return createHash('sha256').update(JSON.stringify(dag)).digest('hex').slice(0, 32);
}

export async function syncDags(db: Kysely<Database>, input: SyncInput, opts: SyncOptions): Promise<string[]> {
  const now = opts.now ?? new Date();
  const changed: string[] = [];
  for (const raw of input.results) {
    // Everything a file produced is sanitized at this boundary too (NUL, lone surrogates, size),
    // whoever built the result: a file can never make the insert fail.
    const result = sanitizeParseResult(raw);
    try {
      await storeFile(db, result, input.sources.get(result.fileloc), opts.pausedAtCreation, now, changed);
    } catch (err) {
      // Still refused (a DAG the database will not take): the file gets an import error saying so,
      // and the other files go on. If even that fails the database itself is the problem: rethrow.
      await storeImportError(db, {
        filename: result.fileloc, line: null, stacktrace: '',
        message: `the parsed file could not be stored: ${sanitizeText(err instanceof Error ? err.message : String(err), 500)}`,
      }, now);
    }
  }
  if (input.deleted.length > 0) {
    const res = await db.updateTable('dag').set({ is_active: false }).where('fileloc', 'in', input.deleted).where('is_active', '=', true).returning('dag_id').execute();
    changed.push(...res.map((r) => r.dag_id));
    await db.deleteFrom('import_error').where('filename', 'in', input.deleted).execute();
    await db.deleteFrom('dag_code').where('fileloc', 'in', input.deleted).execute();
  }
  return changed;
}

/** The file's import error (upsert by filename); its DAGs keep their last good version, flagged. */
async function storeImportError(db: Kysely<Database>, e: ImportErrorRecord, now: Date): Promise<void> {
  await db.transaction().execute((trx) => writeImportError(trx, e, now));
}

async function writeImportError(trx: Kysely<Database>, e: ImportErrorRecord, now: Date): Promise<void> {
  await trx.insertInto('import_error').values({ filename: e.filename, line: e.line, message: e.message, stacktrace: e.stacktrace, timestamp: now })
    .onConflict((oc) => oc.column('filename').doUpdateSet({ line: e.line, message: e.message, stacktrace: e.stacktrace, timestamp: now })).execute();
  await trx.updateTable('dag').set({ has_import_errors: true }).where('fileloc', '=', e.filename).execute();
}

/** One file's source, DAGs or import error, in one transaction; `changed` gets its changed dag_ids once committed. */
async function storeFile(db: Kysely<Database>, result: FileParseResult, rawSource: string | undefined, pausedAtCreation: boolean,
  now: Date, changed: string[]): Promise<void> {
  const mine: string[] = [];
  await db.transaction().execute(async (trx) => {
    const source = rawSource === undefined ? undefined : sanitizeText(rawSource);
    if (source !== undefined) {
      const h = createHash('sha256').update(source).digest('hex');
      await trx.insertInto('dag_code').values({ fileloc: result.fileloc, source_code: source, source_hash: h, last_updated: now })
        .onConflict((oc) => oc.column('fileloc').doUpdateSet({ source_code: source, source_hash: h, last_updated: now })).execute();
    }
    if (!result.ok) {
      await writeImportError(trx, { ...result.error, filename: result.fileloc }, now);
      return;
    }
    await trx.deleteFrom('import_error').where('filename', '=', result.fileloc).execute();
    const present = new Set<string>();
    for (const dag of result.dags) {
      present.add(dag.dag_id);
      if (await upsertDag(trx, dag, pausedAtCreation, now)) mine.push(dag.dag_id);
    }
    // DAGs that this file declared before but no longer does.
    let gone = trx.updateTable('dag').set({ is_active: false }).where('fileloc', '=', result.fileloc).where('is_active', '=', true);
    if (present.size > 0) gone = gone.where('dag_id', 'not in', [...present]);
    const res = await gone.returning('dag_id').execute();
    mine.push(...res.map((r) => r.dag_id));
  });
  changed.push(...mine);
}

async function upsertDag(trx: Transaction<Database>, dag: SerializedDag, pausedAtCreation: boolean, now: Date): Promise<boolean> {
  const hash = dagHash(dag);
  const existing = await trx.selectFrom('dag').leftJoin('serialized_dag', 'serialized_dag.dag_id', 'dag.dag_id')
    .select(['dag.dag_id', 'dag.is_active', 'dag.fileloc', 'serialized_dag.dag_hash', 'serialized_dag.data', 'dag.next_dagrun_create_after'])
    .where('dag.dag_id', '=', dag.dag_id).forUpdate('dag').executeTakeFirst();
  const fields = {
    fileloc: dag.fileloc, is_active: true, last_parsed_time: now, owners: dag.owners.join(', '), description: dag.description,
    timetable_summary: scheduleSummary(dag), timetable_description: describeSchedule(dag.schedule),
    max_active_tasks: dag.max_active_tasks, max_active_runs: dag.max_active_runs,
    max_consecutive_failed_dag_runs: dag.max_consecutive_failed_dag_runs, has_import_errors: false, dag_hash: hash,
  };
  if (!existing) {
    const next = nextDagRunInfo(dag, null, now);
    await trx.insertInto('dag').values({
      dag_id: dag.dag_id, ...fields, is_paused: dag.is_paused_upon_creation ?? pausedAtCreation,
      next_dagrun: next?.logicalDate ?? null, next_dagrun_data_interval_start: next?.dataInterval.start ?? null,
      next_dagrun_data_interval_end: next?.dataInterval.end ?? null, next_dagrun_create_after: next?.runAfter ?? null,
    }).execute();
  } else {
    await trx.updateTable('dag').set(fields).where('dag_id', '=', dag.dag_id).execute();
    const old = existing.data;
    const timingChanged = !old || JSON.stringify([old.schedule, old.start_date, old.end_date, old.catchup, old.timezone])
      !== JSON.stringify([dag.schedule, dag.start_date, dag.end_date, dag.catchup, dag.timezone]);
    if (timingChanged || !existing.is_active) await recomputeNextRun(trx, dag, now);
  }
  if (existing?.dag_hash === hash) return false;
  await trx.insertInto('serialized_dag').values({ dag_id: dag.dag_id, fileloc: dag.fileloc, data: JSON.stringify(dag), dag_hash: hash, last_updated: now })
    .onConflict((oc) => oc.column('dag_id').doUpdateSet({ fileloc: dag.fileloc, data: JSON.stringify(dag), dag_hash: hash, last_updated: now })).execute();
  await trx.deleteFrom('dag_tag').where('dag_id', '=', dag.dag_id).execute();
  if (dag.tags.length > 0) {
    await trx.insertInto('dag_tag').values([...new Set(dag.tags)].map((name) => ({ name, dag_id: dag.dag_id }))).execute();
  }
  return true;
}

/** The next run continues after the latest scheduled run that exists (the timetable's "last automated" interval). */
export async function recomputeNextRun(trx: Kysely<Database>, dag: SerializedDag, now: Date): Promise<void> {
  const last = await trx.selectFrom('dag_run').select(['data_interval_start', 'data_interval_end'])
    .where('dag_id', '=', dag.dag_id).where('run_type', '=', 'scheduled')
    .orderBy('logical_date', 'desc').limit(1).executeTakeFirst();
  const lastInterval = last?.data_interval_start && last.data_interval_end ? { start: last.data_interval_start, end: last.data_interval_end } : null;
  const next = nextDagRunInfo(dag, lastInterval, now);
  await trx.updateTable('dag').set({
    next_dagrun: next?.logicalDate ?? null, next_dagrun_data_interval_start: next?.dataInterval.start ?? null,
    next_dagrun_data_interval_end: next?.dataInterval.end ?? null, next_dagrun_create_after: next?.runAfter ?? null,
  }).where('dag_id', '=', dag.dag_id).execute();
}

function scheduleSummary(dag: SerializedDag): string | null {
  const s = dag.schedule;
  switch (s.kind) {
    case 'none': return null;
    case 'once': return '@once';
    case 'cron': return s.raw;
    case 'delta': return `${s.seconds} seconds`;
    default: { const never: never = s; return String(never); }
  }
}
