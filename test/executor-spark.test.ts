/**
 * The Spark executor (KubernetesExecutor, Spark tasks as SparkApplications) against the executor conformance
 * suite, over HTTP against the Kubernetes simulator, whose fake Spark operator runs a driver pod with the
 * behaviour annotated on the app. The task is the platform's SparK8sOperator.
 */
import { afterAll, beforeAll } from 'vitest';
import { KubernetesExecutor } from '@windsock/executors';
import { startKubeSim, type KubeSim } from './kube-sim/index.ts';
import { kubeConfigFor } from './kube-sim/client-support.ts';
import { executorConformance } from './executor-conformance.ts';
import { behaviour, deletedIn } from './k8s-support.ts';

let sim: KubeSim;
beforeAll(async () => { sim = await startKubeSim({ spark: { submitDelayMs: 10, stepDelayMs: 10 } }); });
afterAll(async () => { await sim?.close(); });

executorConformance({
  name: 'kubernetes (SparkApplications)',
  executor: () => new KubernetesExecutor(kubeConfigFor(sim), { qps: 200, burst: 200 }),
  task: (b) => ({
    kind: 'spark', operator: 'SparK8sOperator',
    args: { code_path: '/jobs/main_spark.py', image_tag: 'sample_repo.dag2.spark_build_folder', env_vars: { environment: 'test' }, annotations: behaviour(b) },
  }),
  stopped: (id) => deletedIn(sim, id).then(() => {}),
});
