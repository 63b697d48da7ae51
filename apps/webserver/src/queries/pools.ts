/** Pools: the list, one pool, and their slot usage (running, queued, scheduled, deferred task instances), for v1 and v2. */
import { sql } from 'kysely';
import type { Order, Page } from '../http/paging.ts';
import { pageOf } from '../http/list.ts';
import type { PoolSlots } from '../serialize/v2.ts';
import type { WebDb } from '../types.ts';

export async function poolUsage(db: WebDb, names: string[]): Promise<Map<string, PoolSlots>> {
  const out = new Map<string, PoolSlots>(names.map((n) => [n, { running: 0, queued: 0, scheduled: 0, deferred: 0 }]));
  if (!names.length) return out;
  const rows = await db.selectFrom('task_instance').select(['pool', 'state', sql<number>`sum(pool_slots)::int`.as('n')])
    .where('pool', 'in', names).where('state', 'in', ['running', 'queued', 'scheduled', 'deferred']).groupBy(['pool', 'state']).execute();
  for (const r of rows) { const s = out.get(r.pool); if (s) s[r.state as keyof PoolSlots] = r.n; }
  return out;
}

export const POOL_ORDER: Record<string, string> = { id: 'id', name: 'pool', pool: 'pool', slots: 'slots', description: 'description', include_deferred: 'include_deferred' };

export function listPools(db: WebDb, f: { namePattern?: string }, pg: Page, order: Order[]) {
  const q = db.selectFrom('slot_pool').$if(Boolean(f.namePattern), (b) => b.where('pool', 'ilike', `%${f.namePattern}%`));
  return pageOf(q, (b) => b.selectAll(), pg, order);
}

export function readPool(db: WebDb, name: string) {
  return db.selectFrom('slot_pool').selectAll().where('pool', '=', name).executeTakeFirst();
}
