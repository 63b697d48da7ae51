/**
 * Creates the next scheduled run of one DAG and advances the DAG's next_dagrun fields.
 * Guard: the DAG row is locked `for update skip locked` (another scheduler holding it skips it) and the run
 * insert is `on conflict do nothing` on (dag_id, run_id), so two schedulers never create the same run.
 * Returns the run created, or null.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '@windsock/metastore';
import { generateRunId, nextDagRunInfo, type SerializedDag } from '@windsock/dag-model';

export interface CreatedRun { id: number; dagId: string; runId: string }

export async function dagsDueForRuns(db: Kysely<Database>, now: Date, limit: number): Promise<string[]> {
  const rows = await db.selectFrom('dag').select('dag_id')
    .where('is_active', '=', true).where('is_paused', '=', false)
    .where('next_dagrun_create_after', '<=', now)
    .orderBy('next_dagrun_create_after').limit(limit).execute();
  return rows.map((r) => r.dag_id);
}

export async function createScheduledRun(db: Kysely<Database>, dag: SerializedDag, dagHash: string, now: Date): Promise<CreatedRun | null> {
  return db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('dag').selectAll()
      .where('dag_id', '=', dag.dag_id).where('is_paused', '=', false).where('is_active', '=', true)
      .where('next_dagrun_create_after', '<=', now)
      .forUpdate().skipLocked().executeTakeFirst();
    if (!row || !row.next_dagrun || !row.next_dagrun_data_interval_start || !row.next_dagrun_data_interval_end) return null;

    const active = await trx.selectFrom('dag_run').select(sql<number>`count(*)::int`.as('n'))
      .where('dag_id', '=', dag.dag_id).where('state', 'in', ['queued', 'running']).executeTakeFirstOrThrow();
    if (active.n >= dag.max_active_runs) return null; // re-checked when a run of this DAG finishes

    const logical = row.next_dagrun;
    const runId = generateRunId('scheduled', logical);
    const inserted = await trx.insertInto('dag_run').values({
      dag_id: dag.dag_id, run_id: runId, run_type: 'scheduled', state: 'queued',
      logical_date: logical, data_interval_start: row.next_dagrun_data_interval_start,
      data_interval_end: row.next_dagrun_data_interval_end, run_after: row.next_dagrun_create_after ?? now,
      queued_at: now, conf: '{}', dag_hash: dagHash, triggered_by: 'timetable', bundle_version: row.bundle_version,
    }).onConflict((oc) => oc.columns(['dag_id', 'run_id']).doNothing()).returning('id').executeTakeFirst();

    const next = nextDagRunInfo(dag, { start: row.next_dagrun_data_interval_start, end: row.next_dagrun_data_interval_end }, now);
    await trx.updateTable('dag').set({
      next_dagrun: next?.logicalDate ?? null,
      next_dagrun_data_interval_start: next?.dataInterval.start ?? null,
      next_dagrun_data_interval_end: next?.dataInterval.end ?? null,
      next_dagrun_create_after: next?.runAfter ?? null,
    }).where('dag_id', '=', dag.dag_id).execute();
    return inserted ? { id: inserted.id, dagId: dag.dag_id, runId } : null;
  });
}
