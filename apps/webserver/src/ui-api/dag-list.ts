/**
 * The DAG list page's data in one call: one page of the active DAGs (filtered by text, tags and paused, sorted by
 * dag id, owner, last run or next run), each with its tags, schedule, next run, last run, its latest runs' states
 * and its runs counted by state (Airflow's "Runs" column), plus every tag (for the tag filter) and the import
 * errors for the banner. Filtering, sorting and paging happen here, in SQL: a page of 313 DAGs rendered at once
 * was 24,000 px tall, and a thousand-DAG instance should not ship every DAG to draw 25.
 */
import { sql, type Kysely, type SelectQueryBuilder } from 'kysely';
import type { Database } from '@windsock/metastore';

export const RECENT_RUNS = 10;
export const PAGE_SIZES = [25, 50, 100] as const;
export const SORT_KEYS = ['dag_id', 'owners', 'last_run', 'next_run'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

export interface DagListQuery {
  /** Case-insensitive substring of the dag id or description. */
  search?: string;
  /** Every one of these tags. */
  tags?: string[];
  paused?: 'all' | 'active' | 'paused';
  /** A sort key, `-` in front for descending (`-last_run`). */
  order_by?: string;
  limit?: number;
  offset?: number;
}

export interface DagListEntry {
  dag_id: string; description: string | null; is_paused: boolean; fileloc: string; owners: string;
  tags: string[]; timetable_summary: string | null; timetable_description: string | null;
  next_dagrun: string | null; next_dagrun_create_after: string | null; has_import_errors: boolean;
  /** Newest first. */
  recent_runs: { run_id: string; state: string; logical_date: string | null; run_after: string }[];
  /** The newest run, or null when the DAG never ran. */
  last_run: { run_id: string; state: string; run_after: string; start_date: string | null; end_date: string | null } | null;
  /** Every run of the DAG counted by state (`{ success: 12, failed: 1 }`). */
  run_counts: Record<string, number>;
}
export interface DagListResponse {
  dags: DagListEntry[];
  /** DAGs matching the filters (all pages). */
  total_entries: number;
  /** Active DAGs, whatever the filters. */
  all_entries: number;
  /** Every tag of an active DAG, for the tag filter. */
  all_tags: string[];
  limit: number; offset: number; order_by: string;
  import_errors: { filename: string; line: number | null; message: string; timestamp: string }[];
  /** DAG sources whose last sync failed (they serve their last good commit meanwhile). */
  source_errors: { name: string; error: string; commit: string | null; last_success_at: string | null }[];
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);
const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

type DagQuery = SelectQueryBuilder<Database, 'dag', object>;

function filtered(db: Kysely<Database>, q: DagListQuery): DagQuery {
  let b = db.selectFrom('dag').where('dag.is_active', '=', true) as DagQuery;
  if (q.search) {
    const like = `%${escapeLike(q.search)}%`;
    b = b.where((eb) => eb.or([eb('dag.dag_id', 'ilike', like), eb('dag.description', 'ilike', like)]));
  }
  for (const t of q.tags ?? []) b = b.where('dag.dag_id', 'in', db.selectFrom('dag_tag').select('dag_tag.dag_id').where('dag_tag.name', '=', t));
  if (q.paused === 'active') b = b.where('dag.is_paused', '=', false);
  if (q.paused === 'paused') b = b.where('dag.is_paused', '=', true);
  return b;
}

/** `-last_run` → the key and direction; anything unknown sorts by dag id. */
export function parseOrder(order: string | undefined): { key: SortKey; desc: boolean } {
  const desc = !!order?.startsWith('-');
  const key = (desc ? order!.slice(1) : order ?? 'dag_id') as SortKey;
  return SORT_KEYS.includes(key) ? { key, desc } : { key: 'dag_id', desc: false };
}

export async function loadDagList(db: Kysely<Database>, q: DagListQuery = {}): Promise<DagListResponse> {
  const limit = Math.min(Math.max(q.limit ?? 25, 1), 1000);
  const offset = Math.max(q.offset ?? 0, 0);
  const { key, desc } = parseOrder(q.order_by);
  const dir = desc ? sql`desc` : sql`asc`;
  const lastRunAt = sql<Date | null>`(select max(r.run_after) from dag_run r where r.dag_id = dag.dag_id)`;
  const sortExpr = key === 'owners' ? sql`dag.owners` : key === 'next_run' ? sql`dag.next_dagrun` : key === 'last_run' ? lastRunAt : sql`dag.dag_id`;

  const [page, total, all, tagRows, errors, sourceErrors] = await Promise.all([
    filtered(db, q).selectAll('dag')
      // DAGs without the sorted value (never ran, no next run) come last either way; dag id breaks ties.
      .orderBy(sql`${sortExpr} ${dir} nulls last`).orderBy('dag.dag_id').limit(limit).offset(offset).execute(),
    filtered(db, q).select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow(),
    db.selectFrom('dag').where('is_active', '=', true).select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow(),
    db.selectFrom('dag_tag').innerJoin('dag', 'dag.dag_id', 'dag_tag.dag_id').where('dag.is_active', '=', true)
      .select('dag_tag.name').distinct().execute(),
    db.selectFrom('import_error').select(['filename', 'line', 'message', 'timestamp']).orderBy('filename').execute(),
    db.selectFrom('dag_source').select(['name', 'error', 'commit', 'last_success_at']).where('error', 'is not', null).orderBy('name').execute(),
  ]);
  const ids = page.map((d) => d.dag_id);
  const [tags, runs, counts] = ids.length === 0 ? [[], [], []] : await Promise.all([
    db.selectFrom('dag_tag').select(['dag_id', 'name']).where('dag_id', 'in', ids).orderBy('name').execute(),
    db.selectFrom((eb) => eb.selectFrom('dag_run')
      .select(['dag_id', 'run_id', 'state', 'logical_date', 'run_after', 'start_date', 'end_date',
        sql<number>`row_number() over (partition by dag_id order by run_after desc, id desc)`.as('rn')])
      .where('dag_id', 'in', ids)
      .as('r'))
      .selectAll().where('rn', '<=', RECENT_RUNS).orderBy('dag_id').orderBy('rn').execute(),
    db.selectFrom('dag_run').select(['dag_id', 'state', sql<number>`count(*)::int`.as('n')]).where('dag_id', 'in', ids)
      .groupBy(['dag_id', 'state']).execute(),
  ]);
  const tagsOf = new Map<string, string[]>();
  for (const t of tags) (tagsOf.get(t.dag_id) ?? tagsOf.set(t.dag_id, []).get(t.dag_id)!).push(t.name);
  const runsOf = new Map<string, typeof runs>();
  for (const r of runs) (runsOf.get(r.dag_id) ?? runsOf.set(r.dag_id, []).get(r.dag_id)!).push(r);
  const countsOf = new Map<string, Record<string, number>>();
  for (const c of counts) (countsOf.get(c.dag_id) ?? countsOf.set(c.dag_id, {}).get(c.dag_id)!)[c.state] = Number(c.n);
  return {
    dags: page.map((d) => {
      const rs = runsOf.get(d.dag_id) ?? [];
      const last = rs[0];
      return {
        dag_id: d.dag_id, description: d.description, is_paused: d.is_paused, fileloc: d.fileloc, owners: d.owners,
        tags: tagsOf.get(d.dag_id) ?? [], timetable_summary: d.timetable_summary, timetable_description: d.timetable_description,
        next_dagrun: iso(d.next_dagrun), next_dagrun_create_after: iso(d.next_dagrun_create_after), has_import_errors: d.has_import_errors,
        recent_runs: rs.map((r) => ({ run_id: r.run_id, state: r.state, logical_date: iso(r.logical_date), run_after: r.run_after.toISOString() })),
        last_run: last ? { run_id: last.run_id, state: last.state, run_after: last.run_after.toISOString(), start_date: iso(last.start_date), end_date: iso(last.end_date) } : null,
        run_counts: countsOf.get(d.dag_id) ?? {},
      };
    }),
    total_entries: total.n, all_entries: all.n,
    all_tags: tagRows.map((t) => t.name).sort((a, b) => Number(b.startsWith('repo:')) - Number(a.startsWith('repo:')) || a.localeCompare(b)),
    limit, offset, order_by: `${desc ? '-' : ''}${key}`,
    import_errors: errors.map((e) => ({ filename: e.filename, line: e.line, message: e.message, timestamp: e.timestamp.toISOString() })),
    source_errors: sourceErrors.map((e) => ({ name: e.name, error: e.error!, commit: e.commit, last_success_at: iso(e.last_success_at) })),
  };
}
