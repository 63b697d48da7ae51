/**
 * Stores one parsed DAG: its `dag` row (inserted with its first next run, or updated), and when its serialized
 * form changed, its `serialized_dag` and `dag_tag` rows.
 * Guard: the `dag` row is locked (`for update`) while it is compared and written; the next run is only recomputed
 * when the DAG was inactive or its timing (schedule, dates, catchup, timezone) changed, so it never moves back a
 * timetable another scheduler already advanced. Returns whether the serialized form changed.
 */
import { createHash } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { Database } from '@windsock/metastore';
import { describeSchedule, nextDagRunInfo, type SerializedDag } from '@windsock/dag-model';
import { recomputeNextRun } from './recompute-next-run.ts';

export function dagHash(dag: SerializedDag): string {
  return createHash('sha256').update(JSON.stringify(dag)).digest('hex').slice(0, 32);
}

/** The source a DAG came from and its commit (both null for a plain dags_folder outside git). */
export interface DagBundle { name: string | null; version: string | null }

export async function upsertDag(trx: Transaction<Database>, dag: SerializedDag, pausedAtCreation: boolean, now: Date, bundle?: DagBundle | null): Promise<boolean> {
  const hash = dagHash(dag);
  const existing = await trx.selectFrom('dag').leftJoin('serialized_dag', 'serialized_dag.dag_id', 'dag.dag_id')
    .select(['dag.dag_id', 'dag.is_active', 'dag.fileloc', 'serialized_dag.dag_hash', 'serialized_dag.data', 'dag.next_dagrun_create_after'])
    .where('dag.dag_id', '=', dag.dag_id).forUpdate('dag').executeTakeFirst();
  const fields = {
    fileloc: dag.fileloc, is_active: true, last_parsed_time: now, owners: dag.owners.join(', '), description: dag.description,
    timetable_summary: scheduleSummary(dag), timetable_description: describeSchedule(dag.schedule),
    max_active_tasks: dag.max_active_tasks, max_active_runs: dag.max_active_runs,
    max_consecutive_failed_dag_runs: dag.max_consecutive_failed_dag_runs, has_import_errors: false, dag_hash: hash,
    bundle_name: bundle?.name ?? null, bundle_version: bundle?.version ?? null,
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
