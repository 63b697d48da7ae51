/**
 * Runs the numbered, forward-only migrations. Kysely's migrator holds a Postgres advisory lock while it runs,
 * so two processes migrating at once are serialised and the second finds nothing left to do.
 */
import type { Kysely } from 'kysely';
import { Migrator } from 'kysely/migration';
import { migrations } from '@windsock/migrations';
import type { Database } from './schema.ts';
import { MetastoreError } from './errors.ts';

export async function migrateToLatest(db: Kysely<Database>): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
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
