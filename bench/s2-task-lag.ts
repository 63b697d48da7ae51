/**
 * S2: Airflow's 1000-task shapes — 100 DAGs x 10 linear, 10 DAGs x 100 linear, 10 files x 10 DAGs x 10-task binary
 * trees — all runs triggered at once; prints the total task lag (sum over task instances of start minus the
 * moment it could start) beside Airflow 2.0's 11.6-14.3 s. Tasks are no-ops (EmptyOperator through the worker).
 * Usage: node bench/s2-task-lag.ts [--scale 1] [--postgres URL]
 */
import { parseArgs } from 'node:util';
import { startBench, taskLags, yamlDag } from './harness.ts';

type Shape = { name: string; files: Record<string, string>; dagIds: string[] };

export function shapes(scale: number): Shape[] {
  const linear = (dags: number, len: number, prefix: string): Shape => {
    const files: Record<string, string> = {};
    const dagIds: string[] = [];
    for (let d = 0; d < dags; d++) {
      const id = `${prefix}_${d}`;
      dagIds.push(id);
      files[`${id}.yaml`] = yamlDag(id, Array.from({ length: len }, (_, i) => ({ id: `t${i}`, upstream: i ? [`t${i - 1}`] : [] })), 'empty');
    }
    return { name: `${dags} DAGs x ${len} linear`, files, dagIds };
  };
  const tree = (nfiles: number, perFile: number): Shape => {
    const files: Record<string, string> = {};
    const dagIds: string[] = [];
    for (let f = 0; f < nfiles; f++) {
      const docs: string[] = [];
      for (let d = 0; d < perFile; d++) {
        const id = `tree_${f}_${d}`;
        dagIds.push(id);
        docs.push(yamlDag(id, Array.from({ length: 10 }, (_, i) => ({ id: `n${i}`, upstream: i ? [`n${Math.floor((i - 1) / 2)}`] : [] })), 'empty'));
      }
      files[`trees_${f}.yaml`] = docs.join('\n');
    }
    return { name: `${nfiles} files x ${perFile} DAGs x 10-task binary trees`, files, dagIds };
  };
  return [linear(Math.max(1, 100 / scale), 10, 'lin10'), linear(Math.max(1, 10 / scale), Math.max(2, 100 / scale), 'lin100'), tree(Math.max(1, 10 / scale), Math.max(1, 10 / scale))];
}

export async function s2(opts: { scale: number; databaseUrl?: string }): Promise<{ shape: string; tasks: number; totalLagS: number; makespanMs: number }[]> {
  const out = [];
  for (const shape of shapes(opts.scale)) {
    const bench = await startBench(shape.files, { concurrency: 64, parallelism: 256, databaseUrl: opts.databaseUrl });
    try {
      const ids = await bench.trigger(shape.dagIds);
      const { lags, makespanMs } = await taskLags(bench.store, ids);
      out.push({ shape: shape.name, tasks: lags.length, totalLagS: lags.reduce((a, b) => a + b, 0) / 1000, makespanMs });
    } finally {
      await bench.stop();
    }
  }
  return out;
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { scale: { type: 'string', default: '1' }, postgres: { type: 'string' } } });
  console.log(`S2 total task lag (${values.postgres ? 'Postgres' : 'PGlite'}, local executor, no-op tasks):`);
  for (const r of await s2({ scale: Number(values.scale), databaseUrl: values.postgres })) {
    console.log(`  ${r.shape}: ${r.tasks} tasks, total lag ${r.totalLagS.toFixed(2)} s, makespan ${r.makespanMs} ms   (target <= 1.16 s; Airflow 2.0: 11.6-14.3 s)`);
  }
}
