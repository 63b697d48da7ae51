/**
 * Notes an API call to a sandbox: `last_active_at = now()`, and when its scheduler sleeps, a wake request the
 * control plane acts on. Guard: none beyond the name (a lost touch only delays sleep). Returns: whether it slept.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '@windsock/metastore';

export async function touchSandbox(db: Kysely<Database>, name: string): Promise<boolean> {
  const row = await db.updateTable('sandbox')
    .set({ last_active_at: sql<Date>`now()`, wake_requested_at: sql<Date>`case when scheduler = 'asleep' then now() else wake_requested_at end` })
    .where('name', '=', name).returning('scheduler').executeTakeFirst();
  return row?.scheduler === 'asleep';
}
