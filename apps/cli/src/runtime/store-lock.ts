/**
 * One writer per embedded store. PGlite runs Postgres inside one process: two processes opening the same data
 * folder each write behind the other's back (and the second one's writes vanish). A process that opens
 * `$WINDSOCK_HOME/db` first takes `$WINDSOCK_HOME/db.lock`: a small JSON file naming its pid, host, command and,
 * once it serves, its API URL, so that a second process can go through that instance or say what to do.
 *
 * Creating the lock is atomic: the holder's record is written to a private file first and hard-linked into place
 * (`link` fails when the name exists), so a reader never sees a half-written lock. A lock whose process is gone
 * (same host, pid not alive, or alive but started at another time: a reused pid) is stale and is taken over;
 * takers serialise on a short-lived `db.lock.takeover` file and remove the stale lock only if it still holds
 * what they judged stale, so two takers cannot remove each other's fresh lock.
 */
import { closeSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { dirname } from 'node:path';

export interface LockHolder {
  pid: number;
  hostname: string;
  /** The windsock command holding the store (`standalone`, `users create`, …). */
  command: string;
  /** True for a long-running process that serves the API (standalone, webserver); false for a one-shot command. */
  serving: boolean;
  /** The API's base URL once it listens, else null. */
  url: string | null;
  started: string;
  /** The process's start time as the kernel counts it (/proc/<pid>/stat), to tell a reused pid; null off Linux. */
  procStart: string | null;
  token: string;
}

/** The store is held by another live process; `holder` says which. */
export class StoreLockedError extends Error {
  readonly code = 'STORE_LOCKED';
  readonly holder: LockHolder;
  readonly lockPath: string;
  constructor(lockPath: string, holder: LockHolder, advice: string) {
    super(`the embedded store ${lockPath.replace(/\.lock$/, '')} is in use by ${describeHolder(holder)}; ${advice}`);
    this.name = 'StoreLockedError';
    this.holder = holder;
    this.lockPath = lockPath;
  }
}

export interface StoreLock {
  readonly path: string;
  /** Records the API URL this process serves, for other processes to reach it. */
  setUrl(url: string): void;
  /** Removes the lock if it is still ours (idempotent; also done at process exit). */
  release(): void;
}

export interface AcquireOptions {
  command: string;
  serving: boolean;
  /** How long to wait for a one-shot command (db migrate, users create) holding the store to finish. */
  waitMs?: number;
}

export function lockPathOf(dataDir: string): string {
  return `${dataDir}.lock`;
}

export function describeHolder(h: LockHolder): string {
  return `windsock ${h.command} (pid ${h.pid}${h.hostname !== hostname() ? ` on ${h.hostname}` : ''}${h.url ? `, serving ${h.url}` : ''}, since ${h.started})`;
}

/** Takes the lock of the store in `dataDir`, or throws StoreLockedError naming the live holder. */
export function acquireStoreLock(dataDir: string, opts: AcquireOptions): StoreLock {
  const path = lockPathOf(dataDir);
  const me: LockHolder = {
    pid: process.pid, hostname: hostname(), command: opts.command, serving: opts.serving, url: null,
    started: new Date().toISOString(), procStart: procStartOf(process.pid), token: randomBytes(8).toString('hex'),
  };
  const deadline = Date.now() + (opts.waitMs ?? 30_000);
  mkdirSync(dirname(path), { recursive: true });
  for (;;) {
    if (tryCreate(path, me)) break;
    const seen = readRaw(path);
    if (seen === null) continue; // released meanwhile
    const holder = parseHolder(seen);
    if (holder && isAlive(holder)) {
      if (holder.serving || Date.now() >= deadline) {
        throw new StoreLockedError(path, holder, holder.serving
          ? 'stop it first, or give this command another WINDSOCK_HOME'
          : 'wait until it ends and run again');
      }
      sleepMs(100);
      continue;
    }
    removeStale(path, seen);
  }
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    process.off('exit', release);
    const current = parseHolder(readRaw(path) ?? '');
    if (current?.token === me.token) unlinkQuietly(path);
  };
  process.on('exit', release);
  return {
    path,
    setUrl(url: string) {
      if (!held) return;
      me.url = url;
      const tmp = `${path}.${me.token}.tmp`;
      writeFileExclusive(tmp, me);
      renameSync(tmp, path); // atomic replacement of our own record
    },
    release,
  };
}

/** The live holder of the store in `dataDir`, or null when it is free (or its holder is gone). */
export function readStoreLock(dataDir: string): LockHolder | null {
  const holder = parseHolder(readRaw(lockPathOf(dataDir)) ?? '');
  return holder && isAlive(holder) ? holder : null;
}

function tryCreate(path: string, me: LockHolder): boolean {
  const tmp = `${path}.${me.token}.tmp`;
  writeFileExclusive(tmp, me);
  try {
    linkSync(tmp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    unlinkQuietly(tmp);
  }
}

/** Removes a stale lock, if it still holds `staleText`, under the takeover mutex. */
function removeStale(path: string, staleText: string): void {
  const mutex = `${path}.takeover`;
  let fd: number;
  try {
    fd = openSync(mutex, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    // Another process is taking over; a mutex left by a process that died mid-takeover (held for microseconds
    // otherwise) is removed after a while.
    const age = ageMs(mutex);
    if (age !== null && age > 10_000) unlinkQuietly(mutex);
    sleepMs(20);
    return;
  }
  try {
    if (readRaw(path) === staleText) unlinkQuietly(path);
  } finally {
    closeSync(fd);
    unlinkQuietly(mutex);
  }
}

function isAlive(h: LockHolder): boolean {
  if (h.hostname !== hostname()) return true; // another machine's process: we cannot tell, so assume it runs
  try {
    process.kill(h.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const start = procStartOf(h.pid);
  return !(h.procStart && start && start !== h.procStart);
}

/** Field 22 of /proc/<pid>/stat: the process's start time in clock ticks since boot (Linux only). */
function procStartOf(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

function parseHolder(text: string): LockHolder | null {
  try {
    const v = JSON.parse(text) as Partial<LockHolder>;
    if (typeof v.pid !== 'number' || typeof v.hostname !== 'string' || typeof v.token !== 'string') return null;
    return { command: '?', serving: false, url: null, started: '?', procStart: null, ...v } as LockHolder;
  } catch {
    return null;
  }
}

function writeFileExclusive(path: string, h: LockHolder): void {
  const fd = openSync(path, 'w', 0o600);
  try { writeSync(fd, JSON.stringify(h) + '\n'); } finally { closeSync(fd); }
}

function readRaw(path: string): string | null {
  try { return readFileSync(path, 'utf8'); } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

function ageMs(path: string): number | null {
  try { return Date.now() - statSync(path).mtimeMs; } catch { return null; }
}

function unlinkQuietly(path: string): void {
  try { unlinkSync(path); } catch { /* already gone */ }
}

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
