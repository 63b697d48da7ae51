/**
 * Reads (changes nothing) each pool's slots and the slots its task instances hold, by state, and the task
 * instances queued per named queue: the pool.*, scheduler.tasks.starving and windsock.queue.depth gauges.
 * Returns every pool (unused ones with zeros) and every queue with queued task instances.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '@windsock/metastore';

export interface PoolUsage { pool: string; slots: number; running: number; queued: number; scheduled: number }

export async function poolUsage(db: Kysely<Database>): Promise<{ pools: PoolUsage[]; queues: Array<{ queue: string; depth: number }> }> {
  const [pools, used, queues] = await Promise.all([
    db.selectFrom('slot_pool').select(['pool', 'slots']).execute(),
    db.selectFrom('task_instance').select(['pool', 'state', sql<string>`sum(pool_slots)`.as('slots'), sql<string>`count(*)`.as('n')])
      .where('state', 'in', ['running', 'queued', 'scheduled']).groupBy(['pool', 'state']).execute(),
    db.selectFrom('task_instance').select(['queue', sql<string>`count(*)`.as('n')]).where('state', '=', 'queued').groupBy('queue').execute(),
  ]);
  const byPool = new Map<string, PoolUsage>(pools.map((p) => [p.pool, { pool: p.pool, slots: p.slots, running: 0, queued: 0, scheduled: 0 }]));
  for (const u of used) {
    const p = byPool.get(u.pool) ?? { pool: u.pool, slots: 0, running: 0, queued: 0, scheduled: 0 };
    byPool.set(u.pool, p);
    if (u.state === 'running') p.running = Number(u.slots);
    else if (u.state === 'queued') p.queued = Number(u.slots);
    else p.scheduled = Number(u.n);
  }
  return { pools: [...byPool.values()], queues: queues.map((q) => ({ queue: q.queue, depth: Number(q.n) })) };
}
