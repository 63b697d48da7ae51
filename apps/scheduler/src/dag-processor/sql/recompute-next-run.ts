/**
 * Sets a DAG's next run (`next_dagrun*` columns), continuing after the latest scheduled run that exists (the
 * timetable's "last automated" interval).
 * Guard: keyed on dag_id; callers only call it when the DAG has no next run yet or its schedule changed. Returns
 * nothing.
 */
import type { Kysely } from 'kysely';
import type { Database } from '@windsock/metastore';
import { nextDagRunInfo, type SerializedDag } from '@windsock/dag-model';

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
