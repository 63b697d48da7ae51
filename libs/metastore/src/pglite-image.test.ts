import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import { afterAll, describe, expect, it } from 'vitest';
import { migrations } from '@windsock/migrations';
import { openMetastore } from './connect.ts';
import type { Database } from './schema.ts';
import { migrateToLatest } from './migrate.ts';
import { openPgliteFromImage, pgliteImageKey, pgliteImagePath } from './pglite-image.ts';

const dirs: string[] = [];
const tempDir = async () => { const d = await mkdtemp(join(tmpdir(), 'ws-image-')); dirs.push(d); return d; };
afterAll(async () => { await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))); });

const tables = async (db: Kysely<Database>) => (await sql<{ n: string }>`select tablename as n from pg_tables where schemaname = 'public'`.execute(db)).rows.map((r) => r.n);

// initdb takes seconds alone, and much longer on a busy machine: each build gets room.
describe('the migrated PGlite image', { timeout: 180_000 }, () => {
  let shared = '';
  it('is built by the first throwaway store and loaded by the next, which runs no migration', async () => {
    const cacheDir = shared = await tempDir();
    const first = await openMetastore({ kind: 'pglite', dataDir: null, imageCacheDir: cacheDir });
    expect(first.origin).toBe('built-image');
    expect(await migrateToLatest(first.db)).toEqual([]); // the builder migrated it already
    await first.db.insertInto('variable').values({ key: 'only_in_first', val: 'x' }).execute();
    await first.close();
    expect(await readdir(cacheDir)).toEqual([`pglite-${pgliteImageKey()}`]); // no temporary folder left behind

    const second = await openMetastore({ kind: 'pglite', dataDir: null, imageCacheDir: cacheDir });
    const folders = async () => (await readdir(tmpdir())).filter((n) => n.startsWith('windsock-store-'));
    const during = await folders();
    try {
      expect(second.origin).toBe('image');
      expect(await migrateToLatest(second.db)).toEqual([]);
      expect(await tables(second.db)).toEqual(expect.arrayContaining(['dag', 'task_instance', 'ab_user']));
      // A copy of the image, not of the first store: what the first wrote is not there.
      expect(await second.db.selectFrom('variable').selectAll().execute()).toEqual([]);
    } finally {
      await second.close();
    }
    // Its temporary folder is gone once it is closed.
    const left = await folders();
    expect(during.filter((n) => !left.includes(n)).length).toBeGreaterThanOrEqual(1);
  });

  it('seeds a new data folder from the image, and opens an existing one as it is', async () => {
    const cacheDir = shared;
    const dataDir = join(await tempDir(), 'db');
    const a = await openMetastore({ kind: 'pglite', dataDir, imageCacheDir: cacheDir });
    expect(a.origin).toBe('image');
    expect(await migrateToLatest(a.db)).toEqual([]);
    await a.db.insertInto('variable').values({ key: 'kept', val: 'on disk' }).execute();
    await a.close();
    const b = await openMetastore({ kind: 'pglite', dataDir, imageCacheDir: cacheDir });
    try {
      expect(b.origin).toBe('existing');
      expect(await b.db.selectFrom('variable').select('val').where('key', '=', 'kept').executeTakeFirst()).toEqual({ val: 'on disk' });
    } finally {
      await b.close();
    }
  });

  it('builds a new image when the migration set changes', async () => {
    const cacheDir = shared;
    const extra: Migration = { up: async (db) => { await sql`create table image_probe (id int)`.execute(db); } };
    const changed = { ...migrations, '9999_probe': extra };
    expect(pgliteImageKey(changed)).not.toBe(pgliteImageKey());
    const next = await openPgliteFromImage(null, { cacheDir, migrations: changed });
    try {
      expect(next.origin).toBe('built-image');
      expect((await next.pglite.query<{ n: string }>(`select to_regclass('image_probe')::text as n`)).rows[0]?.n).toBe('image_probe');
    } finally {
      await next.pglite.close();
      await next.cleanup();
    }
    expect((await readdir(cacheDir)).sort()).toEqual([pgliteImagePath({ cacheDir }), pgliteImagePath({ cacheDir, migrations: changed })].map((p) => p.slice(cacheDir.length + 1)).sort());
  });

  it('two stores racing to build the image both open, and one image is kept', async () => {
    const cacheDir = await tempDir();
    const [a, b] = await Promise.all([openPgliteFromImage(null, { cacheDir }), openPgliteFromImage(null, { cacheDir })]);
    try {
      for (const r of [a, b]) expect((await r.pglite.query<{ n: number }>('select count(*)::int as n from kysely_migration')).rows[0]?.n).toBe(Object.keys(migrations).length);
    } finally {
      for (const r of [a, b]) { await r.pglite.close(); await r.cleanup(); }
    }
    expect(await readdir(cacheDir)).toEqual([`pglite-${pgliteImageKey()}`]);
  });

  it('removes the temporary store of a process that died without closing it', async () => {
    const orphan = join(tmpdir(), 'windsock-store-999999999-abc');
    await mkdir(orphan, { recursive: true });
    const r = await openPgliteFromImage(null, { cacheDir: shared });
    await r.pglite.close();
    await r.cleanup();
    expect((await readdir(tmpdir())).includes('windsock-store-999999999-abc')).toBe(false);
  });

  it('rebuilds an image that cannot be loaded instead of trusting it', async () => {
    const cacheDir = await tempDir();
    await mkdir(pgliteImagePath({ cacheDir }), { recursive: true });
    await writeFile(join(pgliteImagePath({ cacheDir }), 'PG_VERSION'), 'not a database\n');
    const r = await openPgliteFromImage(null, { cacheDir });
    try {
      expect(r.origin).toBe('built-image');
      expect((await r.pglite.query<{ n: number }>('select count(*)::int as n from kysely_migration')).rows[0]?.n).toBe(Object.keys(migrations).length);
    } finally {
      await r.pglite.close();
      await r.cleanup();
    }
  });
});
