/**
 * Runs the numbered, forward-only migrations. Kysely's migrator holds a Postgres advisory lock while it runs,
 * so two processes migrating at once are serialised and the second finds nothing left to do.
 */
import { sql, type Kysely } from 'kysely';
import { Migrator, type Migration } from 'kysely/migration';
import { migrations } from '@windsock/migrations';
import type { Database } from './schema.ts';
import { MetastoreError } from './errors.ts';

/** Returns the names of the migrations it ran (none when the database was already current). */
export async function migrateToLatest(db: Kysely<Database>, set: Record<string, Migration> = migrations): Promise<string[]> {
  // With a schema of its own (a sandbox: search_path set on every connection), the migrator's bookkeeping tables
  // must be looked for there too: left alone, Kysely finds another instance's tables in public and uses them.
  const current = (await sql<{ s: string }>`select current_schema() as s`.execute(db)).rows[0]?.s;
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => set },
    ...(current && current !== 'public' ? { migrationTableSchema: current } : {}),
  });
  // Two processes creating the bookkeeping tables at the same instant can collide on the catalog (a unique
  // violation on pg_type); the loser simply tries again, by which time the tables exist.
  for (let attempt = 1; ; attempt++) {
    const { error, results } = await migrator.migrateToLatest();
    if (!error) return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
    if (attempt >= 3) {
      throw new MetastoreError('MIGRATION_FAILED', `migration failed: ${(error as Error).message}`, { cause: error });
    }
  }
}
