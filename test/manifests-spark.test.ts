/**
 * Every SparkApplication the Spark executor builds validates against the CRD's openAPIV3Schema
 * (../shared/specs/sparkapplication-crd.yaml) with ajv, and carries no field the schema does not declare
 * (the API server would prune it silently): the platform's SparK8sOperator as users write it, with
 * resources and node group, and SparkKubernetesOperator's template_spec with a kubernetes part.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { buildSparkApp, compileKubernetesOptions } from '@windsock/executors';
import { DEFAULT_CRD_PATH } from './kube-sim/index.ts';
import { launchFor } from './executor-conformance.ts';

interface Schema { properties?: Record<string, Schema>; items?: Schema; additionalProperties?: Schema | boolean; 'x-kubernetes-preserve-unknown-fields'?: boolean }
let schema: Schema;
let validate: ValidateFunction;

beforeAll(() => {
  const crd = parse(readFileSync(DEFAULT_CRD_PATH, 'utf8')) as { spec: { versions: Array<{ name: string; schema: { openAPIV3Schema: Schema } }> } };
  schema = crd.spec.versions.find((v) => v.name === 'v1beta2')!.schema.openAPIV3Schema;
  const ajv = new Ajv({ strict: false, allErrors: true });
  (addFormats as unknown as (a: Ajv) => void)(ajv);
  ajv.addFormat('int32', true);
  ajv.addFormat('int64', true);
  validate = ajv.compile(schema);
});

/** Paths of fields the schema does not declare (what the API server would prune). */
function unknownFields(value: unknown, s: Schema | undefined, path = ''): string[] {
  if (!s || s['x-kubernetes-preserve-unknown-fields'] || value === null || typeof value !== 'object') return [];
  if (Array.isArray(value)) return value.flatMap((v, i) => unknownFields(v, s.items, `${path}[${i}]`));
  if (!s.properties) return typeof s.additionalProperties === 'object' ? Object.entries(value).flatMap(([k, v]) => unknownFields(v, s.additionalProperties as Schema, `${path}.${k}`)) : [];
  return Object.entries(value).flatMap(([k, v]) => (s.properties![k] ? unknownFields(v, s.properties![k], `${path}.${k}`) : [`${path}.${k}`]));
}

function valid(app: unknown): Record<string, any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const ok = validate(app);
  expect(validate.errors ?? []).toEqual([]);
  expect(ok).toBe(true);
  expect(unknownFields(app, schema)).toEqual([]);
  return app as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

const options = compileKubernetesOptions({ registryPrefix: 'registry.example.com/platform/', namespace: 'spark-jobs' });

describe('SparkApplication manifests', () => {
  it('the unknown-field check finds a misspelt field (so the checks below can fail)', () => {
    expect(unknownFields({ spec: { driver: { coresz: 1 }, sparkConf: { any: 'x' } } }, schema)).toEqual(['.spec.driver.coresz']);
  });

  it('SparK8sOperator as users write it (DESIGN.md)', () => {
    const plan = buildSparkApp(launchFor({ kind: 'spark', operator: 'SparK8sOperator', args: {
      namespace: 'default', service_account_name: 'k8s_service_account', code_path: '/airflow/sample_repo/dags/sample_docker/scripts/main_spark.py',
      image_tag: 'sample_repo.dag2.spark_build_folder', env_vars: { environment: 'prod' },
      volumes: [{ name: 'scratch', emptyDir: { sizeLimit: '10Gi' } }], volume_mounts: [{ name: 'scratch', mountPath: '/scratch' }],
      config_map_mounts: { config_map_test: '/mnt/tmp' }, from_env_config_map: ['test-config-map'], from_env_secret: ['secret'],
      env_from: [{ secretRef: { name: 'extra' } }], dynamic_allocation: true,
    } }, { dagId: 'spark8s_platform', taskId: 'task_name' }), options, 'launch-1');
    const app = valid(plan.app);
    expect(plan.namespace).toBe('default');
    expect(plan.driverPod).toBe(`${plan.name}-driver`);
    expect(plan.driverPod.length).toBeLessThanOrEqual(63);
    expect(app.spec).toMatchObject({
      type: 'Python', mode: 'cluster', image: 'registry.example.com/platform/sample_repo.dag2.spark_build_folder',
      mainApplicationFile: 'local:///airflow/sample_repo/dags/sample_docker/scripts/main_spark.py', sparkVersion: '3.5.1', pythonVersion: '3',
      dynamicAllocation: { enabled: true }, volumes: [{ name: 'scratch', emptyDir: { sizeLimit: '10Gi' } }],
    });
    for (const role of ['driver', 'executor']) {
      expect(app.spec[role]).toMatchObject({
        serviceAccount: 'k8s_service_account', env: [{ name: 'environment', value: 'prod' }], configMaps: [{ name: 'config_map_test', path: '/mnt/tmp' }],
        envFrom: [{ configMapRef: { name: 'test-config-map' } }, { secretRef: { name: 'secret' } }, { secretRef: { name: 'extra' } }],
        volumeMounts: [{ name: 'scratch', mountPath: '/scratch' }], labels: { dag_id: 'spark8s_platform', task_id: 'task_name', try_number: '1' },
      });
    }
    expect(app.metadata.labels).toMatchObject({ spark_kubernetes_operator: 'True', 'airflow-worker': 'conformance-worker' });
  });

  it('SparK8sOperator with driver / executor resources and a node group', () => {
    const app = valid(buildSparkApp(launchFor({ kind: 'spark', operator: 'SparK8sOperator', args: {
      code_path: 's3a://jobs/etl.jar', image_tag: 'repo.dag.spark', node_group: 'memory_1',
      resources: { driver: { cores: 2, memory: '4g' }, executor: { cores: 4, memory: '8g', instances: 3 } },
    } }), options, 'l').app);
    expect(app.metadata.namespace).toBe('spark-jobs');
    expect(app.spec).toMatchObject({ type: 'Scala', mainApplicationFile: 's3a://jobs/etl.jar', driver: { cores: 2, memory: '4g' }, executor: { cores: 4, memory: '8g', instances: 3 } });
    expect(app.spec.driver.nodeSelector).toEqual({ 'windsock.dev/node-group': 'memory_1' });
  });

  it('SparkKubernetesOperator template_spec with a kubernetes part, image and code_path overrides', () => {
    const plan = buildSparkApp(launchFor({ kind: 'spark', operator: 'SparkKubernetesOperator', args: {
      image: 'apache/spark:3.5.1', code_path: 'local:///opt/app/main.py',
      template_spec: {
        spark: {
          apiVersion: 'sparkoperator.k8s.io/v1beta2', kind: 'SparkApplication', metadata: { name: 'user-name', namespace: 'analytics', labels: { team: 'bi' } },
          spec: { type: 'Python', mode: 'cluster', image: 'old', mainApplicationFile: 'old', sparkVersion: '3.5.1', driver: { cores: 1, memory: '512m' }, executor: { instances: 1, cores: 1, memory: '512m' } },
        },
        kubernetes: { env_vars: { A: '1' }, tolerations: [{ key: 'spark', operator: 'Exists' }], volumes: [{ name: 'v', emptyDir: {} }], volume_mounts: [{ name: 'v', mountPath: '/v' }] },
      },
    } }), options, 'l');
    const app = valid(plan.app);
    expect(plan.namespace).toBe('analytics');
    expect(app.metadata.labels).toMatchObject({ team: 'bi', spark_kubernetes_operator: 'True' });
    expect(app.spec).toMatchObject({ image: 'apache/spark:3.5.1', mainApplicationFile: 'local:///opt/app/main.py', volumes: [{ name: 'v', emptyDir: {} }] });
    expect(app.spec.executor).toMatchObject({ env: [{ name: 'A', value: '1' }], tolerations: [{ key: 'spark', operator: 'Exists' }], volumeMounts: [{ name: 'v', mountPath: '/v' }] });
  });
});
