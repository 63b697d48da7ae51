/**
 * A sandbox's Postgres role: it logs in, may read and write the tables of its own schema (and own the schema of
 * its queue when the queue is kept in Postgres), and nothing else — no other schema's tables, no new schemas, no
 * roles, no databases, a bounded number of connections. The tables stay the platform's (the control plane runs
 * the migrations), so the webserver keeps reading them as it does; grants are renewed after every migration.
 * Dropping it revokes all it was given in this database and ends its sessions.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '@windsock/metastore';

const ROLE = /^wsb_[0-9a-f]{8}_[a-z0-9_]{1,40}$/;
const SCHEMA = /^[a-z_][a-z0-9_]{0,62}$/;

function check(role: string, ...schemas: string[]): void {
  if (!ROLE.test(role)) throw new RangeError(`"${role}" is not a sandbox role`);
  for (const s of schemas) if (!SCHEMA.test(s)) throw new RangeError(`"${s}" is not a schema name`);
}

export async function ensureSandboxRole(db: Kysely<Database>, o: { role: string; password: string; schema: string; queueSchema?: string | null; connectionLimit: number }): Promise<void> {
  check(o.role, o.schema, ...(o.queueSchema ? [o.queueSchema] : []));
  if (!/^[0-9a-f]{16,128}$/.test(o.password)) throw new RangeError('a sandbox role\'s password is hex');
  const role = sql.id(o.role);
  const schema = sql.id(o.schema);
  const exists = (await sql<{ n: number }>`select count(*)::int as n from pg_roles where rolname = ${o.role}`.execute(db)).rows[0]!.n > 0;
  const attrs = sql.raw(`login noinherit nosuperuser nocreatedb nocreaterole noreplication connection limit ${Math.max(2, Math.floor(o.connectionLimit))} password '${o.password}'`);
  if (exists) await sql`alter role ${role} with ${attrs}`.execute(db);
  else await sql`create role ${role} with ${attrs}`.execute(db);
  await sql`grant usage on schema ${schema} to ${role}`.execute(db);
  await sql`grant select, insert, update, delete, truncate on all tables in schema ${schema} to ${role}`.execute(db);
  await sql`grant usage, select, update on all sequences in schema ${schema} to ${role}`.execute(db);
  if (o.queueSchema) {
    const q = sql.id(o.queueSchema);
    await sql`create schema if not exists ${q} authorization ${role}`.execute(db);
    await sql`alter schema ${q} owner to ${role}`.execute(db);
  }
}

export async function dropSandboxRole(db: Kysely<Database>, role: string): Promise<void> {
  check(role);
  const exists = (await sql<{ n: number }>`select count(*)::int as n from pg_roles where rolname = ${role}`.execute(db)).rows[0]!.n > 0;
  if (!exists) return;
  await sql`alter role ${sql.id(role)} nologin`.execute(db);
  await sql`select pg_terminate_backend(pid) from pg_stat_activity where usename = ${role}`.execute(db);
  await sql`drop owned by ${sql.id(role)} cascade`.execute(db);
  await sql`drop role if exists ${sql.id(role)}`.execute(db);
}
