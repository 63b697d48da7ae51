/**
 * Real Postgres for integration tests, isolated per test file: the migrated schema is built once into a
 * template database, and each test file gets its own database cloned from it (fast, and nothing leaks between
 * files). DATABASE_URL points at the server (default: the local one, trust auth).
 */
import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrateToLatest, openMetastore, type Metastore } from '@windsock/metastore';
import { migrations } from '@windsock/migrations';

export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

function urlFor(database: string): string {
  const u = new URL(DATABASE_URL);
  u.pathname = `/${database}`;
  return u.toString();
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: DATABASE_URL });
  await c.connect();
  try { return await fn(c); } finally { await c.end(); }
}

function templateName(): string {
  const h = createHash('sha256').update(Object.keys(migrations).join(',')).digest('hex').slice(0, 10);
  return `windsock_tpl_${h}`;
}

/** Creates the template once per migration set (guarded by an advisory lock across parallel test workers). */
async function ensureTemplate(): Promise<string> {
  const name = templateName();
  await admin(async (c) => {
    await c.query('select pg_advisory_lock(727274)');
    try {
      const exists = await c.query('select 1 from pg_database where datname = $1', [name]);
      if (exists.rowCount) return;
      await c.query(`create database ${name}`);
      const store = await openMetastore({ kind: 'postgres', url: urlFor(name), poolSize: 1 });
      try { await migrateToLatest(store.db); } finally { await store.close(); }
    } finally {
      await c.query('select pg_advisory_unlock(727274)');
    }
  });
  return name;
}

export interface TestDatabase { url: string; name: string; open(poolSize?: number): Promise<Metastore>; drop(): Promise<void> }

export async function freshDatabase(): Promise<TestDatabase> {
  const tpl = await ensureTemplate();
  const name = `windsock_t_${randomBytes(6).toString('hex')}`;
  await admin(async (c) => {
    for (let attempt = 0; ; attempt++) {
      try { await c.query(`create database ${name} template ${tpl}`); return; } catch (e) {
        // "source database is being accessed by other users": another file is cloning it this instant.
        if ((e as { code?: string }).code !== '55006' || attempt > 50) throw e;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  });
  const url = urlFor(name);
  return {
    url, name,
    open: (poolSize = 10) => openMetastore({ kind: 'postgres', url, poolSize }),
    drop: () => admin(async (c) => { await c.query(`drop database if exists ${name} with (force)`); }),
  };
}
