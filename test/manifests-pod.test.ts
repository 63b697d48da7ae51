/**
 * Every kind of pod the pod executor builds validates against the official Pod schema (kubernetes-models),
 * plus the name and label rules the API server adds: KubernetesPodOperator with every argument the fixtures
 * use, the platform's K8sOperator (image_tag, gpu, node_group, config maps and secrets), a bash task, a pod
 * template file with executor_config's pod_override, and Airflow's secrets. Each also asserts what the
 * arguments must have become.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Pod } from 'kubernetes-models/v1';
import { buildPod, compileKubernetesOptions } from '@windsock/executors';
import { validatePod } from './kube-sim/validation.ts';
import { launchFor } from './executor-conformance.ts';

const options = compileKubernetesOptions({ registryPrefix: 'registry.example.com/platform', nodeGroups: { gpu_1: { nodeSelector: { pool: 'gpu' }, tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }] } } });

type AnyPod = { metadata: { name: string; labels: Record<string, string>; annotations: Record<string, string> }; spec: Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any

function valid(pod: unknown): AnyPod {
  expect(() => new Pod(pod as ConstructorParameters<typeof Pod>[0]).validate()).not.toThrow();
  expect(validatePod(pod as Record<string, unknown>)).toEqual([]);
  return pod as AnyPod;
}

describe('pod manifests', () => {
  it('KubernetesPodOperator with the fixture\'s arguments', () => {
    const launch = launchFor({ kind: 'pod', operator: 'KubernetesPodOperator', args: {
      name: 'train-model', namespace: 'ml', image: 'registry.example.com/ml/train:1.4', cmds: ['python', '-m', 'train'], arguments: ['--epochs', '10', '--date', '2024-01-01'],
      env_vars: [{ name: 'MODE', value: 'full' }], env_from: [{ configMapRef: { name: 'ml-config' } }, { secretRef: { name: 'ml-secrets' } }],
      secrets: [{ deploy_type: 'env', deploy_target: 'DB_PASSWORD', secret: 'db-credentials', key: 'password' }, { deploy_type: 'volume', deploy_target: '/etc/creds', secret: 'creds' }],
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data-pvc' } }], volume_mounts: [{ name: 'data', mountPath: '/data', readOnly: true }],
      container_resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '2Gi', 'nvidia.com/gpu': '1' } },
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'ml', effect: 'NoSchedule' }],
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'pool', operator: 'In', values: ['gpu'] }] }] } } },
      security_context: { runAsUser: 1000, fsGroup: 2000 }, labels: { team: 'ml' }, node_selector: { disk: 'ssd' }, image_pull_secrets: 'regcred, other',
      service_account_name: 'trainer', on_finish_action: 'delete_succeeded_pod', termination_grace_period: 5, startup_timeout_seconds: 300,
    } }, { dagId: 'kpo', taskId: 'train', workerId: 'worker-1.example.com:1234' });
    const plan = buildPod(launch, options, 'launch-1');
    const pod = valid(plan.pod);
    expect(plan).toMatchObject({ namespace: 'ml', container: 'base', deleteOnSuccess: true, deleteOnFailure: false, startupTimeoutMs: 300_000, gracePeriodSeconds: 5 });
    expect(pod.metadata.labels).toMatchObject({ team: 'ml', dag_id: 'kpo', task_id: 'train', try_number: '1', kubernetes_pod_operator: 'True', 'airflow-worker': expect.stringMatching(/^worker-1.example.com1234-[0-9a-f]{9}$/) });
    expect(pod.metadata.annotations).toMatchObject({ dag_id: 'kpo', task_id: 'train', try_number: '1', 'windsock.dev/launch-id': 'launch-1' });
    const c = pod.spec.containers[0];
    expect(c).toMatchObject({ name: 'base', image: 'registry.example.com/ml/train:1.4', command: ['python', '-m', 'train'], args: ['--epochs', '10', '--date', '2024-01-01'] });
    expect(c.env).toEqual(expect.arrayContaining([{ name: 'MODE', value: 'full' }, { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db-credentials', key: 'password' } } }, { name: 'AIRFLOW_CTX_DAG_ID', value: 'kpo' }]));
    expect(c.volumeMounts).toEqual([{ name: 'data', mountPath: '/data', readOnly: true }, { name: 'secretvol1', mountPath: '/etc/creds', readOnly: true }]);
    expect(pod.spec).toMatchObject({ restartPolicy: 'Never', serviceAccountName: 'trainer', nodeSelector: { disk: 'ssd' }, imagePullSecrets: [{ name: 'regcred' }, { name: 'other' }], terminationGracePeriodSeconds: 5 });
  });

  it('the platform\'s K8sOperator: image_tag with the registry prefix, cpu/memory/gpu, node_group, config maps and secrets', () => {
    const launch = launchFor({ kind: 'pod', operator: 'K8sOperator', args: {
      name: 'train', cmd: 'python /airflow/sample_repo/dags/dag1/scripts/main.py', image_tag: 'sample_repo.dag1.build_folder',
      env_vars: { environment: 'dev', database: 'analytics' }, resources: { cpu: 2, memory: '4Gi', gpu: 1 }, node_group: 'gpu_1',
      config_map_mounts: { config_map_test: '/mnt/tmp' }, from_env_config_map: ['test-config-map'], from_env_secret: ['secret'],
    } });
    const pod = valid(buildPod(launch, options, 'l').pod);
    const c = pod.spec.containers[0];
    expect(c.image).toBe('registry.example.com/platform/sample_repo.dag1.build_folder');
    expect(c.command).toEqual(['bash', '-c', 'python /airflow/sample_repo/dags/dag1/scripts/main.py']);
    expect(c.resources).toEqual({ requests: { cpu: '2', memory: '4Gi', 'nvidia.com/gpu': '1' }, limits: { memory: '4Gi', 'nvidia.com/gpu': '1' } });
    expect(c.env).toEqual(expect.arrayContaining([{ name: 'environment', value: 'dev' }, { name: 'database', value: 'analytics' }]));
    expect(c.envFrom).toEqual([{ configMapRef: { name: 'test-config-map' } }, { secretRef: { name: 'secret' } }]);
    expect(c.volumeMounts).toEqual([{ name: 'cm-config-map-test', mountPath: '/mnt/tmp' }]);
    expect(pod.spec.volumes).toEqual([{ name: 'cm-config-map-test', configMap: { name: 'config_map_test' } }]);
    expect(pod.spec.nodeSelector).toEqual({ pool: 'gpu' });
    expect(pod.spec.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    const other = valid(buildPod(launchFor({ kind: 'pod', operator: 'K8sOperator', args: { cmd: 'x', image_tag: 't', node_group: 'cpu_intensive_1' } }), options, 'l').pod);
    expect(other.spec.nodeSelector).toEqual({ 'windsock.dev/node-group': 'cpu_intensive_1' });
    expect(other.spec.tolerations).toEqual([{ key: 'windsock.dev/node-group', operator: 'Equal', value: 'cpu_intensive_1', effect: 'NoSchedule' }]);
  });

  it('a locked namespace keeps every pod in it (a sandbox\'s), refusing a task that names another', () => {
    const locked = compileKubernetesOptions({ namespace: 'windsock-sb-alice', namespaceLocked: true });
    expect(buildPod(launchFor({ kind: 'bash', operator: 'BashOperator', args: { bash_command: 'x' } }), locked, 'l').namespace).toBe('windsock-sb-alice');
    expect(buildPod(launchFor({ kind: 'pod', operator: 'KubernetesPodOperator', args: { image: 'i', namespace: 'windsock-sb-alice' } }), locked, 'l').namespace).toBe('windsock-sb-alice');
    expect(() => buildPod(launchFor({ kind: 'pod', operator: 'KubernetesPodOperator', args: { image: 'i', namespace: 'kube-system' } }), locked, 'l'))
      .toThrow(/namespace "kube-system" is refused: this instance runs pods and Spark applications in namespace windsock-sb-alice only/);
    expect(buildPod(launchFor({ kind: 'pod', operator: 'KubernetesPodOperator', args: { image: 'i', namespace: 'kube-system' } }), options, 'l').namespace).toBe('kube-system');
  });

  it('a bash task runs in the default image', () => {
    const pod = valid(buildPod(launchFor({ kind: 'bash', operator: 'BashOperator', args: { bash_command: 'echo hi' } }), options, 'l').pod);
    expect(pod.spec.containers[0]).toMatchObject({ image: 'python:3.12-slim', command: ['bash', '-c', 'echo hi'] });
  });

  it('pod_template_file, operator and executor_config pod_override merge as Airflow merges them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'windsock-tpl-'));
    await writeFile(join(dir, 'template.yaml'), [
      'apiVersion: v1', 'kind: Pod', 'metadata: {name: ignored, labels: {from-template: "yes"}}',
      'spec:', '  serviceAccountName: template-sa', '  volumes: [{name: cache, emptyDir: {}}]',
      '  containers:', '  - name: base', '    image: template:1', '    env: [{name: FROM_TEMPLATE, value: "1"}]',
      '  - name: sidecar', '    image: sidecar:1',
    ].join('\n'));
    const launch = launchFor({ kind: 'pod', operator: 'KubernetesPodOperator', args: { image: 'operator:2', cmds: ['run'], pod_template_file: 'template.yaml', env_vars: { FROM_OPERATOR: '1' } } });
    launch.task.executor_config = { pod_override: { metadata: { labels: { 'cost-center': '42' } }, spec: { containers: [{ name: 'base', resources: { limits: { cpu: '2' } } }] } } };
    const plan = buildPod(launch, compileKubernetesOptions({ dagsFolder: dir }), 'l');
    const pod = valid(plan.pod);
    expect(pod.metadata.name).toBe(plan.name);
    expect(pod.metadata.labels).toMatchObject({ 'from-template': 'yes', 'cost-center': '42' });
    expect(pod.spec.serviceAccountName).toBe('template-sa');
    expect(pod.spec.volumes).toEqual([{ name: 'cache', emptyDir: {} }]);
    expect(pod.spec.containers).toHaveLength(2);
    expect(pod.spec.containers[0]).toMatchObject({ name: 'base', image: 'operator:2', command: ['run'], resources: { limits: { cpu: '2' } } });
    expect(pod.spec.containers[0].env.slice(0, 2)).toEqual([{ name: 'FROM_TEMPLATE', value: '1' }, { name: 'FROM_OPERATOR', value: '1' }]);
  });

  it('rejects what Airflow rejects: an unknown executor_config key, a bad on_finish_action', () => {
    const bad = launchFor({ kind: 'pod', operator: 'KubernetesPodOperator', args: { image: 'a', cmds: ['x'] } });
    bad.task.executor_config = { KubernetesExecutor: { request_cpu: '1' } };
    expect(() => buildPod(bad, options, 'l')).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_TASK' }));
    expect(() => buildPod(launchFor({ kind: 'pod', operator: 'KubernetesPodOperator', args: { image: 'a', cmds: ['x'], on_finish_action: 'explode' } }), options, 'l')).toThrow(/on_finish_action/);
  });
});
