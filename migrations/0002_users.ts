/**
 * 0002 — webserver users and roles: Airflow's four built-in roles (Admin, Op, User, Viewer) with the permissions
 * Airflow's FAB security manager gives them, as `action:resource` strings, and users with one role each and an
 * scrypt password hash (never the password). The webserver reads the roles table; editing a role's permissions
 * in SQL changes what its users may do.
 */
import { sql, type Kysely } from 'kysely';

const READ = ['dag', 'dag_run', 'task_instance', 'task_log', 'xcom', 'import_error', 'audit_log', 'pool', 'dag_code', 'health']
  .map((r) => `read:${r}`);
// User: Viewer + run DAGs (pause, trigger, mark, clear, delete runs and task instances).
const USER = [...READ, 'edit:dag', 'delete:dag', 'create:dag_run', 'edit:dag_run', 'delete:dag_run', 'edit:task_instance', 'delete:task_instance'];
// Op: User + the deployment's shared resources.
const OP = [...USER, ...['variable', 'connection', 'pool', 'xcom'].flatMap((r) => ['read', 'create', 'edit', 'delete'].map((a) => `${a}:${r}`)), 'read:config'];
const ADMIN = [...OP, ...['user', 'role'].flatMap((r) => ['read', 'create', 'edit', 'delete'].map((a) => `${a}:${r}`))];

export const BUILT_IN_ROLES: Record<string, string[]> = {
  Viewer: READ,
  User: USER,
  Op: [...new Set(OP)],
  Admin: [...new Set(ADMIN)],
};

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createTable('ab_role')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('permissions', 'jsonb', (c) => c.notNull())
    .execute();
  for (const [name, perms] of Object.entries(BUILT_IN_ROLES)) {
    await sql`insert into ab_role (name, permissions) values (${name}, ${JSON.stringify(perms)}::jsonb) on conflict (name) do nothing`.execute(db);
  }
  await db.schema.createTable('ab_user')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('username', 'text', (c) => c.notNull().unique())
    .addColumn('email', 'text')
    .addColumn('first_name', 'text')
    .addColumn('last_name', 'text')
    .addColumn('role', 'text', (c) => c.notNull().references('ab_role.name'))
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('active', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('created_on', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_login', 'timestamptz')
    .execute();
}
