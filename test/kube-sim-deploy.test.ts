/**
 * deploy/kubernetes and the example Spark DAG against the strict simulator: every object the simulator serves is
 * accepted under fieldValidation=Strict (as `kubectl apply` sends it), the Deployments' pods find their service
 * accounts, ConfigMaps and Secrets, and example_spark.py's SparkApplication (as the Spark executor builds it)
 * finds its service account, claim, ConfigMap and Secret in windsock-tasks and runs to COMPLETED.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSparkApp, compileKubernetesOptions } from '@windsock/executors';
import { launchFor } from './executor-conformance.ts';
import { kubeConfigFor } from './kube-sim/client-support.ts';
import { startKubeSim, type KubeSim, type SparkApplication } from './kube-sim/index.ts';

const DIR = resolve(import.meta.dirname, '../deploy/kubernetes');
/** Kinds the simulator does not serve (networking); kubectl's own schema check covers them in deploy-manifests. */
const UNSERVED = new Set(['Service', 'NetworkPolicy']);
const ORDER = ['Namespace', 'ServiceAccount', 'Secret', 'ConfigMap', 'PersistentVolumeClaim', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding', 'Deployment'];
const objects = readdirSync(DIR).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
  .flatMap((f) => parseAllDocuments(readFileSync(join(DIR, f), 'utf8')).map((d) => d.toJS() as k8s.KubernetesObject).filter(Boolean))
  .filter((o) => !UNSERVED.has(o.kind ?? ''))
  .sort((a, b) => ORDER.indexOf(a.kind ?? '') - ORDER.indexOf(b.kind ?? ''));

const PLURALS: Record<string, string> = {
  Namespace: 'namespaces', ServiceAccount: 'serviceaccounts', Secret: 'secrets', ConfigMap: 'configmaps', PersistentVolumeClaim: 'persistentvolumeclaims',
  ClusterRole: 'clusterroles', ClusterRoleBinding: 'clusterrolebindings', Role: 'roles', RoleBinding: 'rolebindings', Deployment: 'deployments',
};

function collectionPath(o: k8s.KubernetesObject): string {
  const base = o.apiVersion === 'v1' ? '/api/v1' : `/apis/${o.apiVersion ?? ''}`;
  const ns = o.metadata?.namespace;
  return `${base}${ns === undefined ? '' : `/namespaces/${ns}`}/${PLURALS[o.kind ?? ''] ?? ''}`;
}

let sim: KubeSim;
let kc: k8s.KubeConfig;

beforeAll(async () => {
  sim = await startKubeSim({ defaultBehaviour: { runMs: 30, startDelayMs: 5 }, spark: { submitDelayMs: 5, stepDelayMs: 5 } });
  kc = kubeConfigFor(sim);
});

afterAll(async () => {
  await sim.close();
});

describe('deploy/kubernetes on the strict simulator', () => {
  it('is accepted object by object under fieldValidation=Strict, and its Deployments run', async () => {
    expect(ORDER.filter((k) => !objects.some((o) => o.kind === k))).toEqual([]);
    for (const o of objects) {
      // As `kubectl create/apply` sends it (client-node's KubernetesObjectApi has no fieldValidation parameter).
      const res = await fetch(`${sim.url}${collectionPath(o)}?fieldValidation=Strict`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(o) });
      expect(`${o.kind}/${o.metadata?.name ?? ''} ${res.status} ${res.status === 201 ? '' : await res.text()}`).toBe(`${o.kind}/${o.metadata?.name ?? ''} 201 `);
      expect(res.headers.get('warning')).toBeNull();
    }
    const deployments = objects.filter((o) => o.kind === 'Deployment');
    await sim.waitFor(() => deployments.every((d) => sim.pods(d.metadata?.namespace).some((p) =>
      p.metadata.name.startsWith(`${d.metadata?.name ?? ''}-`) && p.status.phase === 'Running')), { timeoutMs: 5000, description: 'deployments running' });
  });

  it("runs example_spark.py's SparkApplication in windsock-tasks: its service account, claim, ConfigMap and Secret exist", async () => {
    // The arguments of examples/dags/example_spark.py, through the Spark executor's manifest builder.
    const plan = buildSparkApp(launchFor({ kind: 'spark', operator: 'SparK8sOperator', args: {
      service_account_name: 'spark', code_path: '/airflow/sample_repo/dags/sample_docker/scripts/main_spark.py',
      image_tag: 'sample_repo.dag2.spark_build_folder', env_vars: { environment: 'dev' },
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'spark-data' } }], volume_mounts: [{ name: 'data', mountPath: '/data' }],
      config_map_mounts: { 'spark-job-config': '/mnt/config' }, from_env_config_map: ['spark-job-config'], from_env_secret: ['spark-job-secret'],
      dynamic_allocation: true,
    } }, { dagId: 'example_spark', taskId: 'aggregate' }), compileKubernetesOptions({ registryPrefix: 'registry.local/', namespace: 'windsock-tasks' }), 'launch-1');
    const source = readFileSync(resolve(import.meta.dirname, '../examples/dags/example_spark.py'), 'utf8');
    for (const name of ['"spark"', '"spark-data"', '"spark-job-config"', '"spark-job-secret"']) expect(source).toContain(name);
    expect(source).not.toContain('namespace=');
    const custom = kc.makeApiClient(k8s.CustomObjectsApi);
    await custom.createNamespacedCustomObject({ group: 'sparkoperator.k8s.io', version: 'v1beta2', plural: 'sparkapplications', namespace: plan.namespace, body: plan.app, fieldValidation: 'Strict' });
    const done = await sim.waitFor(() => {
      const state = sim.sparkApplication(plan.namespace, plan.name)?.status?.applicationState?.state;
      return state === 'COMPLETED' || state === 'FAILED' ? sim.sparkApplication(plan.namespace, plan.name) : undefined;
    }, { timeoutMs: 5000, description: 'example_spark completed' }) as SparkApplication;
    expect(done.status?.applicationState).toEqual({ state: 'COMPLETED' });
  });
});
