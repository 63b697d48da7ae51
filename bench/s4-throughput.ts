/**
 * S4: 10,000 independent no-op task instances (EmptyOperator: the worker claims, runs nothing, records success)
 * on one `windsock scheduler` and one `windsock worker` process over Postgres and Redis. Prints task instances
 * completed per second at saturation (all runs triggered at once; rate between the 10th and 90th percentile of
 * end times), queued→running latency p50/p99 below saturation (10-task runs paced at a quarter of that rate), and
 * Postgres commits per task instance (pg_stat_database.xact_commit delta, read-only transactions included),
 * beside this machine's floors measured in the same run. Targets: >= 500 TI/s on 2 cores, <= 10 commits per TI.
 * Usage: node bench/s4-throughput.ts [--tasks 10000] [--per-run 100] [--concurrency 128] [--postgres URL] [--redis URL]
 */
import { parseArgs } from 'node:util';
import { percentile } from './harness.ts';
import { measureFloors, startDistributedBench } from './s4-cluster.ts';

export interface S4Result {
  tasks: number; tisPerS: number; queuedToRunningP50Ms: number; queuedToRunningP99Ms: number; pacedRatePerS: number;
  commitsPerTi: number;
  /** CPU milliseconds the scheduler and worker processes spent per task instance at saturation. */
  cpuMsPerTi: number;
  floors: { redisRttP50Us: number; pgCommitsPerS: number; pgCommitMs: number };
}

function noopDag(dagId: string, tasks: number, maxRuns: number): string {
  const body = Array.from({ length: tasks }, (_, i) => `    - task_id: n${i}\n      operator: airflow.operators.empty.EmptyOperator\n`).join('');
  return `${dagId}:\n  schedule: null\n  max_active_runs: ${maxRuns}\n  max_active_tasks: ${tasks}\n  default_args: {start_date: 2020-01-01}\n  tasks:\n${body}`;
}

/** `env`: extra WINDSOCK__ settings for both processes (bench/metrics-cost.ts turns metrics on and off with it). */
export async function s4(opts: { tasks: number; perRun: number; concurrency: number; postgres?: string; redis?: string; env?: Record<string, string> }): Promise<S4Result> {
  const floors = await measureFloors({ postgres: opts.postgres, redis: opts.redis });
  const runs = Math.max(1, Math.round(opts.tasks / opts.perRun));
  // Below saturation the load comes as small runs (10 tasks), so a run's own burst does not dominate the latency.
  const pacedTasks = Math.max(10, Math.round(opts.tasks / 5));
  const pacedRuns = Math.max(2, Math.round(pacedTasks / 10));
  const bench = await startDistributedBench({ 'noop.yaml': noopDag('noop', opts.perRun, runs), 'noop_small.yaml': noopDag('noop_small', 10, pacedRuns) }, { postgres: opts.postgres, redis: opts.redis, env: {
    WINDSOCK__CORE__PARALLELISM: String(Math.max(256, opts.concurrency * 8)), WINDSOCK__WORKER__CONCURRENCY: String(opts.concurrency),
    WINDSOCK__CORE__MAX_ACTIVE_RUNS_PER_DAG: String(Math.max(runs, pacedRuns)), WINDSOCK__DATABASE__POOL_SIZE: '10', ...opts.env,
  } });
  try {
    await bench.start({ schedulers: 1, workers: 1 });
    const startCommits = await bench.commits();
    const startCpu = await bench.cpuSeconds();
    // Saturation: every run at once.
    const ids = await bench.trigger(Array(runs).fill('noop'));
    await bench.waitForRuns(ids, 600_000);
    const saturatedCpu = await bench.cpuSeconds() - startCpu;
    const ends = (await bench.store.db.selectFrom('task_instance').select('end_date').where('dag_run_id', 'in', ids).execute())
      .map((t) => t.end_date!.getTime()).sort((a, b) => a - b);
    const t10 = percentile(ends, 10);
    const t90 = percentile(ends, 90);
    const tisPerS = Math.round((0.8 * ends.length) / Math.max(0.001, (t90 - t10) / 1000));

    // Below saturation: a 10-task run every `gapMs`, offering about a quarter of the saturated rate.
    const pacedRatePerS = Math.max(1, Math.round(tisPerS / 4));
    const gapMs = Math.round((10 / pacedRatePerS) * 1000);
    const paced: number[] = [];
    for (let i = 0; i < pacedRuns; i++) {
      const t = Date.now();
      paced.push(...await bench.trigger(['noop_small']));
      await new Promise((r) => setTimeout(r, Math.max(0, gapMs - (Date.now() - t)))); // the pacing is the load, not a wait for a result
    }
    await bench.waitForRuns(paced, 600_000);
    const lat = (await bench.store.db.selectFrom('task_instance').select(['queued_dttm', 'start_date']).where('dag_run_id', 'in', paced).execute())
      .map((t) => t.start_date!.getTime() - t.queued_dttm!.getTime()).sort((a, b) => a - b);
    const finalCommits = await bench.stop();
    const total = ends.length + lat.length;
    return {
      tasks: ends.length, tisPerS, queuedToRunningP50Ms: percentile(lat, 50), queuedToRunningP99Ms: percentile(lat, 99), pacedRatePerS,
      commitsPerTi: Number(((finalCommits - startCommits) / total).toFixed(2)), cpuMsPerTi: Number(((saturatedCpu * 1000) / ends.length).toFixed(3)), floors,
    };
  } catch (err) {
    await bench.stop().catch(() => 0);
    throw err;
  }
}

export function formatS4(r: S4Result): string {
  return [
    `S4 ${r.tasks} independent no-op task instances, 1 scheduler + 1 worker process, Postgres + Redis:`,
    `  completed at saturation: ${r.tisPerS} TI/s   (target >= 500 TI/s on 2 cores)`,
    `  queued->running below saturation (${r.pacedRatePerS} TI/s offered): p50 ${r.queuedToRunningP50Ms} ms, p99 ${r.queuedToRunningP99Ms} ms`,
    `  Postgres commits per task instance: ${r.commitsPerTi}   (target <= 10; xact_commit, read-only transactions included)`,
    `  CPU of the scheduler + worker processes per task instance at saturation: ${r.cpuMsPerTi} ms`,
    `  floors this run: Redis round trip p50 ${r.floors.redisRttP50Us} us; Postgres single-row update ${r.floors.pgCommitsPerS} commits/s (${r.floors.pgCommitMs} ms each)`,
  ].join('\n');
}

if (import.meta.main) {
  const { values } = parseArgs({ options: {
    tasks: { type: 'string', default: '10000' }, 'per-run': { type: 'string', default: '100' }, concurrency: { type: 'string', default: '128' },
    postgres: { type: 'string' }, redis: { type: 'string' },
  } });
  console.log(formatS4(await s4({ tasks: Number(values.tasks), perRun: Number(values['per-run']), concurrency: Number(values.concurrency), postgres: values.postgres, redis: values.redis })));
}
