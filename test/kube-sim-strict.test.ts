/**
 * The simulator as strict as an API server, through the real @kubernetes/client-node over HTTP: pod
 * validation the schema cannot express (service account and volume names, extended resources, requests
 * above limits), server-side dry-run and field validation, the ServiceAccount admission plugin, and the
 * references that must exist for a pod to run (ConfigMaps, Secrets, PersistentVolumeClaims).
 */
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeConfigFor, statusOf } from './kube-sim/client-support.ts';
import { startKubeSim, type KubeSim, type Pod } from './kube-sim/index.ts';

let sim: KubeSim;
let kc: k8s.KubeConfig;
let core: k8s.CoreV1Api;
const ns = 'default';

beforeAll(async () => {
  sim = await startKubeSim({ defaultBehaviour: { runMs: 30, startDelayMs: 5 } });
  kc = kubeConfigFor(sim);
  core = kc.makeApiClient(k8s.CoreV1Api);
});

afterAll(async () => {
  await sim.close();
});

function pod(name: string, spec: Partial<k8s.V1PodSpec> = {}, container: Partial<k8s.V1Container> = {}): k8s.V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { restartPolicy: 'Never', containers: [{ name: 'base', image: 'busybox:1.36', ...container }], ...spec },
  };
}

async function failure(p: Promise<unknown>): Promise<ReturnType<typeof statusOf>> {
  try {
    await p;
  } catch (err) {
    return statusOf(err);
  }
  throw new Error('expected the request to fail');
}

function podWhere(name: string, check: (p: Pod) => boolean): Promise<Pod> {
  return sim.waitFor(() => {
    const p = sim.pod(ns, name);
    return p !== undefined && check(p) ? p : undefined;
  }, { timeoutMs: 5000, description: `pod ${name}` });
}

const waiting = (p: Pod): { reason?: string; message?: string } | undefined => p.status.containerStatuses?.[0]?.state?.waiting;

describe('validation: 422 Invalid with the API server causes', () => {
  it('refuses a service account name that is not a DNS-1123 subdomain', async () => {
    const s = await failure(core.createNamespacedPod({ namespace: ns, body: pod('bad-sa', { serviceAccountName: 'k8s_service_account' }) }));
    expect(s?.code).toBe(422);
    expect(s?.reason).toBe('Invalid');
    expect(s?.details?.causes).toEqual([expect.objectContaining({
      reason: 'FieldValueInvalid', field: 'spec.serviceAccountName',
      message: expect.stringMatching(/^Invalid value: "k8s_service_account": a lowercase RFC 1123 subdomain must consist of/) as unknown,
    })]);
    expect(s?.message).toMatch(/^Pod "bad-sa" is invalid: spec\.serviceAccountName: Invalid value: "k8s_service_account"/);
  });

  it('refuses duplicate volume names', async () => {
    const s = await failure(core.createNamespacedPod({ namespace: ns, body: pod('dup-vol', { volumes: [{ name: 'data', emptyDir: {} }, { name: 'data', emptyDir: {} }] }) }));
    expect(s?.code).toBe(422);
    expect(s?.details?.causes).toEqual([{ reason: 'FieldValueDuplicate', message: 'Duplicate value: "data"', field: 'spec.volumes[1].name' }]);
  });

  it('refuses a cpu limit below its request', async () => {
    const s = await failure(core.createNamespacedPod({ namespace: ns, body: pod('low-limit', {}, { resources: { requests: { cpu: '2' }, limits: { cpu: '500m' } } }) }));
    expect(s?.code).toBe(422);
    expect(s?.message).toContain('spec.containers[0].resources.requests[cpu]: Invalid value: "2": must be less than or equal to cpu limit of 500m');
  });

  it('refuses an extended resource request without an equal limit', async () => {
    const none = await failure(core.createNamespacedPod({ namespace: ns, body: pod('gpu-1', {}, { resources: { requests: { 'nvidia.com/gpu': '1' } } }) }));
    expect(none?.code).toBe(422);
    expect(none?.details?.causes).toEqual([{ reason: 'FieldValueRequired', message: 'Required value: Limit must be set for non overcommitable resources', field: 'spec.containers[0].resources.limits' }]);
    const unequal = await failure(core.createNamespacedPod({ namespace: ns, body: pod('gpu-2', {}, { resources: { requests: { 'nvidia.com/gpu': '1' }, limits: { 'nvidia.com/gpu': '2' } } }) }));
    expect((unequal?.details?.causes as { message: string }[] | undefined)?.[0]?.message).toBe('Invalid value: "1": must be equal to nvidia.com/gpu limit of 2');
    // A limit alone is fine: the request defaults to it.
    const ok = await core.createNamespacedPod({ namespace: ns, body: pod('gpu-3', {}, { resources: { limits: { 'nvidia.com/gpu': '1' } } }) });
    expect(ok.spec?.containers[0]?.resources?.requests).toEqual({ 'nvidia.com/gpu': '1' });
  });
});

describe('dry-run and field validation', () => {
  it('validates and admits a dryRun=All create without storing it', async () => {
    const dry = await core.createNamespacedPod({ namespace: ns, body: pod('dry-1'), dryRun: 'All' });
    expect(dry.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(dry.spec?.serviceAccountName).toBe('default');
    expect(sim.pod(ns, 'dry-1')).toBeUndefined();
    const bad = await failure(core.createNamespacedPod({ namespace: ns, body: pod('dry-2', { serviceAccountName: 'Bad_Name' }), dryRun: 'All' }));
    expect(bad?.code).toBe(422);
    const wrong = await failure(core.createNamespacedPod({ namespace: ns, body: pod('dry-3'), dryRun: 'Some' }));
    expect(wrong?.code).toBe(400);
  });

  it('leaves the stored object alone on a dry-run update and delete', async () => {
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'dry-cm' }, data: { a: '1' } } });
    const dry = await core.replaceNamespacedConfigMap({ name: 'dry-cm', namespace: ns, body: { metadata: { name: 'dry-cm' }, data: { a: '2' } }, dryRun: 'All' });
    expect(dry.data).toEqual({ a: '2' });
    await core.deleteNamespacedConfigMap({ name: 'dry-cm', namespace: ns, dryRun: 'All' });
    expect(sim.object('configmaps', ns, 'dry-cm')?.['data']).toEqual({ a: '1' });
  });

  it('warns about unknown fields by default and refuses them under fieldValidation=Strict', async () => {
    const path = `${sim.url}/apis/sparkoperator.k8s.io/v1beta2/namespaces/${ns}/sparkapplications`;
    const app = (name: string): string => JSON.stringify({
      apiVersion: 'sparkoperator.k8s.io/v1beta2', kind: 'SparkApplication', metadata: { name },
      spec: { type: 'Python', mode: 'cluster', image: 'spark:3.5.1', mainApplicationFile: 'local:///app.py', sparkVersion: '3.5.1', bogus: 1,
        driver: { cores: 1 }, executor: { cores: 1, instances: 1 } },
    });
    const headers = { 'Content-Type': 'application/json' };
    const warned = await fetch(`${path}?dryRun=All`, { method: 'POST', headers, body: app('strict-1') });
    expect(warned.status).toBe(201);
    expect(warned.headers.get('warning')).toContain('unknown field \\"spec.bogus\\"');
    const strict = await fetch(`${path}?fieldValidation=Strict`, { method: 'POST', headers, body: app('strict-2') });
    expect(strict.status).toBe(400);
    expect(((await strict.json()) as { message: string }).message).toContain('strict decoding error: unknown field "spec.bogus"');
  });
});

describe('unknown fields of built-in types', () => {
  it('warns by default, refuses under Strict, drops the warning under Ignore', async () => {
    const path = `${sim.url}/api/v1/namespaces/${ns}/pods`;
    const body = (name: string): string => JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, labelz: { a: 'b' } },
      spec: { restartPolicy: 'Never', containers: [{ name: 'base', image: 'busybox:1.36', resources: { limits: { cpu: '1' } }, bogus: true }] } });
    const headers = { 'Content-Type': 'application/json' };
    const warned = await fetch(path, { method: 'POST', headers, body: body('unknown-1') });
    expect(warned.status).toBe(201);
    expect(warned.headers.get('warning')).toBe('299 - "unknown field \\"metadata.labelz\\"", 299 - "unknown field \\"spec.containers[0].bogus\\""');
    const strict = await fetch(`${path}?fieldValidation=Strict`, { method: 'POST', headers, body: body('unknown-2') });
    expect(strict.status).toBe(400);
    expect(((await strict.json()) as { message: string }).message)
      .toBe('Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "metadata.labelz", unknown field "spec.containers[0].bogus"');
    expect(sim.pod(ns, 'unknown-2')).toBeUndefined();
    const ignored = await fetch(`${path}?fieldValidation=Ignore`, { method: 'POST', headers, body: body('unknown-3') });
    expect(ignored.status).toBe(201);
    expect(ignored.headers.get('warning')).toBeNull();
  });
});

describe('references that must exist', () => {
  it('refuses a pod whose service account does not exist (403, ServiceAccount admission)', async () => {
    const s = await failure(core.createNamespacedPod({ namespace: ns, body: pod('no-sa', { serviceAccountName: 'airflow-worker' }) }));
    expect(s?.code).toBe(403);
    expect(s?.reason).toBe('Forbidden');
    expect(s?.message).toBe('pods "no-sa" is forbidden: error looking up service account default/airflow-worker: serviceaccount "airflow-worker" not found');
    await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'airflow-worker' } } });
    await core.createNamespacedPod({ namespace: ns, body: pod('no-sa', { serviceAccountName: 'airflow-worker' }) });
  });

  it('holds a container in CreateContainerConfigError while its ConfigMap is missing, then runs it', async () => {
    await core.createNamespacedPod({ namespace: ns, body: pod('env-cm', {}, { env: [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'settings', key: 'a' } } }] }) });
    const stuck = await podWhere('env-cm', (p) => waiting(p)?.reason === 'CreateContainerConfigError');
    expect(waiting(stuck)?.message).toBe('configmap "settings" not found');
    expect(stuck.status.phase).toBe('Pending');
    const events = await core.listNamespacedEvent({ namespace: ns, fieldSelector: 'involvedObject.name=env-cm' });
    expect(events.items.map((e) => `${e.reason}: ${e.message}`)).toContain('Failed: Error: configmap "settings" not found');
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'settings' }, data: { b: '1' } } });
    await podWhere('env-cm', (p) => waiting(p)?.message === "couldn't find key a in ConfigMap default/settings");
    await core.replaceNamespacedConfigMap({ name: 'settings', namespace: ns, body: { metadata: { name: 'settings' }, data: { a: '1' } } });
    await podWhere('env-cm', (p) => p.status.phase === 'Succeeded');
  });

  it('does the same for envFrom Secrets, and lets optional references through', async () => {
    await core.createNamespacedPod({ namespace: ns, body: pod('env-secret', {}, { envFrom: [{ secretRef: { name: 'creds' } }] }) });
    const stuck = await podWhere('env-secret', (p) => waiting(p)?.reason === 'CreateContainerConfigError');
    expect(waiting(stuck)?.message).toBe('secret "creds" not found');
    await core.createNamespacedPod({ namespace: ns, body: pod('env-optional', { volumes: [{ name: 'x', configMap: { name: 'nope', optional: true } }] },
      { envFrom: [{ secretRef: { name: 'nope', optional: true } }], env: [{ name: 'B', valueFrom: { secretKeyRef: { name: 'nope', key: 'b', optional: true } } }] }) });
    await podWhere('env-optional', (p) => p.status.phase === 'Succeeded');
  });

  it('keeps a pod ContainerCreating with FailedMount events while a Secret volume is missing', async () => {
    await core.createNamespacedPod({ namespace: ns, body: pod('vol-secret', { volumes: [{ name: 'tls', secret: { secretName: 'tls-cert' } }] }) });
    await sim.waitFor(() => sim.events(ns).find((e) => (e['involvedObject'] as { name?: string } | undefined)?.name === 'vol-secret' && e['reason'] === 'FailedMount'), { timeoutMs: 5000 });
    const p = sim.pod(ns, 'vol-secret') as Pod;
    expect(waiting(p)?.reason).toBe('ContainerCreating');
    const events = await core.listNamespacedEvent({ namespace: ns, fieldSelector: 'involvedObject.name=vol-secret,reason=FailedMount' });
    expect(events.items[0]?.message).toBe('MountVolume.SetUp failed for volume "tls" : secret "tls-cert" not found');
    await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'tls-cert' }, stringData: { 'tls.crt': 'x' } } });
    await podWhere('vol-secret', (p) => p.status.phase === 'Succeeded');
  });

  it('leaves a pod Pending with FailedScheduling while its PersistentVolumeClaim is missing', async () => {
    await core.createNamespacedPod({ namespace: ns, body: pod('vol-pvc', { volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'scratch' } }] }) });
    const pending = await podWhere('vol-pvc', (p) => p.status.conditions?.some((c) => c.reason === 'Unschedulable') === true);
    expect(pending.spec.nodeName).toBeUndefined();
    const condition = pending.status.conditions?.find((c) => c.type === 'PodScheduled');
    expect(condition?.message).toMatch(/^0\/\d+ nodes are available: persistentvolumeclaim "scratch" not found\. preemption: /);
    const events = await core.listNamespacedEvent({ namespace: ns, fieldSelector: 'involvedObject.name=vol-pvc,reason=FailedScheduling' });
    expect(events.items[0]?.message).toContain('persistentvolumeclaim "scratch" not found');
    await core.createNamespacedPersistentVolumeClaim({ namespace: ns, body: { metadata: { name: 'scratch' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } } });
    await podWhere('vol-pvc', (p) => p.status.phase === 'Succeeded');
  });
});

describe('server-side rate limiting', () => {
  it('answers 429 TooManyRequests with Retry-After past the configured rate, and recovers', async () => {
    sim.setRateLimit({ qps: 1, burst: 3, retryAfterSeconds: 2 });
    try {
      const answers = await Promise.all(Array.from({ length: 6 }, () => fetch(`${sim.url}/api/v1/namespaces/${ns}/configmaps`)));
      const refused = answers.filter((r) => r.status === 429);
      expect(answers.filter((r) => r.status === 200).length).toBe(3);
      expect(refused.length).toBe(3);
      expect(refused[0]?.headers.get('retry-after')).toBe('2');
      expect(await refused[0]?.json()).toMatchObject({ kind: 'Status', reason: 'TooManyRequests', code: 429, message: 'Too many requests, please try again later.' });
      const s = await failure(core.listNamespacedConfigMap({ namespace: ns }));
      expect(s?.code).toBe(429);
      await new Promise((r) => setTimeout(r, 1100));
      expect((await core.listNamespacedConfigMap({ namespace: ns })).kind).toBe('ConfigMapList');
    } finally {
      sim.setRateLimit(null);
    }
  });
});
