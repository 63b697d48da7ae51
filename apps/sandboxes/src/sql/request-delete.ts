/**
 * Asks for a sandbox to be deleted: `status → deleting` with the reason; the control plane tears it down.
 * Guard: not already deleting (a second delete changes nothing). Returns: the row as it now is, or null if gone.
 */
import type { Kysely } from 'kysely';
import type { Database } from '@windsock/metastore';
import type { SandboxRow } from '../types.ts';
import { getSandbox } from './read-sandboxes.ts';

export async function requestDelete(db: Kysely<Database>, name: string, reason: string): Promise<SandboxRow | null> {
  const row = await db.updateTable('sandbox').set({ status: 'deleting', reason })
    .where('name', '=', name).where('status', '<>', 'deleting').returningAll().executeTakeFirst();
  return row ?? getSandbox(db, name);
}
