/**
 * The control plane's leases. A sandbox is reconciled (and, in the process runtime, its scheduler hosted) by the
 * one control-plane process holding its lease; a lease not renewed in time is taken over, so a killed control
 * plane's sandboxes (a delete half done included) are finished by another, or by itself after a restart.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '@windsock/metastore';
import type { SandboxRow } from '../types.ts';

/**
 * Takes or renews leases. Changes: `lease_owner`, `lease_until` of rows free, expired or already ours.
 * Guard: `for update skip locked`, so two control planes never take one row. Returns: the rows now ours.
 */
export async function claimSandboxes(db: Kysely<Database>, me: string, leaseMs: number): Promise<SandboxRow[]> {
  return db.updateTable('sandbox')
    .set({ lease_owner: me, lease_until: sql<Date>`now() + make_interval(secs => ${leaseMs / 1000})` })
    .where('name', 'in', (eb) => eb.selectFrom('sandbox').select('name')
      .where((w) => w.or([w('lease_owner', '=', me), w('lease_owner', 'is', null), w('lease_until', '<', sql<Date>`now()`)]))
      .forUpdate().skipLocked())
    .returningAll().execute();
}

/** Gives up every lease of `me` (a clean stop): another control plane takes them at its next pass. */
export async function releaseLeases(db: Kysely<Database>, me: string): Promise<void> {
  await db.updateTable('sandbox').set({ lease_owner: null, lease_until: null }).where('lease_owner', '=', me).execute();
}

/**
 * Expires sandboxes past their time-to-live. Changes: `status → deleting`, reason. Guard: not deleting already.
 * Returns: the names expired.
 */
export async function expireSandboxes(db: Kysely<Database>): Promise<string[]> {
  const rows = await db.updateTable('sandbox')
    .set({ status: 'deleting', reason: sql<string>`'time-to-live expired at ' || to_char(expires_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')` })
    .where('expires_at', '<', sql<Date>`now()`).where('status', '<>', 'deleting').returning('name').execute();
  return rows.map((r) => r.name);
}
