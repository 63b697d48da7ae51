/**
 * Windsock's own metrics of the Kubernetes executor, on the simulator through the real @kubernetes/client-node:
 * a K8sOperator task requesting 500m CPU and 256Mi runs as a pod; the cost metric (requested CPU and memory ×
 * run time) carries its dag, task, the DAG's `repo:<name>` tag and the sandbox; the pod's launch (create →
 * running) is timed once; the API requests are counted by verb and response code.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { KubernetesExecutor } from '@windsock/executors';
import type { Metastore } from '@windsock/metastore';
import { openMetrics, type Metrics } from '@windsock/metrics';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { dagFolder, startInstance, type TestInstance } from './support/instance.ts';
import { startKubeSim, type KubeSim } from './kube-sim/index.ts';
import { kubeConfigFor } from './kube-sim/client-support.ts';
import { parsePrometheus, pick, total, until } from './support/metrics.ts';

const DAGS = {
  'costly.yaml': `costly:
  schedule: null
  tags: [team, 'repo:analytics']
  default_args: {start_date: 2024-01-01}
  tasks:
    - task_id: crunch
      operator: windsock.operators.K8sOperator
      cmd: crunch numbers
      image_tag: sample_repo.costly.crunch
      resources: {cpu: 500m, memory: 256Mi}
      annotations: {sim.windsock.dev/run-ms: '400', sim.windsock.dev/start-delay-ms: '150'}
`,
};

let sim: KubeSim;
let tdb: TestDatabase;
let store: Metastore;
let inst: TestInstance;
let metrics: Metrics;
let executor: KubernetesExecutor;

beforeAll(async () => {
  sim = await startKubeSim();
  tdb = await freshDatabase();
  store = await tdb.open();
  metrics = await openMetrics({ prometheus: true, statsd: null }, { defaultTags: { sandbox: 'alice-dev' } });
  executor = new KubernetesExecutor(kubeConfigFor(sim), { registryPrefix: 'registry.example.com/platform/', qps: 200, burst: 200 }, { metrics });
  inst = await startInstance({ store, dagsFolder: await dagFolder(DAGS), executor: () => executor, metrics });
}, 120_000);
afterAll(async () => {
  await inst?.stop();
  await executor?.close();
  await metrics?.close();
  await store?.close();
  await tdb?.drop();
  await sim?.close();
});

it('reports requested CPU and memory × run time, pod launch latency and API requests', async () => {
  const started = Date.now();
  const r = await inst.runDag('costly');
  const wall = (Date.now() - started) / 1000;
  expect(r.state).toBe('success');
  const s = await until('the cost metric', async () => {
    const got = parsePrometheus((await metrics.scrape())!.body);
    return pick(got, 'airflow_windsock_task_requested_cpu_seconds').length > 0 ? got : undefined;
  });
  const labels = { dag_id: 'costly', task_id: 'crunch', repo: 'analytics', sandbox: 'alice-dev' };
  const cpuSeconds = total(s, 'airflow_windsock_task_requested_cpu_seconds', labels);
  // The pod ran 400 ms after a 150 ms start: 0.5 CPU for at least that long, at most the whole run.
  expect(cpuSeconds).toBeGreaterThanOrEqual(0.5 * 0.5);
  expect(cpuSeconds).toBeLessThanOrEqual(0.5 * wall);
  const byteSeconds = total(s, 'airflow_windsock_task_requested_memory_byte_seconds', labels);
  expect(byteSeconds / cpuSeconds).toBeCloseTo((256 * 2 ** 20) / 0.5, -3);

  expect(total(s, 'airflow_windsock_pod_launch_latency_count')).toBe(1);
  const launch = total(s, 'airflow_windsock_pod_launch_latency_sum');
  expect(launch).toBeGreaterThanOrEqual(0.1);
  expect(launch).toBeLessThan(wall);

  expect(total(s, 'airflow_windsock_kubernetes_api_requests', { verb: 'POST', code: '201' })).toBe(1); // the pod's create
  expect(total(s, 'airflow_windsock_kubernetes_api_requests', { verb: 'GET', code: '200' })).toBeGreaterThanOrEqual(1); // the watch's list
  expect(total(s, 'airflow_windsock_kubernetes_api_requests', { verb: 'DELETE' })).toBe(1); // delete_on_success

  expect(pick(s, 'airflow_ti_finish', { dag_id: 'costly', task_id: 'crunch', state: 'success' })[0]?.value).toBe(1);
}, 60_000);
