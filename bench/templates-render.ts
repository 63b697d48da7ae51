/**
 * The worker's template rendering, alone: the cold start of the template process (Pyodide + Jinja2, booted in a
 * child under the permission model), then the cost of rendering one try's fields — a typical BashOperator try
 * with a few templated fields, a new template source every time (compiled), the same source again (cached
 * compilation), one that reads a variable (two requests: the render asks for it by name), and fields without
 * template syntax (no interpreter). Compare with S1's target: task-to-task ≤ 25 ms.
 * Usage: node bench/templates-render.ts [--renders N]
 */
import { parseArgs } from 'node:util';
import { TemplateRenderer, type TemplateTry } from '@windsock/worker';
import { percentile } from './harness.ts';

const tryCtx: TemplateTry = {
  context: { ds: '2024-03-05', ts: '2024-03-05T00:00:00+00:00', logical_date: '2024-03-05T00:00:00+00:00', run_id: 'scheduled__2024-03-05', params: { rows: 10 }, dag_run: { conf: {} } },
  ti: { dag_id: 'd', task_id: 't', run_id: 'scheduled__2024-03-05', try_number: 1, map_index: -1 }, native: false,
};
const args = (i: number) => ({
  bash_command: `python job.py --date {{ ds }} --ts {{ logical_date | ts_nodash }} --rows {{ params.rows }} --next {{ macros.ds_add(ds, 1) }} --n ${i}`,
  env: { RUN: '{{ run_id }}', TRY: '{{ ti.try_number }}', PLAIN: 'x' },
});

async function time(n: number, fn: (i: number) => Promise<unknown>): Promise<{ p50: number; p99: number }> {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn(i);
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  return { p50: percentile(ms, 50), p99: percentile(ms, 99) };
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { renders: { type: 'string', default: '200' } } });
  const n = Number(values.renders);
  const r = new TemplateRenderer({ idleReleaseMs: 0 });
  const fetch = async () => ({ variables: { bucket: 's3://data' } });
  const t0 = performance.now();
  await r.renderArgs(args(-1), ['bash_command', 'env'], tryCtx, fetch);
  const cold = performance.now() - t0;
  const fresh = await time(n, (i) => r.renderArgs(args(i), ['bash_command', 'env'], tryCtx, fetch));
  const cached = await time(n, () => r.renderArgs(args(0), ['bash_command', 'env'], tryCtx, fetch));
  const withVar = await time(n, (i) => r.renderArgs({ bash_command: `aws s3 ls {{ var.value.bucket }}/${i}` }, ['bash_command'], tryCtx, fetch));
  const plain = await time(n, () => r.renderArgs({ bash_command: 'true', env: { A: 'b' } }, ['bash_command', 'env'], tryCtx, fetch));
  r.close();
  const f = (x: { p50: number; p99: number }) => `p50 ${x.p50.toFixed(2)} ms, p99 ${x.p99.toFixed(2)} ms`;
  console.log(`Template rendering (${n} tries each; S1 target: task-to-task <= 25 ms):`);
  console.log(`  cold start (boot the template process, first render)  ${cold.toFixed(0)} ms (boot ${r.stats.lastBootMs.toFixed(0)} ms)`);
  console.log(`  one try, 2 fields, new sources (compiled)               ${f(fresh)}`);
  console.log(`  one try, 2 fields, same sources (cached compilation)    ${f(cached)}`);
  console.log(`  one try reading a variable (two requests)               ${f(withVar)}`);
  console.log(`  fields without template syntax (no interpreter)         ${f(plain)}`);
}
