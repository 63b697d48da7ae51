/**
 * Records what the control plane made of a sandbox: status, reason, scheduler state, ready time.
 * Guard: the caller holds the lease, and a `deleting` sandbox never goes back (only `reason` may change then).
 * Returns: the row as it now is, or null when the guard failed (lease lost, or deleted meanwhile).
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '@windsock/metastore';
import type { SandboxRow } from '../types.ts';

export interface SandboxChange { status?: 'pending' | 'ready' | 'failed'; reason?: string | null; scheduler?: SandboxRow['scheduler']; ready?: boolean; clearWake?: boolean }

export async function setSandboxState(db: Kysely<Database>, name: string, me: string, c: SandboxChange): Promise<SandboxRow | null> {
  const row = await db.updateTable('sandbox').set({
    ...(c.status ? { status: sql<SandboxRow['status']>`case when status = 'deleting' then status else ${c.status} end` } : {}),
    ...(c.reason !== undefined ? { reason: c.reason } : {}),
    ...(c.scheduler ? { scheduler: c.scheduler } : {}),
    ...(c.ready ? { ready_at: sql<Date>`coalesce(ready_at, now())` } : {}),
    ...(c.clearWake ? { wake_requested_at: null } : {}),
  }).where('name', '=', name).where('lease_owner', '=', me).returningAll().executeTakeFirst();
  return row ?? null;
}

/** The end of a delete: the row goes. Guard: it is `deleting` and ours. Returns: whether it went. */
export async function removeSandboxRow(db: Kysely<Database>, name: string, me: string): Promise<boolean> {
  const res = await db.deleteFrom('sandbox').where('name', '=', name).where('status', '=', 'deleting').where('lease_owner', '=', me).executeTakeFirst();
  return res.numDeletedRows > 0n;
}
