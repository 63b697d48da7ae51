/**
 * A migrated PGlite database, built once and reused: initdb plus the migrations cost seconds (about 6 s of every
 * `dags test` before), copying their result well under one. The image is a data folder kept in a cache folder
 * (`$WINDSOCK_HOME/cache`) under a key made of the PGlite and Windsock versions, the init parameters and the
 * migration set (names and source), so a new release or a new migration builds a new image and an old one is
 * never used. A new store is a copy of that folder: in a temporary folder for a throwaway store (removed when it
 * closes; a killed process's by the next one), in place for a new standalone home. A copied folder beat PGlite's
 * loadDataDir of a dumped tarball: the same open time (~0.7 s of CPU; the copy itself ~0.1 s) without the tarball
 * and the in-memory file system it fills (60-80 MiB of RSS).
 *
 * Building is atomic (a temporary folder, then rename): two processes that race both build, the first rename
 * wins and the other's copy is dropped. An image that cannot be opened is rebuilt, never trusted.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
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
  return join(opts.cacheDir, `pglite-${pgliteImageKey(opts.migrations)}`);
}

/** A PGlite started with the embedded settings: in memory (null) or on a data folder (initdb when it is new). */
export async function newPglite(dataDir: string | null): Promise<PGlite> {
  const pglite = new PGlite({ ...(dataDir ? { dataDir } : {}), startParams: [...PGLITE_START_PARAMS], initDbStartParams: [...PGLITE_INITDB_PARAMS] });
  await pglite.waitReady;
  return pglite;
}

/** Runs initdb and the migrations in a temporary folder, then renames it to the image's path. */
export async function buildPgliteImage(opts: PgliteImageOptions): Promise<string> {
  const path = pgliteImagePath(opts);
  await mkdir(opts.cacheDir, { recursive: true });
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const pglite = await newPglite(tmp);
    try {
      await migrateToLatest(new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) }), opts.migrations);
    } finally {
      await pglite.close(); // a clean shutdown: the folder is complete and consistent
    }
    // Another process may have renamed its own build there first; either one is right.
    await rename(tmp, path).catch(async (err: NodeJS.ErrnoException) => { if (!(await isImage(path))) throw err; });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return path;
}

async function isImage(path: string): Promise<boolean> {
  try { return (await stat(join(path, 'PG_VERSION'))).isFile(); } catch { return false; }
}

export type PgliteOrigin = 'image' | 'built-image' | 'existing' | 'initdb';

export interface OpenedPglite {
  pglite: PGlite;
  origin: PgliteOrigin;
  /** Removes what the store leaves behind (a throwaway store's temporary folder); call after closing it. */
  cleanup(): Promise<void>;
}

/** Temporary stores still open, removed at exit if their owner never closed them. */
const temporary = new Set<string>();
let exitHook = false;

/**
 * Opens an embedded database: an existing data folder as it is; otherwise (a throwaway store, `dataDir` null, or
 * a new or empty folder) a copy of the image, built first when the cache has none. An image that fails to open
 * is deleted and built again. Without `opts`, a new database is made by initdb (in memory for null).
 */
export async function openPgliteFromImage(dataDir: string | null, opts: PgliteImageOptions | null): Promise<OpenedPglite> {
  const none = async () => {};
  if (dataDir && await isImage(dataDir)) return { pglite: await newPglite(dataDir), origin: 'existing', cleanup: none };
  if (!opts) return { pglite: await newPglite(dataDir), origin: 'initdb', cleanup: none };
  let origin: PgliteOrigin = 'image';
  for (let attempt = 1; ; attempt++) {
    const image = pgliteImagePath(opts);
    if (!(await isImage(image))) { await buildPgliteImage(opts); origin = 'built-image'; }
    if (!dataDir && attempt === 1) await removeOrphans();
    const target = dataDir ?? await mkdtemp(join(tmpdir(), `${TEMP_PREFIX}${process.pid}-`));
    if (!dataDir) trackTemporary(target);
    const cleanup = dataDir ? none : async () => { temporary.delete(target); await rm(target, { recursive: true, force: true }); };
    try {
      await cp(image, target, { recursive: true });
      return { pglite: await newPglite(target), origin, cleanup };
    } catch (err) {
      await cleanup();
      if (dataDir) await emptyFolder(dataDir);
      if (attempt >= 2) throw err;
      await rm(image, { recursive: true, force: true });
    }
  }
}

const TEMP_PREFIX = 'windsock-store-';

/** Removes the temporary stores of processes that died without closing them (killed: no exit hook ran). */
async function removeOrphans(): Promise<void> {
  let names: string[];
  try { names = await readdir(tmpdir()); } catch { return; }
  await Promise.all(names.map(async (name) => {
    const pid = name.startsWith(TEMP_PREFIX) ? Number(name.slice(TEMP_PREFIX.length).split('-')[0]) : NaN;
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || isAlive(pid)) return;
    await rm(join(tmpdir(), name), { recursive: true, force: true });
  }));
}

function isAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (err) { return (err as NodeJS.ErrnoException).code === 'EPERM'; }
}

function trackTemporary(dir: string): void {
  temporary.add(dir);
  if (exitHook) return;
  exitHook = true;
  process.once('exit', () => { for (const d of temporary) rmSync(d, { recursive: true, force: true }); });
}

/** Clears a folder a failed copy half filled; only ever one that held no database before. */
async function emptyFolder(dir: string): Promise<void> {
  let names: string[];
  try { names = await readdir(dir); } catch { return; }
  await Promise.all(names.map((n) => rm(join(dir, n), { recursive: true, force: true })));
}
