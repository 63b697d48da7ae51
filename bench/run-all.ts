/** Runs every benchmark; `--tiny` at a size that only proves they still work (what CI runs). */
import { parseArgs } from 'node:util';
import { s1 } from './s1-chain.ts';
import { s2, s2Line } from './s2-task-lag.ts';
import { formatS3, s3 } from './s3-kubernetes.ts';
import { printS5, s5 } from './s5-parse.ts';
import { printWebBench, webserverBench } from './webserver-api.ts';
import { printUiGrid, uiGrid } from './ui-grid.ts';
import { printUiDagList, uiDagList } from './ui-dag-list.ts';
import { formatS4, s4 } from './s4-throughput.ts';
import { s1Distributed, s2Distributed } from './s1-s2-distributed.ts';
import { devLoop, printDevLoop } from './dev-loop.ts';
import { printSandboxes, sandboxesBench } from './sandboxes.ts';
import { dagSourcesBench, printDagSources } from './dag-sources.ts';
import { formatMetricsCost, metricsCost } from './metrics-cost.ts';

const { values } = parseArgs({ options: { tiny: { type: 'boolean', default: false } } });
const tiny = values.tiny;
const r1 = await s1({ tasks: tiny ? 5 : 40, runs: tiny ? 1 : 3 });
console.log(`S1 chain: task-to-task p50 ${r1.p50} ms, p99 ${r1.p99} ms, makespan ${r1.makespanMs} ms (target p50 <= 25 ms; Airflow 2.7 ~2500 ms)`);
const r1s = await s1({ tasks: tiny ? 5 : 40, runs: tiny ? 1 : 3, followOn: false });
console.log(`S1 chain through the scheduler (follow-on off): task-to-task p50 ${r1s.p50} ms, p99 ${r1s.p99} ms, makespan ${r1s.makespanMs} ms`);
for (const r of await s2({ scale: tiny ? 10 : 1 })) console.log(`S2 ${s2Line(r)}`);
for (const r of await s2({ scale: tiny ? 10 : 1, onDisk: true })) console.log(`S2 (PGlite on disk) ${s2Line(r)}`);
printS5(await s5({ files: tiny ? 20 : 1000 }));
const web = await webserverBench({ dags: tiny ? 50 : 1000, seconds: tiny ? 2 : 10, connections: tiny ? 2 : 10 });
printWebBench(web);
const ui = await uiGrid(tiny ? { tasks: 50, runs: 5, iterations: 3 } : { tasks: 1000, runs: 25, iterations: 20 });
printUiGrid(ui, 'PGlite');
printUiDagList(await uiDagList(tiny ? { dags: 50, iterations: 3 } : { dags: 1000, iterations: 20 }), 'PGlite');
const d1 = await s1Distributed({ tasks: tiny ? 5 : 40, runs: tiny ? 1 : 3 });
console.log(`S1 distributed: task-to-task p50 ${d1.p50} ms, p99 ${d1.p99} ms (target p50 <= 30 ms; Airflow 2.7 ~2500 ms)`);
const d1s = await s1Distributed({ tasks: tiny ? 5 : 40, runs: tiny ? 1 : 3, followOn: false });
console.log(`S1 distributed through the scheduler (follow-on off): task-to-task p50 ${d1s.p50} ms, p99 ${d1s.p99} ms`);
for (const r of await s2Distributed({ scale: tiny ? 10 : 1 })) console.log(`S2 distributed ${s2Line(r)}`);
const r4 = await s4(tiny ? { tasks: 200, perRun: 50, concurrency: 16 } : { tasks: 10_000, perRun: 100, concurrency: 128 });
console.log(formatS4(r4));
const mc = await metricsCost(tiny ? { tasks: 200, perRun: 50, concurrency: 16, rounds: 1 } : { tasks: 5000, perRun: 100, concurrency: 128, rounds: 2 });
console.log(formatMetricsCost(mc));
if (!(mc.statsdPackets > 0) || !mc.on.tisPerS.every((x) => x > 0)) { console.error('metrics cost: no StatsD packets or no throughput with metrics on'); process.exit(1); }
if (!Number.isFinite(d1.p50) || !(r4.tisPerS > 0)) { console.error('distributed benchmarks produced no measurements'); process.exit(1); }
if (web.errors > 0) { console.error('webserver bench: requests failed'); process.exit(1); }
for (const latency of [20, 150]) {
  const r3 = await s3({ tasks: tiny ? 40 : 1000, createLatencyMs: latency });
  console.log(formatS3(r3));
  if (r3.failed > 0 || !(r3.podsPerS > 0)) { console.error('S3: pods failed or none were created'); process.exit(1); }
}
if (!Number.isFinite(r1.p50) || !Number.isFinite(r1s.p50) || !Number.isFinite(d1s.p50)) { console.error('S1 produced no measurements'); process.exit(1); }
{
  const idleSeconds = tiny ? 3 : 30;
  printDevLoop(await devLoop({ tiny, idleSeconds, cli: new URL('../apps/cli/bin/windsock.js', import.meta.url).pathname }), idleSeconds);
}
printSandboxes(await sandboxesBench({ sandboxes: tiny ? 1 : 20, idleSeconds: tiny ? 2 : 20 }));
printDagSources(await dagSourcesBench(tiny ? { commits: 1, intervalSec: 0.5, files: 5 } : { commits: 10, intervalSec: 2, files: 200 }));
