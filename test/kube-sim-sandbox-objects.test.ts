/**
 * The simulator serves what a per-user sandbox needs, driven through the real @kubernetes/client-node
 * (CoreV1Api, AppsV1Api, RbacAuthorizationV1Api, CustomObjectsApi) and kubectl: namespaced objects refused in a
 * missing namespace, the default ServiceAccount, ConfigMaps/Secrets/RBAC with their validation, LimitRange
 * defaults and bounds, ResourceQuota enforcement and status, the Deployment controller with the scale
 * subresource, and namespace deletion emptying every type.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectWatch, kubeConfigFor, statusOf } from './kube-sim/client-support.ts';
import { startKubeSim, type KubeObject, type KubeSim } from './kube-sim/index.ts';

let sim: KubeSim;
let kc: k8s.KubeConfig;
let core: k8s.CoreV1Api;
let apps: k8s.AppsV1Api;
let rbac: k8s.RbacAuthorizationV1Api;
let custom: k8s.CustomObjectsApi;
const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

beforeAll(async () => {
  sim = await startKubeSim({ defaultBehaviour: { runMs: 50, startDelayMs: 5 } });
  kc = kubeConfigFor(sim);
  core = kc.makeApiClient(k8s.CoreV1Api);
  apps = kc.makeApiClient(k8s.AppsV1Api);
  rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
  custom = kc.makeApiClient(k8s.CustomObjectsApi);
});

afterAll(async () => {
  await sim.close();
});

async function failure(p: Promise<unknown>): Promise<ReturnType<typeof statusOf>> {
  try {
    await p;
  } catch (err) {
    return statusOf(err);
  }
  throw new Error('expected the request to fail');
}

async function namespace(name: string): Promise<void> {
  await core.createNamespace({ body: { metadata: { name } } });
}

function pod(name: string, resources?: k8s.V1ResourceRequirements, annotations: Record<string, string> = {}): k8s.V1Pod {
  return {
    metadata: { name, annotations },
    spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox:1.36', ...(resources === undefined ? {} : { resources }) }] },
  };
}

function deployment(name: string, replicas: number, labels: Record<string, string> = { app: name }): k8s.V1Deployment {
  return {
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels }, spec: { containers: [{ name: 'scheduler', image: 'windsock/scheduler:1', resources: { limits: { cpu: '500m', memory: '256Mi' } } }] } },
    },
  };
}

function sparkApp(name: string): object {
  return {
    apiVersion: 'sparkoperator.k8s.io/v1beta2', kind: 'SparkApplication', metadata: { name },
    spec: { type: 'Scala', mode: 'cluster', image: 'apache/spark:4.0.4', mainClass: 'org.apache.spark.examples.SparkPi', mainApplicationFile: 'local:///opt/spark/examples/jars/spark-examples.jar', sparkVersion: '4.0.4', driver: { cores: 1, memory: '512m' }, executor: { instances: 1, cores: 1, memory: '512m' } },
  };
}

function quotaStatus(ns: string, name: string): { hard?: Record<string, string>; used?: Record<string, string> } {
  return (sim.object('resourcequotas', ns, name)?.status ?? {}) as { hard?: Record<string, string>; used?: Record<string, string> };
}

function usedIs(ns: string, quota: string, expected: Record<string, string>): Promise<true> {
  return sim.waitFor(() => Object.entries(expected).every(([k, v]) => quotaStatus(ns, quota).used?.[k] === v) || undefined,
    { description: `${quota} used ${JSON.stringify(expected)}, saw ${JSON.stringify(quotaStatus(ns, quota).used)}` });
}

function deploymentPods(ns: string, name: string): KubeObject[] {
  return sim.pods(ns).filter((p) => p.metadata.ownerReferences?.some((r) => r.kind === 'Deployment' && r.name === name) && p.metadata.deletionTimestamp === undefined);
}

describe('namespaces', () => {
  it('refuses namespaced objects of every type in a namespace that does not exist (404 NotFound)', async () => {
    for (const attempt of [
      core.createNamespacedConfigMap({ namespace: 'nowhere', body: { metadata: { name: 'c' } } }),
      core.createNamespacedResourceQuota({ namespace: 'nowhere', body: { metadata: { name: 'q' }, spec: { hard: { pods: '1' } } } }),
      apps.createNamespacedDeployment({ namespace: 'nowhere', body: deployment('d', 1) }),
      rbac.createNamespacedRole({ namespace: 'nowhere', body: { metadata: { name: 'r' }, rules: [] } }),
    ]) {
      const s = await failure(attempt);
      expect(s).toMatchObject({ code: 404, reason: 'NotFound', message: 'namespaces "nowhere" not found', details: { name: 'nowhere', kind: 'namespaces' } });
    }
  });

  it('gives each new namespace a default ServiceAccount, recreated if deleted', async () => {
    await namespace('sa-home');
    await sim.waitFor(() => sim.object('serviceaccounts', 'sa-home', 'default'));
    const listed = await core.listNamespacedServiceAccount({ namespace: 'sa-home' });
    expect(listed.items.map((s) => s.metadata?.name)).toEqual(['default']);
    const uid = sim.object('serviceaccounts', 'sa-home', 'default')?.metadata.uid;
    await core.deleteNamespacedServiceAccount({ name: 'default', namespace: 'sa-home' });
    const again = await sim.waitFor(() => sim.object('serviceaccounts', 'sa-home', 'default'));
    expect(again.metadata.uid).not.toBe(uid);
    expect(sim.object('serviceaccounts', 'default', 'default')).toBeDefined();
  });
});

describe('config, secrets and RBAC', () => {
  it('serves ConfigMaps and Secrets (stringData folded into base64 data, type Opaque) with create/get/list/patch/delete', async () => {
    const ns = 'default';
    const watch = await collectWatch(kc, `/api/v1/namespaces/${ns}/configmaps`, {});
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'settings', labels: { app: 'x' } }, data: { a: '1' } } });
    const patched = await core.patchNamespacedConfigMap({ name: 'settings', namespace: ns, body: { data: { b: '2' } } }, merge);
    expect(patched.data).toEqual({ a: '1', b: '2' });
    const replaced = await core.replaceNamespacedConfigMap({ name: 'settings', namespace: ns, body: { ...patched, data: { c: '3' } } });
    expect(replaced.data).toEqual({ c: '3' });
    const stale = await failure(core.replaceNamespacedConfigMap({ name: 'settings', namespace: ns, body: { ...patched, data: { d: '4' } } }));
    expect(stale).toMatchObject({ code: 409, reason: 'Conflict' });
    expect((await core.listNamespacedConfigMap({ namespace: ns, labelSelector: 'app=x' })).items.map((c) => c.metadata?.name)).toEqual(['settings']);
    const bad = await failure(core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'Bad_Name' } } }));
    expect(bad).toMatchObject({ code: 422, reason: 'Invalid' });
    expect(bad.message).toMatch(/^ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/);
    const secret = await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'token' }, stringData: { token: 's3cret' } } });
    expect(secret.type).toBe('Opaque');
    expect(secret.data).toEqual({ token: Buffer.from('s3cret').toString('base64') });
    expect((await core.readNamespacedSecret({ name: 'token', namespace: ns })).stringData).toBeUndefined();
    await core.deleteNamespacedConfigMap({ name: 'settings', namespace: ns });
    expect((await failure(core.readNamespacedConfigMap({ name: 'settings', namespace: ns }))).message).toBe('configmaps "settings" not found');
    await watch.until((events) => events.some((e) => e.type === 'DELETED'));
    watch.abort();
    expect(watch.events.map((e) => `${e.type} ${e.object.metadata?.name ?? ''}`)).toEqual(['ADDED settings', 'MODIFIED settings', 'MODIFIED settings', 'DELETED settings']);
  });

  it('serves Roles and RoleBindings: roleRef required, and immutable on update (422)', async () => {
    const ns = 'default';
    const role = await rbac.createNamespacedRole({ namespace: ns, body: { metadata: { name: 'sandbox-scheduler' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['create', 'get', 'watch'] }] } });
    expect(role.rules?.[0]?.verbs).toEqual(['create', 'get', 'watch']);
    const noVerbs = await failure(rbac.createNamespacedRole({ namespace: ns, body: { metadata: { name: 'empty' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: [] }] } }));
    expect(noVerbs.message).toBe('Role.rbac.authorization.k8s.io "empty" is invalid: rules[0].verbs: Required value: verbs must contain at least one value');

    const missing = await failure(rbac.createNamespacedRoleBinding({ namespace: ns, body: { metadata: { name: 'no-ref' } } as k8s.V1RoleBinding }));
    expect(missing).toMatchObject({ code: 422, reason: 'Invalid' });
    expect((missing.details?.['causes'] as { field: string }[]).map((c) => c.field)).toEqual(expect.arrayContaining(['roleRef.apiGroup', 'roleRef.kind', 'roleRef.name']));

    const binding: k8s.V1RoleBinding = {
      metadata: { name: 'sandbox-scheduler' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'sandbox-scheduler' },
      subjects: [{ kind: 'ServiceAccount', name: 'scheduler', namespace: ns }],
    };
    await rbac.createNamespacedRoleBinding({ namespace: ns, body: binding });
    const changed = await failure(rbac.patchNamespacedRoleBinding({ name: 'sandbox-scheduler', namespace: ns, body: { roleRef: { name: 'other' } } }, merge));
    expect(changed).toMatchObject({ code: 422, reason: 'Invalid' });
    expect(changed.message).toBe('RoleBinding.rbac.authorization.k8s.io "sandbox-scheduler" is invalid: roleRef: Invalid value: ' +
      'rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"Role", Name:"other"}: cannot change roleRef');
    const relabelled = await rbac.patchNamespacedRoleBinding({ name: 'sandbox-scheduler', namespace: ns, body: { metadata: { labels: { sandbox: 'u1' } } } }, merge);
    expect(relabelled.metadata?.labels).toEqual({ sandbox: 'u1' });
    expect((await rbac.listNamespacedRoleBinding({ namespace: ns })).items.map((b) => b.roleRef.name)).toEqual(['sandbox-scheduler']);

    // Cluster-scoped twins: RBAC names are path segments (colons allowed); a ServiceAccount subject needs a namespace.
    await rbac.createClusterRole({ body: { metadata: { name: 'windsock:sandbox-admin' }, rules: [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['*'] }] } });
    const ref = { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'windsock:sandbox-admin' };
    const noNs = await failure(rbac.createClusterRoleBinding({ body: { metadata: { name: 'control-plane' }, roleRef: ref, subjects: [{ kind: 'ServiceAccount', name: 'control-plane' }] } }));
    expect(noNs.message).toBe('ClusterRoleBinding.rbac.authorization.k8s.io "control-plane" is invalid: subjects[0].namespace: Required value');
    await rbac.createClusterRoleBinding({ body: { metadata: { name: 'control-plane' }, roleRef: ref, subjects: [{ kind: 'ServiceAccount', name: 'control-plane', namespace: 'default' }] } });
    expect((await rbac.readClusterRoleBinding({ name: 'control-plane' })).roleRef.name).toBe('windsock:sandbox-admin');
  });
});

describe('LimitRange', () => {
  it('fills container defaults into a pod that lacks them and refuses one above max (403, the plugin\'s wording)', async () => {
    await namespace('limited');
    await core.createNamespacedLimitRange({
      namespace: 'limited',
      body: { metadata: { name: 'defaults' }, spec: { limits: [{ type: 'Container', _default: { cpu: '500m', memory: '256Mi' }, defaultRequest: { cpu: '0.1' }, max: { cpu: '2' } }] } },
    });
    const created = await core.createNamespacedPod({ namespace: 'limited', body: pod('defaulted') });
    expect(created.spec?.containers[0]?.resources).toEqual({ limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '100m', memory: '256Mi' } });
    expect(created.metadata?.annotations?.['kubernetes.io/limit-ranger']).toBe('LimitRanger plugin set: cpu, memory request for container main; cpu, memory limit for container main');
    expect(created.status?.qosClass).toBe('Burstable');
    const big = await failure(core.createNamespacedPod({ namespace: 'limited', body: pod('big', { limits: { cpu: '5' } }) }));
    expect(big).toMatchObject({ code: 403, reason: 'Forbidden', message: 'pods "big" is forbidden: maximum cpu usage per Container is 2, but limit is 5' });
    // The defaulted limit is validated against the pod's own request, as after mutating admission upstream.
    const greedy = await failure(core.createNamespacedPod({ namespace: 'limited', body: pod('greedy', { requests: { cpu: '1' } }) }));
    expect(greedy).toMatchObject({ code: 422, reason: 'Invalid', message: 'Pod "greedy" is invalid: spec.containers[0].resources.requests[cpu]: Invalid value: "1": must be less than or equal to cpu limit of 500m' });
  });
});

describe('ResourceQuota', () => {
  it('requires stated limits, refuses what exceeds hard with the real message, and keeps status.used as pods come and go', async () => {
    const ns = 'quota-a';
    await namespace(ns);
    await core.createNamespacedResourceQuota({ namespace: ns, body: { metadata: { name: 'q' }, spec: { hard: { pods: '3', 'limits.cpu': '2', 'requests.nvidia.com/gpu': '1' } } } });
    await usedIs(ns, 'q', { pods: '0', 'limits.cpu': '0', 'requests.nvidia.com/gpu': '0' });
    expect(quotaStatus(ns, 'q').hard).toEqual({ pods: '3', 'limits.cpu': '2', 'requests.nvidia.com/gpu': '1' });

    const bare = await failure(core.createNamespacedPod({ namespace: ns, body: pod('bare') }));
    expect(bare).toMatchObject({ code: 403, reason: 'Forbidden', message: 'pods "bare" is forbidden: failed quota: q: must specify limits.cpu' });

    await core.createNamespacedPod({ namespace: ns, body: pod('p1', { limits: { cpu: '1' } }, { 'sim.windsock.dev/run-ms': 'forever' }) });
    await usedIs(ns, 'q', { pods: '1', 'limits.cpu': '1' });
    const over = await failure(core.createNamespacedPod({ namespace: ns, body: pod('p2', { limits: { cpu: '5' } }) }));
    expect(over).toMatchObject({ code: 403, reason: 'Forbidden', message: 'pods "p2" is forbidden: exceeded quota: q, requested: limits.cpu=5, used: limits.cpu=1, limited: limits.cpu=2' });
    const gpus = await failure(core.createNamespacedPod({ namespace: ns, body: pod('gpu', { limits: { cpu: '100m', 'nvidia.com/gpu': '2' } }) }));
    expect(gpus.message).toBe('pods "gpu" is forbidden: exceeded quota: q, requested: requests.nvidia.com/gpu=2, used: requests.nvidia.com/gpu=0, limited: requests.nvidia.com/gpu=1');

    // A pod that finishes stops counting (terminal pods are not charged).
    await core.createNamespacedPod({ namespace: ns, body: pod('short', { limits: { cpu: '500m' } }, { 'sim.windsock.dev/run-ms': '100' }) });
    await usedIs(ns, 'q', { pods: '2', 'limits.cpu': '1500m' });
    await sim.waitFor(() => sim.pod(ns, 'short')?.status.phase === 'Succeeded');
    await usedIs(ns, 'q', { pods: '1', 'limits.cpu': '1' });
    await core.deleteNamespacedPod({ name: 'p1', namespace: ns, gracePeriodSeconds: 0 });
    await usedIs(ns, 'q', { pods: '0', 'limits.cpu': '0' });
    const read = await core.readNamespacedResourceQuota({ name: 'q', namespace: ns });
    expect(read.status?.used).toEqual({ pods: '0', 'limits.cpu': '0', 'requests.nvidia.com/gpu': '0' });
  });

  it('counts objects: count/sparkapplications.sparkoperator.k8s.io', async () => {
    const ns = 'quota-b';
    await namespace(ns);
    await core.createNamespacedResourceQuota({ namespace: ns, body: { metadata: { name: 'apps' }, spec: { hard: { 'count/sparkapplications.sparkoperator.k8s.io': '1' } } } });
    const group = { group: 'sparkoperator.k8s.io', version: 'v1beta2', namespace: ns, plural: 'sparkapplications' };
    await custom.createNamespacedCustomObject({ ...group, body: sparkApp('first') });
    const second = await failure(custom.createNamespacedCustomObject({ ...group, body: sparkApp('second') }));
    expect(second).toMatchObject({ code: 403, reason: 'Forbidden' });
    const key = 'count/sparkapplications.sparkoperator.k8s.io';
    expect(second.message).toBe(`sparkapplications.sparkoperator.k8s.io "second" is forbidden: exceeded quota: apps, requested: ${key}=1, used: ${key}=1, limited: ${key}=1`);
    await usedIs(ns, 'apps', { [key]: '1' });
  });
});

describe('Deployments', () => {
  it('runs spec.replicas pods from the template, scales through spec.replicas and the scale subresource, and deletes its pods', async () => {
    const ns = 'deploy-a';
    await namespace(ns);
    const created = await apps.createNamespacedDeployment({ namespace: ns, body: deployment('web', 2) });
    expect(created.metadata?.generation).toBe(1);
    expect(created.spec?.strategy?.type).toBe('RollingUpdate');
    const ready = await sim.waitFor(() => {
      const s = sim.object('deployments', ns, 'web')?.status as k8s.V1DeploymentStatus | undefined;
      return s?.readyReplicas === 2 ? s : undefined;
    });
    expect(ready).toMatchObject({ replicas: 2, updatedReplicas: 2, availableReplicas: 2, observedGeneration: 1 });
    expect(ready.conditions?.find((c) => c.type === 'Available')).toMatchObject({ status: 'True', reason: 'MinimumReplicasAvailable' });
    const pods = deploymentPods(ns, 'web');
    expect(pods).toHaveLength(2);
    const hash = pods[0]?.metadata.labels?.['pod-template-hash'] as string;
    for (const p of pods) {
      expect(p.metadata.name).toMatch(new RegExp(`^web-${hash}-[bcdfghjklmnpqrstvwxz2456789]{5}$`));
      expect(p.metadata.labels).toEqual({ app: 'web', 'pod-template-hash': hash });
      expect(p.metadata.ownerReferences?.[0]).toMatchObject({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: created.metadata?.uid, controller: true });
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(deploymentPods(ns, 'web').every((p) => (p as { status: { phase?: string } }).status.phase === 'Running')).toBe(true);

    await apps.patchNamespacedDeploymentScale({ name: 'web', namespace: ns, body: { spec: { replicas: 3 } } }, merge);
    await sim.waitFor(() => deploymentPods(ns, 'web').length === 3);
    const scale = await apps.readNamespacedDeploymentScale({ name: 'web', namespace: ns });
    expect(scale.spec?.replicas).toBe(3);
    expect(scale.status?.selector).toBe('app=web');

    await apps.patchNamespacedDeployment({ name: 'web', namespace: ns, body: { spec: { replicas: 0 } } }, merge);
    await sim.waitFor(() => sim.pods(ns).length === 0, { description: 'pods gone after scaling to 0' });
    const zero = await sim.waitFor(() => {
      const d = sim.object('deployments', ns, 'web');
      return d?.metadata.generation === 3 && (d.status as k8s.V1DeploymentStatus).observedGeneration === 3 ? d : undefined;
    });
    expect((zero.status as k8s.V1DeploymentStatus).replicas).toBeUndefined();

    await apps.replaceNamespacedDeploymentScale({ name: 'web', namespace: ns, body: { metadata: { name: 'web' }, spec: { replicas: 1 } } });
    await sim.waitFor(() => deploymentPods(ns, 'web').length === 1);
    await apps.deleteNamespacedDeployment({ name: 'web', namespace: ns });
    await sim.waitFor(() => sim.pods(ns).length === 0, { description: 'pods collected after the Deployment is deleted' });
  });

  it('replaces its pods when the template changes (new pod-template-hash, generation bumped)', async () => {
    const ns = 'deploy-b';
    await namespace(ns);
    await apps.createNamespacedDeployment({ namespace: ns, body: deployment('api', 2) });
    const first = await sim.waitFor(() => (deploymentPods(ns, 'api').length === 2 ? deploymentPods(ns, 'api') : undefined));
    const oldHash = first[0]?.metadata.labels?.['pod-template-hash'];
    const updated = await apps.patchNamespacedDeployment({ name: 'api', namespace: ns, body: { spec: { template: { metadata: { annotations: { rev: '2' } } } } } }, merge);
    expect(updated.metadata?.generation).toBe(2);
    const second = await sim.waitFor(() => {
      const pods = sim.pods(ns);
      return pods.length === 2 && pods.every((p) => p.metadata.labels?.['pod-template-hash'] !== oldHash) ? pods : undefined;
    }, { description: 'old pods replaced' });
    expect(second.every((p) => p.metadata.annotations?.['rev'] === '2')).toBe(true);
    const status = await sim.waitFor(() => {
      const s = sim.object('deployments', ns, 'api')?.status as k8s.V1DeploymentStatus | undefined;
      return s?.observedGeneration === 2 && s.readyReplicas === 2 ? s : undefined;
    });
    expect(status.updatedReplicas).toBe(2);
  });

  it('refuses a selector that does not match the template labels (422 with causes)', async () => {
    const s = await failure(apps.createNamespacedDeployment({ namespace: 'default', body: deployment('odd', 1, { app: 'other' }) }));
    expect(s).toMatchObject({ code: 422, reason: 'Invalid', details: { name: 'odd', group: 'apps', kind: 'Deployment' } });
    expect(s.message).toBe('Deployment.apps "odd" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"other"}: `selector` does not match template `labels`');
    expect(s.details?.['causes']).toEqual([{ reason: 'FieldValueInvalid', field: 'spec.template.metadata.labels', message: expect.stringContaining('does not match') }]);
  });

  it('counts its pods against the quota and shows a refusal as ReplicaFailure / FailedCreate', async () => {
    const ns = 'deploy-quota';
    await namespace(ns);
    await core.createNamespacedResourceQuota({ namespace: ns, body: { metadata: { name: 'small' }, spec: { hard: { pods: '1', 'count/deployments.apps': '1' } } } });
    await apps.createNamespacedDeployment({ namespace: ns, body: deployment('sched', 2) });
    const failed = await sim.waitFor(() => (sim.object('deployments', ns, 'sched')?.status as k8s.V1DeploymentStatus | undefined)?.conditions?.find((c) => c.type === 'ReplicaFailure'));
    expect(failed).toMatchObject({ status: 'True', reason: 'FailedCreate' });
    expect(failed.message).toMatch(/^pods "sched-[a-z0-9]+-" is forbidden: exceeded quota: small, requested: pods=1, used: pods=1, limited: pods=1$/);
    expect(deploymentPods(ns, 'sched')).toHaveLength(1);
    await usedIs(ns, 'small', { pods: '1', 'count/deployments.apps': '1' });
    const second = await failure(apps.createNamespacedDeployment({ namespace: ns, body: deployment('extra', 1) }));
    expect(second.message).toBe('deployments.apps "extra" is forbidden: exceeded quota: small, requested: count/deployments.apps=1, used: count/deployments.apps=1, limited: count/deployments.apps=1');
  });
});

describe('namespace deletion', () => {
  it('removes every object of every namespaced type before the namespace disappears', async () => {
    const ns = 'doomed';
    await namespace(ns);
    await core.createNamespacedResourceQuota({ namespace: ns, body: { metadata: { name: 'q' }, spec: { hard: { pods: '10' } } } });
    await core.createNamespacedLimitRange({ namespace: ns, body: { metadata: { name: 'l' }, spec: { limits: [{ type: 'Container', _default: { cpu: '2' } }] } } });
    await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'tasks' } } });
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'c' } } });
    await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 's' } } });
    await rbac.createNamespacedRole({ namespace: ns, body: { metadata: { name: 'r' }, rules: [] } });
    await rbac.createNamespacedRoleBinding({ namespace: ns, body: { metadata: { name: 'b' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'r' } } });
    await apps.createNamespacedDeployment({ namespace: ns, body: deployment('sched', 1) });
    // The task pod takes a second to stop: the namespace stays Terminating meanwhile.
    await core.createNamespacedPod({ namespace: ns, body: pod('task', undefined, { 'sim.windsock.dev/run-ms': 'forever', 'sim.windsock.dev/sigterm-delay-ms': '1000' }) });
    await custom.createNamespacedCustomObject({ group: 'sparkoperator.k8s.io', version: 'v1beta2', namespace: ns, plural: 'sparkapplications', body: sparkApp('job') });
    await sim.waitFor(() => sim.pods(ns).length === 3 && sim.events(ns).length > 0, { description: 'deployment pod, task pod and driver pod with events', timeoutMs: 20_000 });
    const plurals = ['resourcequotas', 'limitranges', 'serviceaccounts', 'configmaps', 'secrets', 'roles', 'rolebindings', 'deployments', 'pods', 'sparkapplications', 'events'];
    for (const p of plurals) expect(sim.objects(p, ns).length, p).toBeGreaterThan(0);

    await core.deleteNamespace({ name: ns });
    const refused = await failure(core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'late' } } }));
    expect(refused).toMatchObject({ code: 403, reason: 'Forbidden', message: `configmaps "late" is forbidden: unable to create new content in namespace ${ns} because it is being terminated` });
    // Everything but the stopping pod (and events) is gone while the namespace is still there.
    await sim.waitFor(() => plurals.every((p) => p === 'pods' || p === 'events' || sim.objects(p, ns).length === 0), { description: 'contents deleted' });
    expect(sim.namespaces()).toContain(ns);
    expect(sim.pods(ns).map((p) => p.metadata.name)).toEqual(['task']);
    await sim.waitFor(() => !sim.namespaces().includes(ns), { description: 'namespace gone', timeoutMs: 20_000 });
    for (const p of plurals) expect(sim.objects(p, ns), p).toEqual([]);
    expect((await apps.listNamespacedDeployment({ namespace: ns })).items).toEqual([]);
    expect((await core.listNamespacedServiceAccount({ namespace: ns })).items).toEqual([]);
  });
});

describe('kubectl', () => {
  it('gets and scales the sandbox objects (deployments, quota, service accounts)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kube-sim-sandbox-'));
    try {
      const kubeconfig = join(dir, 'kubeconfig');
      await sim.writeKubeconfig(kubeconfig);
      const env = { ...process.env, KUBECONFIG: kubeconfig };
      const k = async (...args: string[]): Promise<string> => (await promisify(execFile)('kubectl', ['--cache-dir', join(dir, 'cache'), '-n', 'kubectl-ns', ...args], { env })).stdout;
      await namespace('kubectl-ns');
      await core.createNamespacedResourceQuota({ namespace: 'kubectl-ns', body: { metadata: { name: 'q' }, spec: { hard: { pods: '5' } } } });
      await apps.createNamespacedDeployment({ namespace: 'kubectl-ns', body: deployment('web', 1) });
      expect(await k('scale', 'deployment/web', '--replicas=2')).toMatch(/deployment.apps\/web scaled/);
      await sim.waitFor(() => (sim.object('deployments', 'kubectl-ns', 'web')?.status as k8s.V1DeploymentStatus | undefined)?.readyReplicas === 2);
      expect(await k('get', 'deployments')).toMatch(/^NAME\s+UP-TO-DATE\s+AVAILABLE\s+REPLICAS\s+AGE\nweb\s+2\s+2\s+2\s+/);
      expect(await k('get', 'deploy', 'web', '-o', 'jsonpath={.status.availableReplicas}')).toBe('2');
      await usedIs('kubectl-ns', 'q', { pods: '2' });
      expect(await k('get', 'resourcequota', 'q', '-o', 'jsonpath={.status.used.pods}')).toBe('2');
      expect(await k('get', 'serviceaccounts', '-o', 'name')).toBe('serviceaccount/default\n');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
