/**
 * Records a new sandbox, `pending`, for the control plane to provision.
 * Guard: the name is free (`on conflict do nothing`). Returns: the row, or null when the name is taken.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '@windsock/metastore';
import type { SandboxRow } from '../types.ts';

export interface NewSandbox {
  name: string; owner: string; dagSource: Record<string, unknown>; nodeGroup: string | null; quota: Record<string, unknown> | null;
  schema: string; namespace: string; queuePrefix: string; ttlSeconds: number | null;
}

export async function insertSandbox(db: Kysely<Database>, s: NewSandbox): Promise<SandboxRow | null> {
  const row = await db.insertInto('sandbox').values({
    name: s.name, owner: s.owner, dag_source: JSON.stringify(s.dagSource), node_group: s.nodeGroup,
    quota: s.quota ? JSON.stringify(s.quota) : null, schema_name: s.schema, namespace: s.namespace, queue_prefix: s.queuePrefix, reason: null,
    expires_at: s.ttlSeconds ? sql<Date>`now() + make_interval(secs => ${s.ttlSeconds})` : null,
    ready_at: null, wake_requested_at: null, lease_owner: null, lease_until: null,
  }).onConflict((oc) => oc.doNothing()).returningAll().executeTakeFirst();
  return row ?? null;
}
