/**
 * The seed operators, complete: SparK8sOperator takes per task the driver/executor sizing, main_class, arguments,
 * deps (jars, files, py_files), spark_version, spark_conf and dynamic_allocation bounds, through a real Python DAG
 * file (the airflow shim in Pyodide) and YAML, into a SparkApplication valid against the CRD's schema; an unknown
 * keyword argument of K8sOperator or SparK8sOperator is an import error naming it; wrong shapes fail the task with
 * the argument's name. And the built-in jobs DAG: a valid serialized DAG whose task, resolved against a job's conf as
 * the worker resolves it, builds the same kind of application.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { jobDag, parseSerializedDag, type SerializedDag } from '@windsock/dag-model';
import { buildSparkApp, compileKubernetesOptions } from '@windsock/executors';
import { loadYamlFile } from '../libs/dag-parser/src/yaml/load.ts';
import { PythonDagLoader } from '../libs/dag-parser/src/python/index.ts';
import { resolveXComArgs } from '../apps/worker/src/context.ts';
import { DEFAULT_CRD_PATH } from './kube-sim/index.ts';
import { launchFor } from './executor-conformance.ts';
import { dagFolder } from './support/instance.ts';

const FILES: Record<string, string> = {
  'spark_full.py': `
from airflow import DAG
from windsock.operators import SparK8sOperator
from datetime import datetime

with DAG('spark_full', start_date=datetime(2024, 1, 1), schedule=None) as dag:
    SparK8sOperator(task_id='aggregate', code_path='/jobs/aggregate.jar', image_tag='repo.dag.spark',
                    main_class='org.example.Aggregate', arguments=['--day', '{{ ds }}'],
                    deps={'jars': ['local:///opt/extra.jar'], 'files': ['local:///etc/app.conf'], 'py_files': []},
                    spark_version='3.4.2', spark_conf={'spark.sql.shuffle.partitions': '64'},
                    driver={'cores': 2, 'memory': '4g', 'memory_overhead': '1g'},
                    executor={'cores': 4, 'memory': '8g', 'core_limit': '4500m'},
                    dynamic_allocation={'min_executors': 2, 'max_executors': 20, 'initial_executors': 4})
`,
  'spark_typo.py': `
from airflow import DAG
from windsock.operators import SparK8sOperator
from datetime import datetime

with DAG('spark_typo', start_date=datetime(2024, 1, 1), schedule=None) as dag:
    SparK8sOperator(task_id='aggregate', code_path='/jobs/a.py', image_tag='repo.dag.spark', executor_memroy='4g')
`,
  'k8s_typo.py': `
from airflow import DAG
from windsock.operators import K8sOperator
from datetime import datetime

with DAG('k8s_typo', start_date=datetime(2024, 1, 1), schedule=None) as dag:
    K8sOperator(name='train', cmd='python train.py', image_tag='repo.dag.train', node_grup='gpu')
`,
};

let loader: PythonDagLoader;
let validate: ValidateFunction;
const options = compileKubernetesOptions({ registryPrefix: 'registry.example.com/platform/', namespace: 'spark-jobs' });

beforeAll(async () => {
  loader = new PythonDagLoader({ dagFolder: await dagFolder(FILES), poolSize: 1, timeoutSeconds: 10 });
  await loader.warmUp();
  const crd = parse(readFileSync(DEFAULT_CRD_PATH, 'utf8')) as { spec: { versions: Array<{ name: string; schema: { openAPIV3Schema: object } }> } };
  const ajv = new Ajv({ strict: false, allErrors: true });
  (addFormats as unknown as (a: Ajv) => void)(ajv);
  ajv.addFormat('int32', true);
  ajv.addFormat('int64', true);
  validate = ajv.compile(crd.spec.versions.find((v) => v.name === 'v1beta2')!.schema.openAPIV3Schema);
}, 120_000);
afterAll(async () => { await loader?.close(); });

async function load(rel: string) {
  return loader.load(rel, FILES[rel]!);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function app(args: Record<string, unknown>): Record<string, any> {
  const plan = buildSparkApp(launchFor({ kind: 'spark', operator: 'SparK8sOperator', args }, { dagId: 'd', taskId: 't' }), options, 'launch-1');
  const ok = validate(plan.app);
  expect(validate.errors ?? []).toEqual([]);
  expect(ok).toBe(true);
  return plan.app;
}

describe('SparK8sOperator, complete', { timeout: 60_000 }, () => {
  it('a Python DAG file gives it sizing, main_class, arguments, deps, spark_version, spark_conf and dynamic allocation bounds', async () => {
    const r = await load('spark_full.py');
    if (!r.ok) throw new Error(r.error.message);
    const task = r.dags[0]!.tasks[0]!;
    expect(task.template_fields).toEqual(['code_path', 'arguments']);
    const a = app({ ...task.args, arguments: ['--day', '2024-01-01'] });
    expect(a.spec).toMatchObject({
      type: 'Scala', mainClass: 'org.example.Aggregate', mainApplicationFile: 'local:///jobs/aggregate.jar', sparkVersion: '3.4.2',
      image: 'registry.example.com/platform/repo.dag.spark', arguments: ['--day', '2024-01-01'],
      deps: { jars: ['local:///opt/extra.jar'], files: ['local:///etc/app.conf'], pyFiles: [] },
      sparkConf: { 'spark.sql.shuffle.partitions': '64' },
      dynamicAllocation: { enabled: true, minExecutors: 2, maxExecutors: 20, initialExecutors: 4 },
      driver: { cores: 2, memory: '4g', memoryOverhead: '1g' },
      executor: { cores: 4, memory: '8g', coreLimit: '4500m', instances: 1 },
    });
    expect(a.spec.driver).not.toHaveProperty('instances');
  });

  it('dynamic_allocation=True keeps 1 to 10 executors; bounds fill in from each other; spark_version defaults to the configured one', () => {
    const base = { code_path: '/a.py', image_tag: 'r.d.s' };
    expect(app({ ...base, dynamic_allocation: true }).spec.dynamicAllocation).toEqual({ enabled: true, minExecutors: 1, maxExecutors: 10, initialExecutors: 1 });
    expect(app({ ...base, dynamic_allocation: { max_executors: 3 } }).spec.dynamicAllocation).toEqual({ enabled: true, minExecutors: 1, maxExecutors: 3, initialExecutors: 1 });
    expect(app({ ...base, dynamic_allocation: { min_executors: 12 } }).spec.dynamicAllocation).toEqual({ enabled: true, minExecutors: 12, maxExecutors: 12, initialExecutors: 12 });
    expect(app({ ...base, dynamic_allocation: false }).spec).not.toHaveProperty('dynamicAllocation');
    expect(app(base).spec.sparkVersion).toBe(options.sparkVersion);
    expect(app({ ...base, executor: { instances: 6 } }).spec.executor.instances).toBe(6);
  });

  it('wrong shapes fail the task naming the argument', () => {
    const base = { code_path: '/a.py', image_tag: 'r.d.s' };
    const err = (args: Record<string, unknown>) => { try { app({ ...base, ...args }); return ''; } catch (e) { return (e as Error).message; } };
    expect(err({ dynamic_allocation: { min_executors: 5, max_executors: 2 } })).toBe('task t: dynamic_allocation min_executors (5) is above max_executors (2)');
    expect(err({ dynamic_allocation: { min_executors: 1, max_executors: 4, initial_executors: 9 } })).toBe('task t: dynamic_allocation initial_executors (9) must lie between min_executors (1) and max_executors (4)');
    expect(err({ dynamic_allocation: { max: 4 } })).toBe('task t: dynamic_allocation has unknown key max (min_executors, max_executors, initial_executors)');
    expect(err({ deps: { eggs: ['x'] } })).toBe('task t: deps has unknown key eggs (jars, files, py_files, packages, archives)');
    expect(err({ deps: { jars: 'a.jar' } })).toBe('');
    expect(err({ driver: { instances: 2 } })).toBe('task t: driver has unknown key instances (cores, memory, core_limit, memory_overhead)');
    expect(err({ executor: { cores: 0 } })).toBe('task t: executor cores must be a whole number of cores ≥ 1, got 0');
    expect(err({ main_class: 'org.Main' })).toBe('task t: main_class is for a JVM application (a .jar), not /a.py');
  });
});

describe('the seed operators refuse unknown keyword arguments', { timeout: 60_000 }, () => {
  it('K8sOperator and SparK8sOperator in a Python DAG file: an import error naming the argument', async () => {
    const k = await load('k8s_typo.py');
    expect(k.ok).toBe(false);
    if (!k.ok) expect(k.error.message).toContain("K8sOperator does not take 'node_grup'");
    const s = await load('spark_typo.py');
    expect(s.ok).toBe(false);
    if (!s.ok) expect(s.error.message).toContain("SparK8sOperator does not take 'executor_memroy'");
  });

  it('the same in YAML, while their own arguments and BaseOperator\'s are accepted', () => {
    const yaml = (extra: string, op = 'windsock.operators.K8sOperator', args = 'cmd: run\n      image_tag: r.d.t') => loadYamlFile('d.yaml', `d:
  schedule: null
  default_args: {start_date: 2024-01-01}
  tasks:
    - task_id: t
      operator: ${op}
      ${args}
      ${extra}
`);
    const bad = yaml('imag_tag: x');
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.message).toContain("K8sOperator does not take 'imag_tag'");
    expect(yaml('retries: 2').ok).toBe(true);
    expect(yaml('startup_timeout_seconds: 30').ok).toBe(true);
    const spark = yaml('driver_cores: 2', 'windsock.operators.SparK8sOperator', 'code_path: /a.py\n      image_tag: r.d.s');
    expect(spark.ok).toBe(false);
    if (!spark.ok) expect(spark.error.message).toContain("SparK8sOperator does not take 'driver_cores'");
    const noCode = yaml('', 'windsock.operators.SparK8sOperator', 'image_tag: r.d.s');
    expect(noCode.ok).toBe(false);
    if (!noCode.ok) expect(noCode.error.message).toContain('SparK8sOperator needs code_path');
    // The provider's operators still keep arguments newer releases added.
    expect(yaml('some_new_arg: 1', 'airflow.providers.cncf.kubernetes.operators.pod.KubernetesPodOperator', 'image: busybox').ok).toBe(true);
  });
});

describe('the built-in jobs DAGs', () => {
  it('are valid serialized DAGs whose task takes its arguments from the run\'s conf (as the worker resolves them)', () => {
    for (const kind of ['container', 'spark'] as const) expect(parseSerializedDag(JSON.parse(JSON.stringify(jobDag(kind))))).toEqual(jobDag(kind));
    const dag: SerializedDag = jobDag('spark');
    const conf = { owner: 'alice', windsock_job: { image_tag: 'team.demo.spark', code_path: '/app/count.py', spark_conf: { 'spark.x': '1' }, dynamic_allocation: { max_executors: 4 } } };
    const rendered = resolveXComArgs(dag.tasks[0]!.args, {}, dag.dag_id, conf) as Record<string, unknown>;
    expect(rendered).toEqual(conf.windsock_job);
    expect(app(rendered).spec).toMatchObject({ mainApplicationFile: 'local:///app/count.py', sparkConf: { 'spark.x': '1' }, dynamicAllocation: { maxExecutors: 4 } });
    // A conf without the job's arguments leaves the task with none (the executor then names what is missing).
    expect(resolveXComArgs(dag.tasks[0]!.args, {}, dag.dag_id, {})).toEqual({});
  });
});
