/**
 * Reads (changes nothing) the start and end of DAG runs, for dagrun.duration.* and dagrun.schedule_delay.
 * Returns one row per run id found; a run deleted meanwhile is simply missing.
 */
import type { Kysely } from 'kysely';
import type { Database } from '@windsock/metastore';

export interface RunTiming { id: number; dagId: string; runType: string; state: string; startDate: Date | null; endDate: Date | null; dataIntervalEnd: Date | null }

export async function runTimings(db: Kysely<Database>, ids: number[]): Promise<RunTiming[]> {
  if (ids.length === 0) return [];
  const rows = await db.selectFrom('dag_run').select(['id', 'dag_id', 'run_type', 'state', 'start_date', 'end_date', 'data_interval_end']).where('id', 'in', ids).execute();
  return rows.map((r) => ({ id: r.id, dagId: r.dag_id, runType: r.run_type, state: r.state, startDate: r.start_date, endDate: r.end_date, dataIntervalEnd: r.data_interval_end }));
}
