/** Python callables at run time: arguments, context, XComArgs, return values, and a missing interpreter. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AIRFLOW_SHIM_PATH } from '@windsock/dag-parser';
import { PythonDagLoader } from '@windsock/dag-parser';
import { LocalExecutor } from '@windsock/executors';
import { migrateToLatest, openMetastore, type Metastore } from '@windsock/metastore';
import { LocalEventBus, MemoryTaskQueue, waitForEvent } from '@windsock/queue';
import { DagProcessorService, Scheduler, createManualRun } from '@windsock/scheduler';
import { Worker } from '@windsock/worker';
import { DagFolderProcessor } from '@windsock/dag-parser';
import { dagFolder } from './support/instance.ts';

const DAG = `
from airflow import DAG
from airflow.operators.python import PythonOperator
from airflow.decorators import task
import pendulum

FACTOR = 3

def scale(x, factor=1, ds=None, ti=None):
    print("scaling", x, "on", ds, "in", ti.task_id)
    return x * factor * FACTOR

with DAG("py", schedule=None, start_date=pendulum.datetime(2024, 1, 1, tz="UTC")) as dag:
    a = PythonOperator(task_id="a", python_callable=scale, op_args=[2], op_kwargs={"factor": 5})

    @task
    def b(v, **context):
        return {"got": v, "run": context["run_id"], "pulled": context["ti"].xcom_pull(task_ids="a")}

    @task
    def boom():
        raise ValueError("bad input row 7")

    b(a.output) >> boom()
`;

let store: Metastore;
let loader: PythonDagLoader;
let folder: string;

async function runWith(pythonBin: string) {
  const events = new LocalEventBus();
  const queue = new MemoryTaskQueue();
  const processor = new DagProcessorService({ db: store.db, events, processor: new DagFolderProcessor({ folder, loaders: { '.py': loader } }), dagsFolder: folder, options: { pausedAtCreation: false } });
  await processor.syncOnce();
  const scheduler = new Scheduler({ db: store.db, queue, events, options: { tickMs: 100 } });
  const worker = new Worker({ db: store.db, queue, events, executor: new LocalExecutor({ pythonBin, pythonPath: [folder, AIRFLOW_SHIM_PATH] }) });
  worker.start();
  scheduler.start();
  try {
    const run = await createManualRun(store.db, { dagId: 'py', logicalDate: new Date(`2024-06-0${pythonBin === 'python3' ? 1 : 2}T00:00:00Z`) });
    const done = waitForEvent(events, 'dagrun:finished', (e) => e.dagRunId === run.id);
    events.emit('dagrun:created', { dagId: 'py', runId: run.run_id, dagRunId: run.id });
    await done;
    const tis = await store.db.selectFrom('task_instance').select(['id', 'task_id', 'state']).where('dag_run_id', '=', run.id).execute();
    const logs: Record<string, string> = {};
    for (const t of tis) logs[t.task_id] = (await store.db.selectFrom('task_log').select('chunk').where('task_instance_id', '=', t.id).orderBy('id').execute()).map((c) => c.chunk).join('');
    const xcoms = await store.db.selectFrom('xcom').select(['task_id', 'value']).where('dag_run_id', '=', run.id).execute();
    return { run, states: Object.fromEntries(tis.map((t) => [t.task_id, t.state])), logs, xcoms: Object.fromEntries(xcoms.map((x) => [x.task_id, x.value])) };
  } finally {
    await scheduler.stop();
    await worker.stop({ drain: false });
  }
}

beforeAll(async () => {
  store = await openMetastore({ kind: 'pglite', dataDir: null });
  await migrateToLatest(store.db);
  folder = await dagFolder({ 'py_dag.py': DAG });
  loader = new PythonDagLoader({ dagFolder: folder, poolSize: 1 });
});
afterAll(async () => { await loader?.close(); await store?.close(); });

it('runs callables with their arguments, Airflow context and upstream XComs; a raised exception fails the task with its traceback', async () => {
  const r = await runWith('python3');
  expect(r.states).toEqual({ a: 'success', b: 'success', boom: 'failed' });
  expect(r.xcoms.a).toBe(30);
  expect(r.xcoms.b).toEqual({ got: 30, run: r.run.run_id, pulled: 30 });
  expect(r.logs.a).toContain('scaling 2 on 2024-06-01 in a');
  expect(r.logs.boom).toContain('ValueError: bad input row 7');
});

it('a missing Python interpreter is a clear task failure, not a hang', async () => {
  const r = await runWith('python3-does-not-exist');
  expect(r.states.a).toBe('failed');
  expect(r.logs.a).toContain('python3-does-not-exist: it was not found on PATH (Python tasks need a Python interpreter on this machine)');
});
