/**
 * Distributed benchmarks' harness (S4, and S1/S2 distributed): a throwaway Postgres database, a random Redis
 * prefix, and `windsock scheduler` / `windsock worker` as separate processes (the real CLI, configured through
 * WINDSOCK__ variables), plus the machine's floors measured in the same run: a Redis round trip and Postgres
 * single-row update commits per second.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { Redis } from 'ioredis';
import { openMetastore, type Metastore } from '@windsock/metastore';
import { RedisEventBus } from '@windsock/queue';
import { createManualRun } from '@windsock/scheduler';
import { percentile, triggerAll } from './harness.ts';

const CLI = resolve(import.meta.dirname, '../apps/cli/bin/windsock.js');
export const DEFAULT_POSTGRES = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const DEFAULT_REDIS = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface DistributedBench {
  store: Metastore;
  /** Starts the processes and resolves once each is up (its /health port is known) and the DAGs are stored. */
  start(parts: { schedulers: number; workers: number }): Promise<void>;
  /** Triggers one manual run per entry (distinct logical dates); returns dag_run ids. */
  trigger(dagIds: string[]): Promise<number[]>;
  /** Resolves when every run is finished (polls dag_run every 200 ms: the runs' end is the condition). */
  waitForRuns(ids: number[], timeoutMs: number): Promise<void>;
  /** Transactions committed in the bench database so far (pg_stat_database.xact_commit, read-only ones included). */
  commits(): Promise<number>;
  /** Stops the processes (SIGTERM) and drops the database; returns the commits counted once they had exited. */
  stop(): Promise<number>;
  /**
   * CPU seconds (user + system) the Windsock processes have used so far, from /proc (Linux; NaN elsewhere). Unlike
   * throughput, a cost per task instance from it holds on a machine others are loading too.
   */
  cpuSeconds(): Promise<number>;
}

/** utime + stime of a process in seconds (/proc/<pid>/stat fields 14 and 15, in clock ticks of 1/100 s). */
async function processCpuSeconds(pid: number): Promise<number> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch { return Number.NaN; }
}

export async function startDistributedBench(files: Record<string, string>, opts: { postgres?: string; redis?: string; env?: Record<string, string> }): Promise<DistributedBench> {
  const serverUrl = opts.postgres ?? DEFAULT_POSTGRES;
  const name = `windsock_bench_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  const url = u.toString();
  const folder = await mkdtemp(join(tmpdir(), 'windsock-bench-dags-'));
  for (const [f, text] of Object.entries(files)) await writeFile(join(folder, f), text);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? folder,
    WINDSOCK__DATABASE__URL: url, WINDSOCK__QUEUE__REDIS_URL: opts.redis ?? DEFAULT_REDIS, WINDSOCK__QUEUE__PREFIX: `bench${randomBytes(4).toString('hex')}`,
    WINDSOCK__CORE__DAGS_FOLDER: folder, WINDSOCK__CORE__DAGS_ARE_PAUSED_AT_CREATION: 'false',
    WINDSOCK__SCHEDULER__HEALTH_CHECK_PORT: '0', WINDSOCK__WORKER__HEALTH_CHECK_PORT: '0', WINDSOCK__LOGGING__LEVEL: 'warn',
    ...opts.env,
  };
  let store: Metastore | null = null;
  // Triggers announce their runs on the event bus, as the webserver's trigger endpoint does.
  let events: RedisEventBus | null = null;
  let runSeq = 0;
  const procs: Array<{ child: ChildProcess; exited: Promise<unknown> }> = [];
  const bench: DistributedBench = {
    get store() { if (!store) throw new Error('start() first'); return store; },
    async start(parts) {
      const roles = [...Array(parts.schedulers).fill('scheduler'), ...Array(parts.workers).fill('worker')] as string[];
      // One scheduler first: it migrates the fresh database and stores the DAGs.
      const ups: Promise<void>[] = [];
      for (const [i, role] of roles.entries()) {
        const child = spawn(process.execPath, [CLI, role], { env: { ...env, WINDSOCK__LOGGING__LEVEL: 'info' }, stdio: ['ignore', 'ignore', 'pipe'] });
        const exited = new Promise((r) => child.once('exit', r));
        let err = '';
        const up = new Promise<void>((res, rej) => {
          child.stderr!.on('data', (c: Buffer) => { const t = c.toString(); err += t; if (t.includes('health endpoint listening')) res(); });
          void exited.then(() => rej(new Error(`windsock ${role} exited: ${err.slice(-2000)}`)));
        });
        procs.push({ child, exited });
        ups.push(up);
        if (i === 0) await up;
      }
      await Promise.all(ups);
      store = await openMetastore({ kind: 'postgres', url, poolSize: 4, applicationName: 'windsock-bench' });
      events = new RedisEventBus({ redisUrl: env.WINDSOCK__QUEUE__REDIS_URL!, prefix: env.WINDSOCK__QUEUE__PREFIX! });
      await events.ready();
    },
    async trigger(dagIds) {
      // All at once, as many clients calling the trigger endpoint would (4 in flight, the pool's size).
      return triggerAll(dagIds, 4, async (dagId) => {
        const run = await createManualRun(bench.store.db, { dagId, logicalDate: new Date(Date.UTC(2020, 0, 1) + runSeq++ * 60_000) });
        events?.emit('dagrun:created', { dagId, runId: run.run_id, dagRunId: run.id });
        return run.id;
      });
    },
    async waitForRuns(ids, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const left = await bench.store.db.selectFrom('dag_run').select(({ fn }) => fn.countAll<string>().as('n'))
          .where('id', 'in', ids).where('state', 'not in', ['success', 'failed']).executeTakeFirstOrThrow();
        if (Number(left.n) === 0) return;
        if (Date.now() > deadline) throw new Error(`${left.n} runs unfinished after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    async cpuSeconds() {
      const each = await Promise.all(procs.map((p) => (p.child.pid === undefined ? Number.NaN : processCpuSeconds(p.child.pid))));
      return each.reduce((a, b) => a + b, 0);
    },
    async commits() {
      return Number((await admin.query('select xact_commit from pg_stat_database where datname = $1', [name])).rows[0].xact_commit);
    },
    async stop() {
      await events?.close();
      for (const p of procs) p.child.kill('SIGTERM');
      await Promise.all(procs.map((p) => p.exited));
      await store?.close();
      // A backend flushes its statistics as it exits, a moment after its client went away: wait for all of them.
      for (let i = 0; i < 100; i++) {
        const left = (await admin.query('select count(*)::int as n from pg_stat_activity where datname = $1', [name])).rows[0].n as number;
        if (left === 0) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      const total = await bench.commits();
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
      await rm(folder, { recursive: true, force: true });
      await dropKeys(env.WINDSOCK__QUEUE__REDIS_URL!, env.WINDSOCK__QUEUE__PREFIX!);
      return total;
    },
  };
  return bench;
}

/** Floors of this machine, measured now: Redis PING round trip; Postgres single-row update commits per second. */
export async function measureFloors(opts: { postgres?: string; redis?: string; samples?: number } = {}): Promise<{ redisRttP50Us: number; pgCommitsPerS: number; pgCommitMs: number }> {
  const n = opts.samples ?? 2000;
  const r = new Redis(opts.redis ?? DEFAULT_REDIS);
  const rtts: number[] = [];
  try {
    for (let i = 0; i < 50; i++) await r.ping();
    for (let i = 0; i < n; i++) { const t = process.hrtime.bigint(); await r.ping(); rtts.push(Number(process.hrtime.bigint() - t) / 1000); }
  } finally { r.disconnect(); }
  rtts.sort((a, b) => a - b);
  const table = `windsock_floor_${randomBytes(4).toString('hex')}`;
  const c = new pg.Client({ connectionString: opts.postgres ?? DEFAULT_POSTGRES });
  await c.connect();
  try {
    // A real table, not a temp one (those are not WAL-logged): the floor pays for a durable commit as the metastore does.
    await c.query(`create table ${table} (id int primary key, v int)`);
    await c.query(`insert into ${table} values (1, 0)`);
    const updates = Math.max(200, Math.floor(n / 2));
    const t0 = performance.now();
    for (let i = 0; i < updates; i++) await c.query(`update ${table} set v = v + 1 where id = 1`);
    const ms = performance.now() - t0;
    return { redisRttP50Us: Math.round(percentile(rtts, 50)), pgCommitsPerS: Math.round(updates / (ms / 1000)), pgCommitMs: Number((ms / updates).toFixed(3)) };
  } finally {
    await c.query(`drop table if exists ${table}`);
    await c.end();
  }
}

/** Deletes the bench instance's keys from Redis. */
async function dropKeys(redisUrl: string, prefix: string): Promise<void> {
  const r = new Redis(redisUrl);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await r.del(...keys);
    } while (cursor !== '0');
  } finally { r.disconnect(); }
}
