/**
 * One page of a list endpoint: `total_entries` counted over the filtered query before paging, then the rows in
 * the requested order (see paging.ts). `select` picks the columns of the rows served.
 */
import { sql, type SelectQueryBuilder } from 'kysely';
import type { Order, Page } from './paging.ts';

export async function pageOf<DB, TB extends keyof DB, O>(
  filtered: SelectQueryBuilder<DB, TB, object>,
  select: (q: SelectQueryBuilder<DB, TB, object>) => SelectQueryBuilder<DB, TB, O>,
  pg: Page, order: Order[],
): Promise<{ rows: O[]; total: number }> {
  const total = await filtered.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
  let rows = select(filtered);
  for (const o of order) rows = rows.orderBy(sql.ref(o.column), o.direction);
  return { rows: await rows.limit(pg.limit).offset(pg.offset).execute() as O[], total: (total as { n: number }).n };
}
