/**
 * S1: a 40-task linear chain of no-op bash tasks (`true`), standalone (local executor, PGlite). Prints the
 * makespan and the time from one task's end to the next one's start (p50/p99), beside Airflow 2.7's ~2.5 s: as
 * configured by default, where the worker starts each next task itself (follow-on, [scheduler]
 * schedule_after_task_execution), and with that off, where every task goes through a scheduling pass and the queue.
 * With --templated each task's command is a template (`true {{ ds }} ...`, rendered by the worker's Jinja2 process):
 * one untimed run first boots the interpreter (its makespan is printed as the cold start), then the runs are timed.
 * Usage: node bench/s1-chain.ts [--tasks N] [--runs N] [--postgres URL] [--templated]
 */
import { parseArgs } from 'node:util';
import { percentile, startBench, taskLags, yamlDag } from './harness.ts';

export const TEMPLATED_COMMAND = "true {{ ds }} {{ logical_date | ts_nodash }} {{ macros.ds_add(ds, 1) }} {{ params }} {{ ti.try_number }}";

export async function s1(opts: { tasks: number; runs: number; databaseUrl?: string; followOn?: boolean; templated?: boolean }): Promise<{ p50: number; p99: number; makespanMs: number; coldMakespanMs: number | null }> {
  const tasks = Array.from({ length: opts.tasks }, (_, i) => ({ id: `t${i}`, upstream: i === 0 ? [] : [`t${i - 1}`] }));
  const bench = await startBench({ 'chain.yaml': yamlDag('chain', tasks, 'bash', opts.templated ? TEMPLATED_COMMAND : 'true') }, { concurrency: 4, parallelism: 32, databaseUrl: opts.databaseUrl, followOn: opts.followOn });
  try {
    const gaps: number[] = [];
    let makespan = 0;
    let coldMakespanMs: number | null = null;
    if (opts.templated) coldMakespanMs = (await taskLags(bench.store, await bench.trigger(['chain']))).makespanMs;
    for (let r = 0; r < opts.runs; r++) {
      const ids = await bench.trigger(['chain']);
      const { hops, makespanMs } = await taskLags(bench.store, ids);
      gaps.push(...hops);
      makespan = Math.max(makespan, makespanMs);
    }
    gaps.sort((a, b) => a - b);
    return { p50: percentile(gaps, 50), p99: percentile(gaps, 99), makespanMs: makespan, coldMakespanMs };
  } finally {
    await bench.stop();
  }
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { tasks: { type: 'string', default: '40' }, runs: { type: 'string', default: '3' }, postgres: { type: 'string' }, templated: { type: 'boolean', default: false } } });
  console.log(`S1 ${values.tasks}-task chain (${values.postgres ? 'Postgres' : 'PGlite'}, local executor, bash ${values.templated ? `'${TEMPLATED_COMMAND}'` : 'true'}):`);
  for (const followOn of [true, false]) {
    const r = await s1({ tasks: Number(values.tasks), runs: Number(values.runs), databaseUrl: values.postgres, followOn, templated: values.templated });
    console.log(`  ${followOn ? 'default (follow-on)     ' : 'through the scheduler   '} task-to-task latency p50 ${r.p50} ms, p99 ${r.p99} ms, makespan ${r.makespanMs} ms   (target p50 <= 25 ms; Airflow 2.7: ~2500 ms)${r.coldMakespanMs !== null ? `; first run, booting the template interpreter: makespan ${r.coldMakespanMs} ms` : ''}`);
  }
}
