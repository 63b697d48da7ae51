/**
 * Opens the metastore: Kysely over `pg` (distributed mode) or over embedded PGlite (standalone), the same
 * queries for both. A `schema` puts every table of one Windsock instance (a sandbox) in its own Postgres schema.
 */
import { Kysely, PostgresDialect, PGliteDialect, sql } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.ts';
import { MetastoreError } from './errors.ts';
import { redactUrl } from '@windsock/dag-model';
import type { PgliteOrigin } from './pglite-image.ts';

export type MetastoreOptions =
  | { kind: 'postgres'; url: string; poolSize?: number; schema?: string; applicationName?: string }
  /**
   * `dataDir` null: a throwaway database. `imageCacheDir`: a new database (throwaway, or a new data folder) is a
   * copy of the migrated image kept there (see pglite-image.ts) instead of running initdb and every migration;
   * a throwaway one then lives in a temporary folder, removed on close. Without it, a throwaway one is in memory.
   */
  | { kind: 'pglite'; dataDir: string | null; imageCacheDir?: string };

export interface Metastore {
  db: Kysely<Database>;
  kind: 'postgres' | 'pglite';
  /** PGlite: where the database came from (an existing folder, the image, an image built now, or initdb). */
  origin?: PgliteOrigin;
  close(): Promise<void>;
}

// Postgres `timestamptz` and `int8` come back as Date and string by default; counts are cast in SQL where needed.
export async function openMetastore(opts: MetastoreOptions): Promise<Metastore> {
  if (opts.kind === 'pglite') {
    // Loaded only for an embedded database: a process on Postgres never holds PGlite's module.
    const { openPgliteFromImage } = await import('./pglite-image.ts');
    const { pglite, origin, cleanup } = await openPgliteFromImage(opts.dataDir, opts.imageCacheDir ? { cacheDir: opts.imageCacheDir } : null);
    const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) });
    return { db, kind: 'pglite', origin, close: async () => { await db.destroy(); await cleanup(); } };
  }
  const schema = opts.schema;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new MetastoreError('BAD_CONFIG', `invalid schema name "${schema}": use lower-case letters, digits and _`);
  }
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.poolSize ?? 10,
    application_name: opts.applicationName ?? 'windsock',
    options: schema ? `-c search_path=${schema}` : undefined,
  });
  // A client whose server went away (restart, pg_terminate_backend) must not crash the process: idle ones are
  // reported on the pool, checked-out ones on the client itself; their queries reject and the pool replaces them.
  pool.on('error', () => {});
  pool.on('connect', (client) => { client.on('error', () => {}); });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    // Made when missing; a sandbox's role may not create schemas (Postgres checks that right even for an
    // `if not exists` of one that is there), so its own is only looked for.
    if (schema) {
      const there = (await sql<{ n: number }>`select count(*)::int as n from pg_namespace where nspname = ${schema}`.execute(db)).rows[0]!.n > 0;
      if (!there) await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
    }
    else await sql`select 1`.execute(db);
  } catch (err) {
    await db.destroy();
    throw new MetastoreError('CONNECT_FAILED', `cannot reach Postgres at ${redactUrl(opts.url)}: ${(err as Error).message}`, { cause: err });
  }
  return { db, kind: 'postgres', close: () => db.destroy() };
}

export { redactUrl };
