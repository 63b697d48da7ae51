/**
 * A migrated PGlite database, built once and reused: initdb plus the migrations cost seconds (about 6 s of every
 * `dags test` before), loading their result from a tarball (uncompressed: gunzip cost more CPU than reading 30 MB) well under one. The image is kept in a cache folder
 * (`$WINDSOCK_HOME/cache`) under a key made of the PGlite version, the init parameters and the migration set
 * (names and source), so a new release or a new migration builds a new image and an old one is never used.
 *
 * Writing is atomic (a temporary name, then rename): two processes that race both build, and either's complete
 * file wins. A cache file that cannot be read or loaded is rebuilt, never trusted.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PGliteDialect } from 'kysely';
import type { Migration } from 'kysely/migration';
import { migrations as defaultMigrations } from '@windsock/migrations';
import type { Database } from './schema.ts';
import { migrateToLatest } from './migrate.ts';

/**
 * Postgres settings for an embedded store: one connection and a small database, so PGlite's defaults (128 MB of
 * shared buffers, 100 connections' worth of shared memory) only grow the WASM heap. 32 MB of buffers keeps the
 * heap at its 128 MiB floor and holds far more than a standalone's working set.
 */
export const PGLITE_START_PARAMS: readonly string[] = [
  ...PGlite.defaultStartParams,
  '-c', 'shared_buffers=32MB', '-c', 'max_connections=8', '-c', 'wal_buffers=1MB', '-c', 'temp_buffers=2MB',
  '-c', 'maintenance_work_mem=16MB', '-c', 'min_wal_size=32MB', '-c', 'max_wal_size=64MB',
];
/** 1 MiB WAL segments (Postgres' default is 16): the image, and every store loaded from it, is 15 MiB smaller. */
export const PGLITE_INITDB_PARAMS: readonly string[] = ['--wal-segsize=1'];

export interface PgliteImageOptions {
  /** Folder holding the images (created when missing). */
  cacheDir: string;
  /** The migrations the image is built with; the default is Windsock's own. */
  migrations?: Record<string, Migration>;
}

function packageVersion(pkgJsonUrl: URL): string {
  try { return (JSON.parse(readFileSync(pkgJsonUrl, 'utf8')) as { version?: string }).version ?? '?'; } catch { return '?'; }
}

/** The image's key: what makes two images interchangeable. */
export function pgliteImageKey(migrationSet: Record<string, Migration> = defaultMigrations): string {
  const pgliteMain = fileURLToPath(import.meta.resolve('@electric-sql/pglite'));
  const pglite = packageVersion(new URL(`file://${join(dirname(pgliteMain), '..', 'package.json')}`));
  const windsock = packageVersion(new URL('../package.json', import.meta.url));
  const h = createHash('sha256').update(JSON.stringify({ pglite, windsock, initdb: PGLITE_INITDB_PARAMS }));
  for (const name of Object.keys(migrationSet).sort()) {
    const m = migrationSet[name]!;
    h.update(`\0${name}\0${m.up.toString()}\0${m.down?.toString() ?? ''}`);
  }
  return h.digest('hex').slice(0, 20);
}

export function pgliteImagePath(opts: PgliteImageOptions): string {
  return join(opts.cacheDir, `pglite-${pgliteImageKey(opts.migrations)}.tar`);
}

/** A fresh PGlite, in memory or on `dataDir`, started with the embedded settings. */
export async function newPglite(dataDir: string | null, image?: Blob): Promise<PGlite> {
  const pglite = new PGlite({
    ...(dataDir ? { dataDir } : {}), ...(image ? { loadDataDir: image } : {}),
    startParams: [...PGLITE_START_PARAMS], initDbStartParams: [...PGLITE_INITDB_PARAMS],
  });
  await pglite.waitReady;
  return pglite;
}

/** Runs initdb and the migrations in memory and writes the image; returns the migrated database, still open. */
export async function buildPgliteImage(opts: PgliteImageOptions): Promise<{ pglite: PGlite; image: Blob; path: string }> {
  const pglite = await newPglite(null);
  try {
    const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) });
    await migrateToLatest(db, opts.migrations); // not destroyed: that would close the PGlite we hand back
    const image = await pglite.dumpDataDir('none');
    const path = pgliteImagePath(opts);
    await mkdir(opts.cacheDir, { recursive: true });
    const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await writeFile(tmp, new Uint8Array(await image.arrayBuffer()));
      await rename(tmp, path);
    } catch {
      // A cache we cannot write (read-only home, full disk) only costs the next run its speed.
      await rm(tmp, { force: true });
    }
    return { pglite, image, path };
  } catch (err) {
    await pglite.close().catch(() => {});
    throw err;
  }
}

/** The cached image, or null when there is none (or it cannot be read). */
export async function readPgliteImage(opts: PgliteImageOptions): Promise<Blob | null> {
  try { return new Blob([new Uint8Array(await readFile(pgliteImagePath(opts)))]); } catch { return null; }
}

export type PgliteOrigin = 'image' | 'built-image' | 'existing' | 'initdb';

/**
 * Opens an embedded database: an existing data folder as it is; otherwise (in memory, or a new or empty folder)
 * a copy of the image, built first when the cache has none. A cached image that fails to load is deleted and
 * built again. Without `cacheDir`, a new database is made by initdb as PGlite does by itself.
 */
export async function openPgliteFromImage(dataDir: string | null, opts: PgliteImageOptions | null): Promise<{ pglite: PGlite; origin: PgliteOrigin }> {
  if (dataDir && await hasDatabase(dataDir)) return { pglite: await newPglite(dataDir), origin: 'existing' };
  if (!opts) return { pglite: await newPglite(dataDir), origin: 'initdb' };
  const cached = await readPgliteImage(opts);
  if (cached) {
    try {
      return { pglite: await newPglite(dataDir, cached), origin: 'image' };
    } catch {
      await rm(pgliteImagePath(opts), { force: true });
      if (dataDir) await emptyFolder(dataDir);
    }
  }
  const built = await buildPgliteImage(opts);
  if (!dataDir) return { pglite: built.pglite, origin: 'built-image' };
  await built.pglite.close();
  return { pglite: await newPglite(dataDir, built.image), origin: 'built-image' };
}

async function hasDatabase(dataDir: string): Promise<boolean> {
  try { return (await stat(join(dataDir, 'PG_VERSION'))).isFile(); } catch { return false; }
}

/** Clears a folder a failed load half filled; only ever one that held no database before. */
async function emptyFolder(dir: string): Promise<void> {
  let names: string[];
  try { names = await readdir(dir); } catch { return; }
  await Promise.all(names.map((n) => rm(join(dir, n), { recursive: true, force: true })));
}
