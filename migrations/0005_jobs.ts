/**
 * 0005 — jobs without a DAG (`/api/windsock/v1/jobs`): the roles gain the job permissions. Viewers may read jobs;
 * every other role may submit jobs and read and cancel its own; Admin (`admin:job`) sees and cancels everyone's.
 * A job is a run of a built-in DAG (dag-model's jobs.ts), so it needs no table of its own.
 */
import { sql, type Kysely } from 'kysely';

const OWN = ['read:job', 'create:job', 'delete:job'];
const GRANTS: Record<string, string[]> = { Viewer: ['read:job'], User: OWN, Op: OWN, Admin: [...OWN, 'admin:job'] };

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const [role, perms] of Object.entries(GRANTS)) {
    await sql`update ab_role set permissions = (select jsonb_agg(distinct p) from jsonb_array_elements(permissions || ${JSON.stringify(perms)}::jsonb) p)
      where name = ${role}`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const all = [...new Set(Object.values(GRANTS).flat())];
  await sql`update ab_role set permissions = (select coalesce(jsonb_agg(p), '[]'::jsonb) from jsonb_array_elements(permissions) p where not (p #>> '{}' = any(${all})))`.execute(db);
}
