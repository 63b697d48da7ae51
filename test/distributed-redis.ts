/**
 * A private Redis server for one test file, so fault tests can FLUSHALL it or stop it for a while without
 * touching the shared Redis that other test files use. Needs `redis-server` on PATH.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface PrivateRedis { url: string; port: number; start(): Promise<void>; stop(): Promise<void>; flushAll(): Promise<void> }

export async function privateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let proc: ChildProcess | null = null;
  const url = `redis://127.0.0.1:${port}`;
  const ping = async () => {
    const c = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    c.on('error', () => {});
    try { await c.connect(); await c.ping(); return true; } catch { return false; } finally { c.disconnect(); }
  };
  const r: PrivateRedis = {
    url, port,
    async start() {
      proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
      for (let i = 0; i < 200; i++) { if (await ping()) return; await new Promise((res) => setTimeout(res, 25)); }
      throw new Error('private redis-server did not start');
    },
    async stop() {
      const p = proc;
      proc = null;
      if (!p || p.exitCode !== null) return;
      const exited = new Promise((res) => p.once('exit', res));
      p.kill('SIGKILL');
      await exited;
    },
    async flushAll() {
      const c = new Redis({ port, host: '127.0.0.1' });
      try { await c.flushall(); } finally { c.disconnect(); }
    },
  };
  await r.start();
  return r;
}
