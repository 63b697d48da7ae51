/**
 * Heartbeat for the tries a worker holds: sets last_heartbeat_at.
 * Guard: only rows still `running` (a try someone marked, cleared or failed is not revived).
 * Returns the ids that are still running, so the worker can stop the others.
 */
import type { Kysely } from 'kysely';
import type { Database } from '@windsock/metastore';

export async function heartbeatTries(db: Kysely<Database>, tiIds: string[], now: Date): Promise<Set<string>> {
  if (tiIds.length === 0) return new Set();
  const rows = await db.updateTable('task_instance').set({ last_heartbeat_at: now })
    .where('id', 'in', tiIds).where('state', '=', 'running').returning('id').execute();
  return new Set(rows.map((r) => r.id));
}
