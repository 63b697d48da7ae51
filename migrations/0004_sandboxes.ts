/**
 * 0004 — sandboxes: one row per user sandbox (its own schema, namespace, queue prefix, DAG source and scheduler),
 * kept by the control plane in the shared instance's schema. `lease_owner`/`lease_until` say which control-plane
 * process reconciles a sandbox (and hosts its scheduler in the process runtime); an expired lease is taken over.
 * The roles gain the sandbox permissions: every role but Viewer may create its own sandboxes; Admin sees all.
 */
import { sql, type Kysely } from 'kysely';

const OWN = ['read:sandbox', 'create:sandbox', 'edit:sandbox', 'delete:sandbox'];
const GRANTS: Record<string, string[]> = { Viewer: ['read:sandbox'], User: OWN, Op: OWN, Admin: [...OWN, 'admin:sandbox'] };

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createTable('sandbox')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('dag_source', 'jsonb', (c) => c.notNull())
    .addColumn('node_group', 'text')
    .addColumn('quota', 'jsonb')
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('reason', 'text')
    .addColumn('scheduler', 'text', (c) => c.notNull().defaultTo('starting'))
    .addColumn('schema_name', 'text', (c) => c.notNull().unique())
    .addColumn('namespace', 'text', (c) => c.notNull())
    .addColumn('queue_prefix', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('ready_at', 'timestamptz')
    .addColumn('expires_at', 'timestamptz')
    .addColumn('last_active_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('wake_requested_at', 'timestamptz')
    .addColumn('lease_owner', 'text')
    .addColumn('lease_until', 'timestamptz')
    .execute();
  await sql`create index sandbox_owner_idx on sandbox (owner)`.execute(db);
  for (const [role, perms] of Object.entries(GRANTS)) {
    await sql`update ab_role set permissions = (select jsonb_agg(distinct p) from jsonb_array_elements(permissions || ${JSON.stringify(perms)}::jsonb) p)
      where name = ${role}`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('sandbox').ifExists().execute();
}
