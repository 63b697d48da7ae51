/**
 * S1 and S2 again, distributed: `windsock scheduler` and `windsock worker` as separate processes on Postgres and
 * Redis (the harness in s4-cluster.ts). S1: a chain of `true` bash tasks, time from one task's end to the next
 * one's start (p50/p99), by default (follow-on) and through the scheduler (schedule_after_task_execution off). S2: Airflow's 1000-task shapes of no-op tasks, all runs at once, total task lag (as in
 * s2-task-lag.ts).
 * Usage: node bench/s1-s2-distributed.ts [--tasks 40] [--runs 3] [--scale 1] [--postgres URL] [--redis URL]
 */
import { parseArgs } from 'node:util';
import { percentile, taskLags, yamlDag } from './harness.ts';
import { s2Line, s2Result, shapes, type S2Result } from './s2-task-lag.ts';
import { startDistributedBench } from './s4-cluster.ts';

const ENV = { WINDSOCK__CORE__PARALLELISM: '256', WINDSOCK__WORKER__CONCURRENCY: '64', WINDSOCK__CORE__MAX_ACTIVE_RUNS_PER_DAG: '100' };

export async function s1Distributed(opts: { tasks: number; runs: number; postgres?: string; redis?: string; followOn?: boolean }): Promise<{ p50: number; p99: number; makespanMs: number }> {
  const tasks = Array.from({ length: opts.tasks }, (_, i) => ({ id: `t${i}`, upstream: i === 0 ? [] : [`t${i - 1}`] }));
  const env = { ...ENV, WINDSOCK__SCHEDULER__SCHEDULE_AFTER_TASK_EXECUTION: String(opts.followOn ?? true) };
  const bench = await startDistributedBench({ 'chain.yaml': yamlDag('chain', tasks, 'bash') }, { postgres: opts.postgres, redis: opts.redis, env });
  try {
    await bench.start({ schedulers: 1, workers: 1 });
    const gaps: number[] = [];
    let makespan = 0;
    for (let r = 0; r < opts.runs; r++) {
      const ids = await bench.trigger(['chain']);
      await bench.waitForRuns(ids, 300_000);
      const { hops, makespanMs } = await taskLags(bench.store, ids);
      gaps.push(...hops);
      makespan = Math.max(makespan, makespanMs);
    }
    gaps.sort((a, b) => a - b);
    return { p50: percentile(gaps, 50), p99: percentile(gaps, 99), makespanMs: makespan };
  } finally {
    await bench.stop();
  }
}

export async function s2Distributed(opts: { scale: number; postgres?: string; redis?: string }): Promise<S2Result[]> {
  const out: S2Result[] = [];
  for (const shape of shapes(opts.scale)) {
    const bench = await startDistributedBench(shape.files, { postgres: opts.postgres, redis: opts.redis, env: ENV });
    try {
      await bench.start({ schedulers: 1, workers: 1 });
      const ids = await bench.trigger(shape.dagIds);
      await bench.waitForRuns(ids, 600_000);
      out.push(s2Result(shape, await taskLags(bench.store, ids)));
    } finally {
      await bench.stop();
    }
  }
  return out;
}

if (import.meta.main) {
  const { values } = parseArgs({ options: {
    tasks: { type: 'string', default: '40' }, runs: { type: 'string', default: '3' }, scale: { type: 'string', default: '1' },
    postgres: { type: 'string' }, redis: { type: 'string' },
  } });
  console.log(`S1 distributed, ${values.tasks}-task chain (scheduler + worker processes, Postgres + Redis, bash true):`);
  for (const followOn of [true, false]) {
    const r1 = await s1Distributed({ tasks: Number(values.tasks), runs: Number(values.runs), postgres: values.postgres, redis: values.redis, followOn });
    console.log(`  ${followOn ? 'default (follow-on)     ' : 'through the scheduler   '} task-to-task latency p50 ${r1.p50} ms, p99 ${r1.p99} ms, makespan ${r1.makespanMs} ms   (target p50 <= 30 ms; Airflow 2.7: ~2500 ms)`);
  }
  console.log('S2 distributed, total task lag (no-op tasks, all runs at once):');
  for (const r of await s2Distributed({ scale: Number(values.scale), postgres: values.postgres, redis: values.redis })) console.log(`  ${s2Line(r)}`);
}
