import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireStoreLock, lockPathOf, readStoreLock, StoreLockedError } from './store-lock.ts';

const dirs: string[] = [];
function dataDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'windsock-lock-'));
  dirs.push(d);
  return join(d, 'db');
}
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

const MODULE = new URL('./store-lock.ts', import.meta.url).href;

/**
 * Runs a process that tries to take the lock, prints `ok` or `locked`, and holds what it got for `holdMs`; then it
 * exits, or with `crash` is killed (SIGKILL: no exit handler releases the lock).
 */
function contender(dir: string, holdMs: number, crash = false): Promise<string> {
  const code = `import { acquireStoreLock } from ${JSON.stringify(MODULE)};
    try { acquireStoreLock(${JSON.stringify(dir)}, { command: 'test', serving: true }); process.stdout.write('ok'); }
    catch (e) { process.stdout.write(e.code === 'STORE_LOCKED' ? 'locked' : 'error ' + e.message); }
    setTimeout(() => { if (${crash}) process.kill(process.pid, 'SIGKILL'); }, ${holdMs});`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => { out += b.toString(); });
    child.on('error', reject);
    child.on('exit', () => resolve(out));
  });
}

function deadPid(): number {
  // A pid far above the usual pid_max defaults, which no process holds.
  return 4_000_000 - Math.floor(Math.random() * 1000);
}

describe('store lock', () => {
  it('is exclusive while held, names its holder and URL, and is free again after release', () => {
    const dir = dataDir();
    const lock = acquireStoreLock(dir, { command: 'standalone', serving: true });
    lock.setUrl('http://127.0.0.1:9999');
    expect(readStoreLock(dir)).toMatchObject({ pid: process.pid, command: 'standalone', serving: true, url: 'http://127.0.0.1:9999' });
    let err: unknown;
    try { acquireStoreLock(dir, { command: 'users create', serving: false, waitMs: 0 }); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(StoreLockedError);
    expect((err as StoreLockedError).holder.url).toBe('http://127.0.0.1:9999');
    expect((err as Error).message).toMatch(/is in use by windsock standalone \(pid \d+, serving http:\/\/127\.0\.0\.1:9999/);
    lock.release();
    expect(existsSync(lockPathOf(dir))).toBe(false);
    expect(readStoreLock(dir)).toBeNull();
    acquireStoreLock(dir, { command: 'db migrate', serving: false }).release();
  });

  it('refuses a second process while the first holds it', async () => {
    const dir = dataDir();
    const lock = acquireStoreLock(dir, { command: 'standalone', serving: true });
    try {
      expect(await contender(dir, 0)).toBe('locked');
    } finally {
      lock.release();
    }
    expect(await contender(dir, 0)).toBe('ok');
    expect(existsSync(lockPathOf(dir))).toBe(false); // released at exit
    expect(await contender(dir, 0, true)).toBe('ok');
    // The contender was killed holding it: its lock is stale now and is taken over.
    expect(existsSync(lockPathOf(dir))).toBe(true);
    expect(readStoreLock(dir)).toBeNull();
    acquireStoreLock(dir, { command: 'test', serving: false }).release();
  });

  it('takes over the lock of a dead process, or of a reused pid', () => {
    const dir = dataDir();
    writeFileSync(lockPathOf(dir), JSON.stringify({ pid: deadPid(), hostname: hostname(), command: 'standalone', serving: true, url: 'http://x', started: 'then', procStart: '1', token: 'old' }));
    const lock = acquireStoreLock(dir, { command: 'users create', serving: false });
    expect(JSON.parse(readFileSync(lockPathOf(dir), 'utf8'))).toMatchObject({ pid: process.pid, command: 'users create' });
    lock.release();
    // Our own pid, but recorded with another start time: the process that wrote it is gone.
    writeFileSync(lockPathOf(dir), JSON.stringify({ pid: process.pid, hostname: hostname(), command: 'standalone', serving: true, url: null, started: 'then', procStart: '1', token: 'old' }));
    if (existsSync(`/proc/${process.pid}/stat`)) acquireStoreLock(dir, { command: 'users create', serving: false }).release();
    // A corrupt lock file is stale too.
    writeFileSync(lockPathOf(dir), '{"pid": 12');
    acquireStoreLock(dir, { command: 'users create', serving: false }).release();
  });

  it('lets exactly one of several processes take over a stale lock at once', async () => {
    const dir = dataDir();
    writeFileSync(lockPathOf(dir), JSON.stringify({ pid: deadPid(), hostname: hostname(), command: 'standalone', serving: true, url: null, started: 'then', procStart: null, token: 'old' }));
    const results = await Promise.all(Array.from({ length: 6 }, () => contender(dir, 6000)));
    expect(results.filter((r) => r === 'ok')).toHaveLength(1);
    expect(results.filter((r) => r === 'locked')).toHaveLength(5);
  });
});
