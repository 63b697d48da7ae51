/**
 * Benchmark harness: a Windsock instance from its real parts (DAG processor, scheduler, worker with the local
 * executor) on embedded PGlite or on Postgres, with DAG files written to a temp folder.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { DagCache, migrateToLatest, openMetastore, type Metastore } from '@windsock/metastore';
import { LocalEventBus, MemoryTaskQueue } from '@windsock/queue';
import { DagProcessorService, Scheduler, createManualRun } from '@windsock/scheduler';
import { Worker } from '@windsock/worker';
import { LocalExecutor } from '@windsock/executors';
import { DagFolderProcessor } from '@windsock/dag-parser';

export interface Bench {
  store: Metastore;
  events: LocalEventBus;
  trigger(dagIds: string[]): Promise<number[]>;
  stop(): Promise<void>;
}

export async function startBench(files: Record<string, string>, opts: { concurrency: number; parallelism: number; databaseUrl?: string; followOn?: boolean; pgliteOnDisk?: boolean }): Promise<Bench> {
  const folder = await mkdtemp(join(tmpdir(), 'windsock-bench-'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(folder, name), text);
  // On Postgres each bench gets a throwaway schema, so rows left by earlier runs never slow it down.
  const schema = `bench_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  // PGlite in memory unless asked for a data folder on disk, which is what `windsock standalone` uses.
  const dataDir = opts.pgliteOnDisk && !opts.databaseUrl ? await mkdtemp(join(tmpdir(), 'windsock-bench-pgdata-')) : null;
  const store = await openMetastore(opts.databaseUrl ? { kind: 'postgres', url: opts.databaseUrl, schema } : { kind: 'pglite', dataDir });
  await migrateToLatest(store.db);
  const events = new LocalEventBus();
  const queue = new MemoryTaskQueue();
  const processor = new DagProcessorService({ db: store.db, events, processor: new DagFolderProcessor({ folder }), dagsFolder: folder, options: { pausedAtCreation: false } });
  await processor.syncOnce();
  const dags = new DagCache(store.db);
  const scheduler = new Scheduler({ db: store.db, queue, events, dags, options: { parallelism: opts.parallelism, maxTisPerPass: opts.parallelism, analyzeMs: store.kind === 'pglite' ? 5000 : 0, passGapFactor: store.kind === 'pglite' ? 0.5 : 0 } });
  const worker = new Worker({ db: store.db, queue, events, dags, executor: new LocalExecutor(), options: { concurrency: opts.concurrency, followOn: opts.followOn ?? true, templateWarmUp: false } });
  worker.start();
  scheduler.start();
  return {
    store, events,
    async trigger(dagIds) {
      const done = new Set<number>();
      const ids: number[] = [];
      const all = new Promise<void>((resolve) => {
        const off = events.on('dagrun:finished', (e) => { done.add(e.dagRunId); if (ids.length === dagIds.length && ids.every((i) => done.has(i))) { off(); resolve(); } });
      });
      // All at once, as many clients calling the trigger endpoint would (PGlite runs them one by one anyway).
      ids.push(...await triggerAll(dagIds, 4, async (dagId) => {
        const run = await createManualRun(store.db, { dagId });
        events.emit('dagrun:created', { dagId, runId: run.run_id, dagRunId: run.id });
        return run.id;
      }));
      // A run may have finished before every trigger returned: check the ones already seen.
      if (ids.every((i) => done.has(i))) return ids;
      await all;
      return ids;
    },
    async stop() {
      processor.stop(); await scheduler.stop(); await worker.stop({ drain: false });
      if (store.kind === 'postgres') await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(store.db);
      await store.close();
      await rm(folder, { recursive: true, force: true });
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Calls `trigger` for every DAG id with at most `inFlight` calls at once; returns the results in order. */
export async function triggerAll<T>(dagIds: string[], inFlight: number, trigger: (dagId: string) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(dagIds.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(inFlight, dagIds.length) }, async () => {
    while (next < dagIds.length) { const i = next++; out[i] = await trigger(dagIds[i]!); }
  }));
  return out;
}

export function yamlDag(dagId: string, tasks: { id: string; upstream: string[] }[], kind: 'bash' | 'empty', bashCommand = 'true'): string {
  const op = kind === 'bash' ? 'airflow.operators.bash.BashOperator' : 'airflow.operators.empty.EmptyOperator';
  const body = tasks.map((t) => `    - task_id: ${t.id}\n      operator: ${op}\n${kind === 'bash' ? `      bash_command: ${JSON.stringify(bashCommand)}\n` : ''}${t.upstream.length ? `      dependencies: [${t.upstream.join(', ')}]\n` : ''}`).join('');
  return `${dagId}:\n  schedule: null\n  max_active_tasks: 1000\n  default_args: {start_date: 2024-01-01}\n  tasks:\n${body}`;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * Task lag of each task instance: its start minus the moment it could start (its upstreams' last end, or the run's
 * start). `hops` holds only the lags of tasks with upstreams: the time from one task's end to the next's start.
 * `totalMs` is S2's figure: from the first run's creation until the last task instance ended.
 */
export async function taskLags(store: Metastore, dagRunIds: number[]): Promise<{ lags: number[]; hops: number[]; makespanMs: number; totalMs: number }> {
  const runs = await store.db.selectFrom('dag_run').select(['id', 'start_date', 'end_date', 'dag_id', 'queued_at']).where('id', 'in', dagRunIds).execute();
  const tis = await store.db.selectFrom('task_instance').select(['dag_run_id', 'task_id', 'start_date', 'end_date']).where('dag_run_id', 'in', dagRunIds).execute();
  const ser = await store.db.selectFrom('serialized_dag').select(['dag_id', 'data']).execute();
  const upstream = new Map(ser.map((s) => [s.dag_id, new Map(s.data.tasks.map((t) => [t.task_id, t.upstream_task_ids]))]));
  const byRun = new Map<number, Map<string, { start: number; end: number }>>();
  for (const t of tis) {
    if (!byRun.has(t.dag_run_id)) byRun.set(t.dag_run_id, new Map());
    byRun.get(t.dag_run_id)!.set(t.task_id, { start: t.start_date!.getTime(), end: t.end_date!.getTime() });
  }
  const lags: number[] = [];
  const hops: number[] = [];
  for (const r of runs) {
    const m = byRun.get(r.id)!;
    const ups = upstream.get(r.dag_id)!;
    for (const [taskId, t] of m) {
      const u = ups.get(taskId) ?? [];
      const ready = u.length === 0 ? r.start_date!.getTime() : Math.max(...u.map((x) => m.get(x)!.end));
      lags.push(t.start - ready);
      if (u.length > 0) hops.push(t.start - ready);
    }
  }
  const makespanMs = Math.max(...runs.map((r) => r.end_date!.getTime())) - Math.min(...runs.map((r) => r.start_date!.getTime()));
  // Airflow's measure (scripts/perf/scheduler_dag_execution_timing.py): from the first run's creation until every
  // task instance of every run has ended.
  const totalMs = Math.max(...tis.map((t) => t.end_date!.getTime())) - Math.min(...runs.map((r) => (r.queued_at ?? r.start_date)!.getTime()));
  return { lags, hops, makespanMs, totalMs };
}
