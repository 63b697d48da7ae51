/**
 * Extends a sandbox's time-to-live: `expires_at = max(now, expires_at) + by`, capped at now + the longest TTL.
 * Guard: not deleting. Returns: the row, or null when there is no such sandbox (or it is being deleted).
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '@windsock/metastore';
import type { SandboxRow } from '../types.ts';

export async function extendSandbox(db: Kysely<Database>, name: string, bySeconds: number, maxTtlSeconds: number): Promise<SandboxRow | null> {
  const row = await db.updateTable('sandbox')
    .set({ expires_at: sql<Date>`least(greatest(coalesce(expires_at, now()), now()) + make_interval(secs => ${bySeconds}), now() + make_interval(secs => ${maxTtlSeconds}))` })
    .where('name', '=', name).where('status', '<>', 'deleting').returningAll().executeTakeFirst();
  return row ?? null;
}
