/**
 * A distributed Windsock for a test: `windsock scheduler` and `windsock worker` as separate processes (the real
 * CLI, configured only through WINDSOCK__ variables) on a fresh Postgres database and a Redis, a random queue
 * prefix, and a DAG folder whose tasks append one line per execution to a file, so tests can count executions.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createManualRun } from '@windsock/scheduler';
import type { Metastore } from '@windsock/metastore';
import { Redis } from 'ioredis';
import { dagFolder } from './support/instance.ts';

const CLI = resolve(import.meta.dirname, '../apps/cli/bin/windsock.js');

export interface Proc { name: string; child: ChildProcess; healthPort: Promise<number>; exited: Promise<number | null>; logFile: string }

/** A DAG of `width` × `depth` bash tasks (each layer after the previous one) that record every execution. */
export function countingDag(dagId: string, out: string, o: { width: number; depth: number; sleepS?: number; retries?: number }): string {
  const tasks: string[] = [];
  for (let d = 0; d < o.depth; d++) {
    for (let w = 0; w < o.width; w++) {
      const id = `t${d}_${w}`;
      const deps = d === 0 ? '' : `\n      dependencies: [${Array.from({ length: o.width }, (_, i) => `t${d - 1}_${i}`).join(', ')}]`;
      const sleep = o.sleepS ? `sleep ${o.sleepS}; ` : '';
      tasks.push(`    - task_id: ${id}
      operator: airflow.operators.bash.BashOperator
      bash_command: '${sleep}echo "{{ run_id }} ${id} {{ ti.try_number }}" >> ${out}; echo "line-one ${id}"; echo "line-two ${id}"'${deps}`);
    }
  }
  return `${dagId}:
  schedule: null
  max_active_runs: 50
  max_active_tasks: 200
  default_args: {start_date: 2024-01-01, retries: ${o.retries ?? 0}, retry_delay_sec: 0}
  tasks:
${tasks.join('\n')}
`;
}

export interface Cluster {
  prefix: string;
  out: string;
  folder: string;
  logDir: string;
  procs: Proc[];
  spawn(role: 'scheduler' | 'worker', name: string, env?: Record<string, string>): Proc;
  /** Triggers `n` manual runs of `dagId` with distinct logical dates (from day `firstDay`); returns their dag_run ids. */
  trigger(dagId: string, n: number, firstDay?: number): Promise<number[]>;
  /** Resolves when every given run is finished (polls the metastore: the runs' end is the condition waited on). */
  waitForRuns(ids: number[], timeoutMs: number): Promise<Array<{ id: number; state: string }>>;
  /** Execution lines: `run_id task_id try_number`. */
  executions(): Promise<string[]>;
  /** SIGKILL to a process; for a worker, also waits until its task processes have died with it (or throws). */
  killHard(p: Proc): Promise<void>;
  /** SIGTERM to every process still running; then removes the work and DAG folders (WINDSOCK_KEEP_TEST_LOGS=1 keeps them). */
  stopAll(): Promise<void>;
}

export async function startCluster(opts: { store: Metastore; databaseUrl: string; redisUrl: string; dags: (out: string) => Record<string, string>; env?: Record<string, string> }): Promise<Cluster> {
  const prefix = `wd${randomBytes(5).toString('hex')}`;
  const work = await mkdtemp(join(tmpdir(), 'windsock-dist-'));
  const out = join(work, 'executions.txt');
  const folder = await dagFolder(opts.dags(out));
  const procs: Proc[] = [];
  const baseEnv: Record<string, string> = {
    PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? work,
    WINDSOCK__DATABASE__URL: opts.databaseUrl, WINDSOCK__DATABASE__POOL_SIZE: '6',
    WINDSOCK__QUEUE__REDIS_URL: opts.redisUrl, WINDSOCK__QUEUE__PREFIX: prefix, WINDSOCK__QUEUE__JOB_LOCK_SEC: '4',
    WINDSOCK__CORE__DAGS_FOLDER: folder, WINDSOCK__CORE__EXECUTOR: 'local', WINDSOCK__CORE__DAGS_ARE_PAUSED_AT_CREATION: 'false',
    WINDSOCK__CORE__PARALLELISM: '64',
    WINDSOCK__SCHEDULER__TICK_MS: '200', WINDSOCK__SCHEDULER__RECONCILE_INTERVAL: '1',
    WINDSOCK__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT: '8', WINDSOCK__SCHEDULER__HEALTH_CHECK_PORT: '0',
    WINDSOCK__WORKER__HEARTBEAT_SEC: '0.5', WINDSOCK__WORKER__HEALTH_CHECK_PORT: '0', WINDSOCK__WORKER__CONCURRENCY: '8',
    WINDSOCK__WORKER__SHUTDOWN_GRACE_SEC: '60',
    WINDSOCK__LOGGING__LEVEL: 'info',
    ...opts.env,
  };
  const cluster: Cluster = {
    prefix, out, folder, logDir: work, procs,
    spawn(role, name, env = {}) {
      const child = spawn(process.execPath, [CLI, role], { env: { ...baseEnv, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
      const logFile = join(work, `${name}.log`);
      const log = createWriteStream(logFile);
      let buf = '';
      let gotPort: (p: number) => void;
      const healthPort = new Promise<number>((r) => { gotPort = r; });
      child.stderr!.on('data', (c: Buffer) => {
        log.write(c);
        buf += c.toString('utf8');
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          if (line.includes('health endpoint listening')) { try { gotPort(JSON.parse(line).port as number); } catch { /* not JSON */ } }
        }
      });
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => { log.end(); r(code); }));
      const p: Proc = { name, child, healthPort, exited, logFile };
      procs.push(p);
      return p;
    },
    async trigger(dagId, n, firstDay = 0) {
      const ids: number[] = [];
      for (let i = 0; i < n; i++) ids.push((await createManualRun(opts.store.db, { dagId, logicalDate: new Date(Date.UTC(2024, 0, 1 + firstDay + i)) })).id);
      return ids;
    },
    async waitForRuns(ids, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const rows = await opts.store.db.selectFrom('dag_run').select(['id', 'state']).where('id', 'in', ids).execute();
        if (rows.length === ids.length && rows.every((r) => r.state === 'success' || r.state === 'failed')) return rows.map((r) => ({ id: r.id, state: r.state }));
        if (Date.now() > deadline) throw new Error(`runs not finished after ${timeoutMs} ms: ${JSON.stringify(rows.filter((r) => r.state !== 'success'))} (logs in ${work})`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    async executions() {
      try { return (await readFile(out, 'utf8')).trim().split('\n').filter(Boolean); } catch { return []; }
    },
    async killHard(p) {
      // The task process groups are the worker's direct children (each leads its own group). Only the worker is
      // killed: its tasks' watchdogs must stop them (SIGTERM at once), as nothing else would outside a container.
      let children: number[] = [];
      try { children = execFileSync('pgrep', ['-P', String(p.child.pid)]).toString().trim().split('\n').filter(Boolean).map(Number); } catch { /* none */ }
      p.child.kill('SIGKILL');
      await p.exited;
      const groupAlive = (c: number) => { try { process.kill(-c, 0); return true; } catch { return false; } };
      const deadline = Date.now() + 10_000;
      while (children.some(groupAlive)) {
        if (Date.now() > deadline) throw new Error(`task process groups ${children.filter(groupAlive).join(', ')} outlived their worker`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stopAll() {
      await Promise.all(procs.map(async (p) => {
        if (p.child.exitCode !== null || p.child.signalCode !== null) return;
        p.child.kill('SIGTERM');
        const t = setTimeout(() => p.child.kill('SIGKILL'), 15_000);
        await p.exited;
        clearTimeout(t);
      }));
      if (!process.env.WINDSOCK_KEEP_TEST_LOGS) await Promise.all([work, folder].map((d) => rm(d, { recursive: true, force: true })));
      await dropKeys(opts.redisUrl, prefix);
    },
  };
  return cluster;
}

/** GET /health of a process: status code and body. */
export async function health(p: Proc): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`http://127.0.0.1:${await p.healthPort}/health`);
  return { status: res.status, body: await res.json() as Record<string, unknown> };
}

/** The stored log of every task instance's tries in the given runs, by `run_id task_id try`. */
export async function storedLogs(store: Metastore, runIds: number[]): Promise<Map<string, string>> {
  const rows = await store.db.selectFrom('task_log as l').innerJoin('task_instance as ti', 'ti.id', 'l.task_instance_id')
    .select(['ti.run_id', 'ti.task_id', 'l.try_number', 'l.chunk']).where('ti.dag_run_id', 'in', runIds).orderBy('l.id').execute();
  const out = new Map<string, string>();
  for (const r of rows) {
    const k = `${r.run_id} ${r.task_id} ${r.try_number}`;
    out.set(k, (out.get(k) ?? '') + r.chunk);
  }
  return out;
}

/**
 * The fault tests' verdict over the given runs: every run succeeded; no try executed twice; every task instance's
 * final try executed exactly once with all its log lines stored; every earlier try (a zombie, a try stopped by a
 * shutdown) has a log line saying why it ended. Returns how many task instances needed more than one try.
 */
export async function verifyExactlyOnce(store: Metastore, cluster: Cluster, runIds: number[], expectedTis: number): Promise<{ retried: number; explained: string[] }> {
  const runs = await store.db.selectFrom('dag_run').select(['id', 'state']).where('id', 'in', runIds).execute();
  const bad = runs.filter((r) => r.state !== 'success');
  if (bad.length) throw new Error(`runs not successful: ${JSON.stringify(bad)}`);
  const tis = await store.db.selectFrom('task_instance').select(['run_id', 'task_id', 'state', 'try_number']).where('dag_run_id', 'in', runIds).execute();
  if (tis.length !== expectedTis) throw new Error(`expected ${expectedTis} task instances, found ${tis.length}`);
  const counts = new Map<string, number>();
  for (const l of await cluster.executions()) counts.set(l, (counts.get(l) ?? 0) + 1);
  const twice = [...counts].filter(([, n]) => n > 1);
  if (twice.length) throw new Error(`tries executed more than once: ${JSON.stringify(twice)}`);
  const logs = await storedLogs(store, runIds);
  const explained: string[] = [];
  let retried = 0;
  for (const ti of tis) {
    if (ti.state !== 'success') throw new Error(`${ti.run_id} ${ti.task_id} ended ${ti.state}`);
    const final = `${ti.run_id} ${ti.task_id} ${ti.try_number}`;
    if (counts.get(final) !== 1) throw new Error(`${final} executed ${counts.get(final) ?? 0} times`);
    const text = logs.get(final) ?? '';
    if (!text.includes(`line-one ${ti.task_id}\nline-two ${ti.task_id}\n`) || !text.includes('Marking task as SUCCESS.')) throw new Error(`log of ${final} lost lines: ${JSON.stringify(text)}`);
    if (ti.try_number > 1) retried++;
    for (let t = 1; t < ti.try_number; t++) {
      const earlier = logs.get(`${ti.run_id} ${ti.task_id} ${t}`) ?? '';
      const why = /stopped heart-beating[^\n]*|task_queued_timeout[^\n]*|shutting down[^\n]*|Task failed[^\n]*/.exec(earlier);
      if (!why) throw new Error(`try ${t} of ${ti.run_id} ${ti.task_id} ended without a log line saying why: ${JSON.stringify(earlier)}`);
      explained.push(why[0]);
    }
  }
  return { retried, explained };
}

/** Resolves once at least `n` executions were recorded (the moment a fault is injected "mid-run"). */
export async function waitForExecutions(cluster: Cluster, n: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await cluster.executions()).length < n) {
    if (Date.now() > deadline) throw new Error(`fewer than ${n} executions after ${timeoutMs} ms (logs in ${cluster.logDir})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Deletes this instance's keys from a shared Redis (best effort: it may be a private server already stopped). */
export async function dropKeys(redisUrl: string, prefix: string): Promise<void> {
  const r = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on('error', () => {});
  try {
    await r.connect();
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await r.del(...keys);
    } while (cursor !== '0');
  } catch { /* unreachable: nothing to clean */ } finally { r.disconnect(); }
}
