/** Runs every benchmark; `--tiny` at a size that only proves they still work (what CI runs). */
import { parseArgs } from 'node:util';
import { s1 } from './s1-chain.ts';
import { s2 } from './s2-task-lag.ts';

const { values } = parseArgs({ options: { tiny: { type: 'boolean', default: false } } });
const tiny = values.tiny;
const r1 = await s1({ tasks: tiny ? 5 : 40, runs: tiny ? 1 : 3 });
console.log(`S1 chain: task-to-task p50 ${r1.p50} ms, p99 ${r1.p99} ms, makespan ${r1.makespanMs} ms (target p50 <= 25 ms; Airflow 2.7 ~2500 ms)`);
for (const r of await s2({ scale: tiny ? 10 : 1 })) {
  console.log(`S2 ${r.shape}: ${r.tasks} tasks, total task lag ${r.totalLagS.toFixed(2)} s (target <= 1.16 s; Airflow 2.0 11.6-14.3 s)`);
}
if (!Number.isFinite(r1.p50)) { console.error('S1 produced no measurements'); process.exit(1); }
