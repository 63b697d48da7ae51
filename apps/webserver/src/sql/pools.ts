/**
 * Pools: create, update (rename included), delete. The default pool's rules (never deleted or renamed) are the
 * routes'; these only write.
 * Guard: keyed on the pool's name (unique). Create returns false when the name is taken; update and delete return
 * false when the pool does not exist.
 */
import type { WebDb } from '../types.ts';

export interface PoolFields { pool?: string; slots?: number; description?: string | null; include_deferred?: boolean }

export async function createPool(db: WebDb, p: { pool: string; slots: number; description: string | null; include_deferred: boolean }): Promise<boolean> {
  const row = await db.insertInto('slot_pool').values(p).onConflict((oc) => oc.column('pool').doNothing()).returning('pool').executeTakeFirst();
  return row !== undefined;
}

export async function updatePool(db: WebDb, name: string, set: PoolFields): Promise<boolean> {
  const res = await db.updateTable('slot_pool').set(set).where('pool', '=', name).executeTakeFirst();
  return res.numUpdatedRows > 0n;
}

export async function deletePool(db: WebDb, name: string): Promise<boolean> {
  const res = await db.deleteFrom('slot_pool').where('pool', '=', name).executeTakeFirst();
  return res.numDeletedRows > 0n;
}
