/**
 * 0003 — the highest priority among `scheduled` task instances in one index probe: a worker's follow-on asks for it
 * with every batch of ends (apps/worker/src/sql/follow-on.ts), and without this index that read visits every
 * scheduled row, thousands when a limit holds a backlog. Partial, so only rows entering `scheduled` pay for it.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index if not exists ti_scheduled_priority_idx on task_instance (priority_weight) where state = 'scheduled'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists ti_scheduled_priority_idx`.execute(db);
}
