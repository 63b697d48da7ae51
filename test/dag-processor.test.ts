/**
 * The DAG processor against the metastore: import errors are stored with file, line and traceback and go away
 * when the file is fixed (the DAG keeps its last good version meanwhile); a deleted file deactivates its DAGs;
 * the watcher picks up a new file by itself.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DagFolderProcessor, PythonDagLoader } from '@windsock/dag-parser';
import { migrateToLatest, openMetastore, type Metastore } from '@windsock/metastore';
import { LocalEventBus, waitForEvent } from '@windsock/queue';
import { DagProcessorService } from '@windsock/scheduler';
import { dagFolder } from './support/instance.ts';

const PY = (extra = '') => `from airflow import DAG
from airflow.operators.bash import BashOperator
with DAG("py_dag", schedule=None) as dag:
    BashOperator(task_id="a", bash_command="echo a")
${extra}`;
const YAML = 'yaml_dag:\n  schedule: null\n  default_args: {start_date: 2024-01-01}\n  tasks:\n    - task_id: t\n      operator: airflow.operators.empty.EmptyOperator\n';

let store: Metastore;
let loader: PythonDagLoader;
let folder: string;
let service: DagProcessorService;
const events = new LocalEventBus();

beforeAll(async () => {
  store = await openMetastore({ kind: 'pglite', dataDir: null });
  await migrateToLatest(store.db);
  folder = await dagFolder({ 'py_dag.py': PY(), 'yaml_dag.yaml': YAML });
  loader = new PythonDagLoader({ dagFolder: folder, poolSize: 1 });
  service = new DagProcessorService({ db: store.db, events, processor: new DagFolderProcessor({ folder, loaders: { '.py': loader }, debounceMs: 20 }), dagsFolder: folder, options: { pausedAtCreation: true } });
});
afterAll(async () => { service?.stop(); await loader?.close(); await store?.close(); });

const dagRow = (id: string) => store.db.selectFrom('dag').select(['is_active', 'has_import_errors', 'fileloc']).where('dag_id', '=', id).executeTakeFirst();

it('stores DAGs, then an import error with line and traceback, then clears it when the file is fixed', async () => {
  await service.syncOnce();
  expect(await dagRow('py_dag')).toEqual({ is_active: true, has_import_errors: false, fileloc: 'py_dag.py' });
  expect(await dagRow('yaml_dag')).toMatchObject({ is_active: true });

  await writeFile(join(folder, 'py_dag.py'), PY('    raise RuntimeError("config service is down")\n'));
  await service.syncOnce();
  const err = await store.db.selectFrom('import_error').selectAll().executeTakeFirstOrThrow();
  expect(err).toMatchObject({ filename: 'py_dag.py', line: 5 });
  expect(err.stacktrace).toContain('RuntimeError: config service is down');
  expect(await dagRow('py_dag')).toEqual({ is_active: true, has_import_errors: true, fileloc: 'py_dag.py' });
  const kept = await store.db.selectFrom('serialized_dag').select('data').where('dag_id', '=', 'py_dag').executeTakeFirstOrThrow();
  expect(kept.data.tasks.map((t) => t.task_id)).toEqual(['a']);

  await writeFile(join(folder, 'py_dag.py'), PY('    BashOperator(task_id="b", bash_command="echo b")\n'));
  await service.syncOnce();
  expect(await store.db.selectFrom('import_error').selectAll().execute()).toEqual([]);
  expect(await dagRow('py_dag')).toMatchObject({ has_import_errors: false });
  const fixed = await store.db.selectFrom('serialized_dag').select('data').where('dag_id', '=', 'py_dag').executeTakeFirstOrThrow();
  expect(fixed.data.tasks.map((t) => t.task_id).sort()).toEqual(['a', 'b']);
});

it('deactivates the DAGs of a deleted file, and the watcher finds a new file by itself', async () => {
  await rm(join(folder, 'yaml_dag.yaml'));
  await service.syncOnce();
  expect(await dagRow('yaml_dag')).toMatchObject({ is_active: false });

  service.start();
  const seen = waitForEvent(events, 'dags:changed', (e) => e.dagIds.includes('yaml_dag'), 20_000);
  await writeFile(join(folder, 'again.yaml'), YAML);
  await seen;
  expect(await dagRow('yaml_dag')).toEqual({ is_active: true, has_import_errors: false, fileloc: 'again.yaml' });
});
