/**
 * S5: parsing Python DAG files. 1,000 files of 10 tasks each: cold parse of the folder, per-file p50/p99 once the
 * parser pool is warm, and the time from saving one changed file to its new version being schedulable (in the
 * metastore); beside them, the same files run by native CPython with the same shim (the floor), and Airflow's
 * ~0.6 s per file. Usage: node bench/s5-parse.ts [--files 1000]
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AIRFLOW_SHIM_PATH, DagFolderProcessor, PythonDagLoader, type DagFileLoader } from '@windsock/dag-parser';
import { migrateToLatest, openMetastore } from '@windsock/metastore';
import { LocalEventBus, waitForEvent } from '@windsock/queue';
import { DagProcessorService } from '@windsock/scheduler';
import { percentile } from './harness.ts';

function dagFile(i: number, extra = 0): string {
  const tasks = Array.from({ length: 10 + extra }, (_, t) => `    t${t} = BashOperator(task_id="t${t}", bash_command="echo {{ ds }} ${i}.${t}")`).join('\n');
  return `from datetime import datetime, timedelta
from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("dag_${i}", schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False,
         default_args={"retries": 1, "retry_delay": timedelta(minutes=5)}, tags=["bench"]) as dag:
${tasks}
    t0 >> [t1, t2, t3] >> t4 >> [t5, t6] >> t7 >> t8 >> t9
`;
}

/** Native CPython running the same shim without the sandbox: the floor (ms per file, p50). */
function nativeFloor(folder: string, files: number): number | null {
  const script = `
import json, sys, time
sys.path.insert(0, ${JSON.stringify(AIRFLOW_SHIM_PATH)})
from windsock import _runner
_runner.bootstrap(json.dumps({"dag_folder": ${JSON.stringify(folder)}, "shim_root": ${JSON.stringify(AIRFLOW_SHIM_PATH)}, "sandbox": False, "operator_aliases": {}, "readable_roots": []}))
times = []
for i in range(${files}):
    text = open(f"${folder}/dag_{i}.py").read()
    t = time.perf_counter(); _runner.parse_file(f"dag_{i}.py", text); times.append((time.perf_counter() - t) * 1000)
times.sort()
print(json.dumps({"p50": times[len(times) // 2]}))
`;
  try {
    return (JSON.parse(execFileSync('python3', ['-c', script], { encoding: 'utf8' }).trim().split('\n').pop()!) as { p50: number }).p50;
  } catch (e) {
    process.stderr.write(`native floor unavailable: ${(e as Error).message.split('\n')[0]}\n`);
    return null;
  }
}

export async function s5(opts: { files: number }) {
  const folder = await mkdtemp(join(tmpdir(), 'windsock-s5-'));
  for (let i = 0; i < opts.files; i++) await writeFile(join(folder, `dag_${i}.py`), dagFile(i));
  const python = new PythonDagLoader({ dagFolder: folder });
  const perFile: number[] = [];
  const timed: DagFileLoader = { load: async (rel, text) => { const t = performance.now(); try { return await python.load(rel, text); } finally { perFile.push(performance.now() - t); } } };
  const store = await openMetastore({ kind: 'pglite', dataDir: null });
  await migrateToLatest(store.db);
  const events = new LocalEventBus();
  try {
    const processor = new DagFolderProcessor({ folder, loaders: { '.py': timed }, debounceMs: 20 });
    const service = new DagProcessorService({ db: store.db, events, processor, dagsFolder: folder, options: { pausedAtCreation: true } });
    const t0 = performance.now();
    const first = await service.syncOnce();
    const coldMs = performance.now() - t0;
    const errors = first.scan.changed.filter((r) => !r.ok).length;
    // Warm: every worker has parsed files now; time each file alone (its parse cost, not time spent queueing
    // behind the other files of a folder scan).
    perFile.length = 0;
    for (let i = 0; i < opts.files; i++) await timed.load(`dag_${i}.py`, dagFile(i));
    const sorted = [...perFile].sort((a, b) => a - b);
    // Change to schedulable: save a file with an 11th task, wait until the metastore has it.
    service.start();
    const changed = waitForEvent(events, 'dags:changed', (e) => e.dagIds.includes('dag_7'), 30_000);
    const t1 = performance.now();
    await writeFile(join(folder, 'dag_7.py'), dagFile(7, 1));
    await changed;
    const changeMs = performance.now() - t1;
    service.stop();
    const stored = await store.db.selectFrom('serialized_dag').select('data').where('dag_id', '=', 'dag_7').executeTakeFirstOrThrow();
    if (stored.data.tasks.length !== 11) throw new Error('the changed DAG was not stored');
    return { files: opts.files, errors, coldMs, p50: percentile(sorted, 50), p99: percentile(sorted, 99), changeMs, floorP50: nativeFloor(folder, opts.files), pool: availableParallelism() };
  } finally {
    await python.close();
    await store.close();
  }
}

export function printS5(r: Awaited<ReturnType<typeof s5>>): void {
  console.log(`S5 parsing ${r.files} Python DAG files of 10 tasks (Pyodide sandbox, ${r.pool} workers), ${r.errors} import errors:`);
  console.log(`  cold parse of the folder ${(r.coldMs / 1000).toFixed(2)} s (${(r.coldMs / r.files).toFixed(1)} ms per file, stored in the metastore)`);
  console.log(`  per file warm p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms   (target p50 <= 10 ms; Airflow ~600 ms)`);
  console.log(`  native CPython floor p50 ${r.floorP50 === null ? 'n/a' : `${r.floorP50.toFixed(2)} ms (${(r.p50 / r.floorP50).toFixed(1)}x; target within 5x)`}`);
  console.log(`  change to schedulable ${r.changeMs.toFixed(0)} ms   (target <= 2000 ms)`);
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { files: { type: 'string', default: '1000' } } });
  printS5(await s5({ files: Number(values.files) }));
}
