/** The DAG list with Airflow's filters, shared by /api/v1 and /api/v2. */
import { sql } from 'kysely';
import type { Order, Page } from '../http/paging.ts';
import type { WebDb } from '../types.ts';

export interface DagFilter {
  tags?: string[];
  tagsMatchAll?: boolean;
  owners?: string[];
  dagIdPattern?: string;
  paused?: boolean;
  /** Only DAGs still present in the DAG folder (v1 only_active, v2 exclude_stale). */
  activeOnly: boolean;
  hasImportErrors?: boolean;
}

export const DAG_ORDER: Record<string, string> = {
  dag_id: 'dag.dag_id', dag_display_name: 'dag.dag_id', next_dagrun: 'dag.next_dagrun', is_paused: 'dag.is_paused',
  last_parsed_time: 'dag.last_parsed_time', fileloc: 'dag.fileloc',
};

export async function listDags(db: WebDb, f: DagFilter, pg: Page, order: Order[]) {
  let q = db.selectFrom('dag');
  if (f.activeOnly) q = q.where('dag.is_active', '=', true);
  if (f.paused !== undefined) q = q.where('dag.is_paused', '=', f.paused);
  if (f.hasImportErrors !== undefined) q = q.where('dag.has_import_errors', '=', f.hasImportErrors);
  if (f.dagIdPattern) q = q.where('dag.dag_id', 'ilike', f.dagIdPattern.includes('%') || f.dagIdPattern.includes('_') ? f.dagIdPattern : `%${f.dagIdPattern}%`);
  if (f.tags?.length) {
    const tags = f.tags;
    q = f.tagsMatchAll
      ? q.where((eb) => eb.and(tags.map((t) => eb.exists(eb.selectFrom('dag_tag').select('dag_tag.name').whereRef('dag_tag.dag_id', '=', 'dag.dag_id').where('dag_tag.name', '=', t)))))
      : q.where((eb) => eb.exists(eb.selectFrom('dag_tag').select('dag_tag.name').whereRef('dag_tag.dag_id', '=', 'dag.dag_id').where('dag_tag.name', 'in', tags)));
  }
  if (f.owners?.length) {
    const owners = f.owners;
    q = q.where((eb) => eb.or(owners.map((o) => eb(sql`${o}`, '=', sql`any(string_to_array(replace(dag.owners, ' ', ''), ','))`))));
  }
  const total = await q.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
  let rows = q.selectAll('dag');
  for (const o of order) rows = rows.orderBy(sql.ref(o.column), o.direction);
  const list = await rows.orderBy('dag.dag_id').limit(pg.limit).offset(pg.offset).execute();
  return { rows: list, total: total.n };
}
