/**
 * Webserver benchmark: `GET /api/v2/dags` (first page of 50, with tags) with N DAGs in Postgres under
 * autocannon load — p50/p99 latency and throughput — and the webserver process's RSS when idle (target
 * ≤ 150 MiB). The webserver runs in a child process of its own so the RSS is its alone. Needs Postgres
 * (DATABASE_URL, default the local one).
 */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import pg from 'pg';
import { sql } from 'kysely';
import { migrateToLatest, openMetastore } from '@windsock/metastore';
import { createUser } from '@windsock/webserver';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function admin(q: string): Promise<void> {
  const c = new pg.Client({ connectionString: DATABASE_URL });
  await c.connect();
  try { await c.query(q); } finally { await c.end(); }
}

export interface WebBenchResult { dags: number; p50: number; p99: number; rps: number; errors: number; idleRssMiB: number; loadedRssMiB: number }

export async function webserverBench(opts: { dags: number; seconds: number; connections: number }): Promise<WebBenchResult> {
  const name = `windsock_bench_${randomBytes(5).toString('hex')}`;
  await admin(`create database ${name}`);
  const u = new URL(DATABASE_URL); u.pathname = `/${name}`;
  const url = u.toString();
  const store = await openMetastore({ kind: 'postgres', url, poolSize: 2 });
  let child: ReturnType<typeof fork> | null = null;
  try {
    await migrateToLatest(store.db);
    await sql`insert into dag (dag_id, fileloc, owners, description, timetable_summary, is_paused)
      select 'bench_dag_' || lpad(i::text, 5, '0'), 'bench/' || i || '.yaml', 'data', 'benchmark DAG ' || i, '@daily', i % 3 = 0
      from generate_series(1, ${opts.dags}) i`.execute(store.db);
    await sql`insert into dag_tag (name, dag_id) select t, dag_id from dag, unnest(array['bench', 'repo:r' || (length(dag_id) % 5)]) t`.execute(store.db);
    await createUser(store.db, { username: 'bench', password: 'bench-password', role: 'Viewer' });
    // The same V8 flag `windsock webserver` runs with (apps/cli/bin/windsock.js).
    child = fork(fileURLToPath(new URL('./webserver-serve.ts', import.meta.url)), [url], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: ['--max-semi-space-size=1'] });
    const c = child;
    const ask = <T>(msg: string | null, key: string) => new Promise<T>((resolve) => { const on = (m: Record<string, T>) => { if (key in m) { c.off('message', on); resolve(m[key]!); } }; c.on('message', on); if (msg) c.send(msg); });
    const base = await ask<string>(null, 'url');
    const tok = await fetch(`${base}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'bench', password: 'bench-password' }) });
    const { access_token } = await tok.json() as { access_token: string };
    const first = await fetch(`${base}/api/v2/dags`, { headers: { authorization: `Bearer ${access_token}` } });
    const body = await first.json() as { total_entries: number };
    if (body.total_entries !== opts.dags) throw new Error(`expected ${opts.dags} DAGs, the API says ${body.total_entries}`);
    const idleRss = await ask<number>('rss', 'rss');
    const result = await autocannon({ url: `${base}/api/v2/dags`, connections: opts.connections, duration: opts.seconds, headers: { authorization: `Bearer ${access_token}` } });
    const loadedRss = await ask<number>('rss', 'rss');
    return {
      dags: opts.dags, p50: result.latency.p50, p99: result.latency.p99, rps: Math.round(result.requests.average),
      errors: result.errors + result.non2xx, idleRssMiB: Math.round(idleRss / 1048576), loadedRssMiB: Math.round(loadedRss / 1048576),
    };
  } finally {
    if (child) { child.kill('SIGTERM'); await new Promise((r) => child!.once('exit', r)); }
    await store.close();
    await admin(`drop database if exists ${name} with (force)`);
  }
}

export function printWebBench(r: WebBenchResult): void {
  console.log(`Webserver GET /api/v2/dags (${r.dags} DAGs, page of 50): p50 ${r.p50} ms, p99 ${r.p99} ms, ${r.rps} req/s, ${r.errors} errors (no Airflow figure on this machine; Airflow 3's grid takes up to 30 s on large DAGs in users' reports)`);
  console.log(`Webserver RSS: ${r.idleRssMiB} MiB idle, ${r.loadedRssMiB} MiB after load (target idle <= 150 MiB)`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const tiny = process.argv.includes('--tiny');
  const r = await webserverBench({ dags: tiny ? 50 : 1000, seconds: tiny ? 2 : 10, connections: tiny ? 2 : 10 });
  printWebBench(r);
  if (r.errors > 0) process.exit(1);
}
