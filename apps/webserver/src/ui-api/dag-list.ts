/**
 * The DAG list page's data in one call: every active DAG with its tags, schedule, next run and its latest runs'
 * states, plus the import errors for the banner. The list is filtered in the browser (tags including `repo:`
 * ones, text, paused), which stays instant for the thousand-DAG instances the users run.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '@windsock/metastore';

export const RECENT_RUNS = 10;

export interface DagListEntry {
  dag_id: string; description: string | null; is_paused: boolean; fileloc: string; owners: string;
  tags: string[]; timetable_summary: string | null; timetable_description: string | null;
  next_dagrun: string | null; next_dagrun_create_after: string | null; has_import_errors: boolean;
  /** Newest first. */
  recent_runs: { run_id: string; state: string; logical_date: string | null; run_after: string }[];
}
export interface DagListResponse {
  dags: DagListEntry[];
  import_errors: { filename: string; line: number | null; message: string; timestamp: string }[];
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export async function loadDagList(db: Kysely<Database>): Promise<DagListResponse> {
  const dags = await db.selectFrom('dag').selectAll().where('is_active', '=', true).orderBy('dag_id').execute();
  const tags = await db.selectFrom('dag_tag').select(['dag_id', 'name']).orderBy('name').execute();
  const runs = await db.selectFrom((eb) => eb.selectFrom('dag_run')
    .select(['dag_id', 'run_id', 'state', 'logical_date', 'run_after',
      sql<number>`row_number() over (partition by dag_id order by run_after desc, id desc)`.as('rn')])
    .as('r'))
    .selectAll().where('rn', '<=', RECENT_RUNS).orderBy('dag_id').orderBy('rn').execute();
  const errors = await db.selectFrom('import_error').select(['filename', 'line', 'message', 'timestamp']).orderBy('filename').execute();
  const tagsOf = new Map<string, string[]>();
  for (const t of tags) (tagsOf.get(t.dag_id) ?? tagsOf.set(t.dag_id, []).get(t.dag_id)!).push(t.name);
  const runsOf = new Map<string, DagListEntry['recent_runs']>();
  for (const r of runs) {
    (runsOf.get(r.dag_id) ?? runsOf.set(r.dag_id, []).get(r.dag_id)!)
      .push({ run_id: r.run_id, state: r.state, logical_date: iso(r.logical_date), run_after: r.run_after.toISOString() });
  }
  return {
    dags: dags.map((d) => ({
      dag_id: d.dag_id, description: d.description, is_paused: d.is_paused, fileloc: d.fileloc, owners: d.owners,
      tags: tagsOf.get(d.dag_id) ?? [], timetable_summary: d.timetable_summary, timetable_description: d.timetable_description,
      next_dagrun: iso(d.next_dagrun), next_dagrun_create_after: iso(d.next_dagrun_create_after), has_import_errors: d.has_import_errors,
      recent_runs: runsOf.get(d.dag_id) ?? [],
    })),
    import_errors: errors.map((e) => ({ filename: e.filename, line: e.line, message: e.message, timestamp: e.timestamp.toISOString() })),
  };
}
