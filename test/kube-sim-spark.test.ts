/**
 * SparkApplications on the Kubernetes simulator through client-node's CustomObjectsApi: CRD validation,
 * the fake operator's lifecycle (to COMPLETED, to FAILED, SUBMISSION_FAILED, driver pod missing), the
 * driver pod and its logs, and deletion cascading to the driver.
 */
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectWatch, kubeConfigFor, readLog, statusOf } from './kube-sim/client-support.ts';
import { DRIVER_CONTAINER, startKubeSim, type KubeSim, type SparkApplication } from './kube-sim/index.ts';

let sim: KubeSim;
let kc: k8s.KubeConfig;
let core: k8s.CoreV1Api;
let custom: k8s.CustomObjectsApi;
const ns = 'default';
const crd = { group: 'sparkoperator.k8s.io', version: 'v1beta2', plural: 'sparkapplications' };
const appsPath = `/apis/${crd.group}/${crd.version}/namespaces/${ns}/${crd.plural}`;

beforeAll(async () => {
  sim = await startKubeSim({ defaultBehaviour: { runMs: 30, startDelayMs: 5 }, spark: { submitDelayMs: 5, stepDelayMs: 5, driverPodCreationGracePeriodMs: 100 } });
  kc = kubeConfigFor(sim);
  core = kc.makeApiClient(k8s.CoreV1Api);
  custom = kc.makeApiClient(k8s.CustomObjectsApi);
  // The drivers run as `spark`: a pod naming a missing service account is refused, as by the API server.
  await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'spark' } } });
});

afterAll(async () => {
  await sim.close();
});

function app(name: string, annotations: Record<string, string> = {}, spec: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'sparkoperator.k8s.io/v1beta2',
    kind: 'SparkApplication',
    metadata: { name, namespace: ns, annotations },
    spec: {
      type: 'Python',
      mode: 'cluster',
      image: 'registry.local/sample_repo.dag2.spark_build_folder:latest',
      mainApplicationFile: 'local:///airflow/sample_repo/dags/sample_docker/scripts/main_spark.py',
      sparkVersion: '3.5.1',
      restartPolicy: { type: 'Never' },
      driver: { cores: 1, memory: '512m', serviceAccount: 'spark', labels: { dag_id: 'd', task_id: 't' } },
      executor: { instances: 1, cores: 1, memory: '512m' },
      ...spec,
    },
  };
}

function states(events: { object: { [k: string]: unknown } }[]): string[] {
  const out: string[] = [];
  for (const e of events) {
    const s = ((e.object['status'] as SparkApplication['status'])?.applicationState?.state) ?? '(none)';
    if (out.at(-1) !== s) out.push(s);
  }
  return out;
}

async function finalState(name: string): Promise<SparkApplication> {
  return sim.waitFor(() => {
    const a = sim.sparkApplication(ns, name);
    const s = a?.status?.applicationState?.state;
    return s === 'COMPLETED' || s === 'FAILED' ? a : undefined;
  });
}

describe('SparkApplications', () => {
  it('runs to COMPLETED through SUBMITTED → RUNNING → SUCCEEDING, with a driver pod and its logs', async () => {
    const w = await collectWatch(kc, appsPath, { fieldSelector: 'metadata.name=pi-ok' });
    const created = await custom.createNamespacedCustomObject({ ...crd, namespace: ns, body: app('pi-ok', { 'sim.windsock.dev/log-count': '3', 'sim.windsock.dev/log-pattern': 'Pi is roughly {i}' }) }) as SparkApplication;
    expect(created.status).toBeUndefined();
    expect(created.metadata.generation).toBe(1);
    await w.until((events) => states(events).includes('COMPLETED'));
    w.abort();
    expect(states(w.events)).toEqual(['(none)', 'SUBMITTED', 'RUNNING', 'SUCCEEDING', 'COMPLETED']);

    const status = await custom.getNamespacedCustomObjectStatus({ ...crd, namespace: ns, name: 'pi-ok' }) as SparkApplication;
    expect(status.status).toMatchObject({
      driverInfo: { podName: 'pi-ok-driver' }, submissionAttempts: 1, executionAttempts: 1,
      submissionID: expect.stringMatching(/^[0-9a-f-]{36}$/), terminationTime: expect.any(String), lastSubmissionAttemptTime: expect.any(String),
    });
    const driver = await core.readNamespacedPod({ name: 'pi-ok-driver', namespace: ns });
    expect(driver.metadata?.labels).toMatchObject({
      'spark-role': 'driver', 'sparkoperator.k8s.io/app-name': 'pi-ok', 'sparkoperator.k8s.io/submission-id': status.status?.submissionID,
      'sparkoperator.k8s.io/launched-by-spark-operator': 'true', dag_id: 'd', task_id: 't',
    });
    expect(driver.metadata?.ownerReferences).toEqual([expect.objectContaining({ kind: 'SparkApplication', name: 'pi-ok', uid: created.metadata.uid, controller: true })]);
    expect(driver.status?.phase).toBe('Succeeded');
    expect(driver.spec?.serviceAccountName).toBe('spark');
    expect(await readLog(kc, ns, 'pi-ok-driver', DRIVER_CONTAINER)).toBe('Pi is roughly 1\nPi is roughly 2\nPi is roughly 3\n');
  });

  it('deleting the application answers a Success Status and garbage-collects its driver pod', async () => {
    const res = await custom.deleteNamespacedCustomObject({ ...crd, namespace: ns, name: 'pi-ok' }) as Record<string, unknown>;
    expect(res).toMatchObject({ kind: 'Status', status: 'Success', details: { name: 'pi-ok', group: crd.group, kind: crd.plural } });
    await sim.waitFor(() => sim.pod(ns, 'pi-ok-driver') === undefined);
    const gone = await custom.getNamespacedCustomObject({ ...crd, namespace: ns, name: 'pi-ok' }).catch(statusOf);
    expect(gone).toMatchObject({ code: 404, reason: 'NotFound', message: 'sparkapplications.sparkoperator.k8s.io "pi-ok" not found', details: { group: crd.group, kind: crd.plural } });
  });

  it('fails through FAILING → FAILED with the operator\'s error message, keeping the driver\'s logs', async () => {
    await custom.createNamespacedCustomObject({ ...crd, namespace: ns, body: app('pi-fail', {}, {
      driver: { cores: 1, memory: '512m', annotations: { 'sim.windsock.dev/exit-code': '1', 'sim.windsock.dev/log-lines': 'starting\nTraceback (most recent call last):\nValueError: bad input' } },
    }) });
    const w = await collectWatch(kc, appsPath, { fieldSelector: 'metadata.name=pi-fail' });
    await w.until((events) => states(events).includes('FAILED'));
    w.abort();
    expect(states(w.events).slice(-2)).toEqual(['FAILING', 'FAILED']);
    const done = await finalState('pi-fail');
    expect(done.status?.applicationState?.errorMessage).toBe('driver container failed with ExitCode: 1, Reason: Error');
    expect(await readLog(kc, ns, 'pi-fail-driver', DRIVER_CONTAINER)).toBe('starting\nTraceback (most recent call last):\nValueError: bad input\n');
  });

  it('reports an OOMKilled driver in the error message', async () => {
    await custom.createNamespacedCustomObject({ ...crd, namespace: ns, body: app('pi-oom', { 'sim.windsock.dev/oom-killed': 'true' }) });
    const done = await finalState('pi-oom');
    expect(done.status?.applicationState).toEqual({ state: 'FAILED', errorMessage: 'driver container failed with ExitCode: 137, Reason: OOMKilled' });
  });

  it('goes SUBMISSION_FAILED → FAILED without a driver pod when submission fails', async () => {
    const w = await collectWatch(kc, appsPath, { fieldSelector: 'metadata.name=pi-nosubmit' });
    await custom.createNamespacedCustomObject({ ...crd, namespace: ns, body: app('pi-nosubmit', { 'sim.windsock.dev/submission-error': 'spark-submit exited with 1' }) });
    await w.until((events) => states(events).includes('FAILED'));
    w.abort();
    expect(states(w.events)).toEqual(['(none)', 'SUBMISSION_FAILED', 'FAILED']);
    expect(sim.sparkApplication(ns, 'pi-nosubmit')?.status?.applicationState?.errorMessage).toBe('failed to submit spark application: spark-submit exited with 1');
    expect(sim.pod(ns, 'pi-nosubmit-driver')).toBeUndefined();
  });

  it('fails with "driver pod not found" when the driver never appears within the grace period', async () => {
    await custom.createNamespacedCustomObject({ ...crd, namespace: ns, body: app('pi-nodriver', { 'sim.windsock.dev/driver-pod-missing': 'true' }) });
    const done = await finalState('pi-nodriver');
    expect(done.status?.applicationState).toEqual({ state: 'FAILED', errorMessage: 'driver pod not found' });
  });

  it('stays SUBMITTED while the driver cannot pull its image', async () => {
    await custom.createNamespacedCustomObject({ ...crd, namespace: ns, body: app('pi-pull', {}, { image: 'registry.local/spark:missing' }) });
    await sim.waitFor(() => sim.pod(ns, 'pi-pull-driver')?.status.containerStatuses?.[0]?.state?.waiting?.reason === 'ErrImagePull');
    expect(sim.sparkApplication(ns, 'pi-pull')?.status?.applicationState?.state).toBe('SUBMITTED');
  });

  it('rejects an application that does not validate against the CRD with 422 and causes', async () => {
    const bad = app('pi-bad', {}, { type: 'Go', driver: { cores: 0 } });
    delete (bad['spec'] as Record<string, unknown>)['sparkVersion'];
    const status = await custom.createNamespacedCustomObject({ ...crd, namespace: ns, body: bad }).catch(statusOf);
    expect(status).toMatchObject({ code: 422, reason: 'Invalid', details: { name: 'pi-bad', group: crd.group, kind: 'SparkApplication' } });
    expect((status as { message: string }).message).toMatch(/^SparkApplication\.sparkoperator\.k8s\.io "pi-bad" is invalid: \[/);
    const fields = ((status as { details: { causes: { field: string }[] } }).details.causes).map((c) => c.field).sort();
    expect(fields).toEqual(['spec.driver.cores', 'spec.sparkVersion', 'spec.type']);
    expect(sim.sparkApplication(ns, 'pi-bad')).toBeUndefined();
  });

  it('prunes fields the CRD does not declare, as the API server does', async () => {
    const body = app('pi-prune');
    (body['spec'] as Record<string, unknown>)['labels'] = { dag_id: 'd' };
    const created = await custom.createNamespacedCustomObject({ ...crd, namespace: ns, body }) as SparkApplication;
    expect(created.spec['labels']).toBeUndefined();
    expect(created.spec['driver']).toMatchObject({ labels: { dag_id: 'd', task_id: 't' } });
  });

  it('watches applications across namespaces', async () => {
    await core.createNamespace({ body: { metadata: { name: 'spark-jobs' } } });
    const w = await collectWatch(kc, `/apis/${crd.group}/${crd.version}/${crd.plural}`, { resourceVersion: String(sim.resourceVersion()) });
    await custom.createNamespacedCustomObject({ ...crd, namespace: 'spark-jobs', body: { ...app('pi-elsewhere'), metadata: { name: 'pi-elsewhere' } } });
    // Applications of earlier tests may still be moving (MODIFIED); the new one must arrive as ADDED.
    await w.until((events) => events.some((e) => e.type === 'ADDED' && e.object.metadata?.name === 'pi-elsewhere'));
    w.abort();
    expect(w.events.filter((e) => e.type === 'ADDED')[0]?.object.metadata).toMatchObject({ name: 'pi-elsewhere', namespace: 'spark-jobs' });
    const all = await custom.listClusterCustomObject({ ...crd }) as { items: SparkApplication[] };
    expect(all.items.map((a) => `${a.metadata.namespace}/${a.metadata.name}`)).toContain('spark-jobs/pi-elsewhere');
  });

  it('answers 409 for a duplicate application name', async () => {
    const status = await custom.createNamespacedCustomObject({ ...crd, namespace: ns, body: app('pi-prune') }).catch(statusOf);
    expect(status).toMatchObject({ code: 409, reason: 'AlreadyExists', message: 'sparkapplications.sparkoperator.k8s.io "pi-prune" already exists' });
  });
});

describe('SparkApplication restart policy and TTL', () => {
  it('reruns a failed driver under restartPolicy OnFailure (PENDING_RERUN, new submission) until the retries run out', async () => {
    const w = await collectWatch(kc, appsPath, { fieldSelector: 'metadata.name=pi-retry' });
    await custom.createNamespacedCustomObject({ ...crd, namespace: ns, body: app('pi-retry', { 'sim.windsock.dev/exit-code': '2' }, {
      restartPolicy: { type: 'OnFailure', onFailureRetries: 1, onFailureRetryInterval: 1 },
    }) });
    await w.until((events) => states(events).includes('FAILED'));
    w.abort();
    expect(states(w.events)).toEqual(['(none)', 'SUBMITTED', 'RUNNING', 'FAILING', 'PENDING_RERUN', 'SUBMITTED', 'RUNNING', 'FAILING', 'FAILED']);
    const submissions = new Set(w.events.map((e) => (e.object['status'] as SparkApplication['status'])?.submissionID).filter((s) => s !== undefined));
    expect(submissions.size).toBe(2);
    expect(sim.sparkApplication(ns, 'pi-retry')?.status).toMatchObject({ executionAttempts: 2, submissionAttempts: 2 });
    expect(sim.podCreates('pi-retry-driver', ns)).toBe(2);
  });

  it('deletes a finished application after timeToLiveSeconds', async () => {
    await custom.createNamespacedCustomObject({ ...crd, namespace: ns, body: app('pi-ttl', {}, { timeToLiveSeconds: 1 }) });
    await finalState('pi-ttl');
    await sim.waitFor(() => sim.sparkApplication(ns, 'pi-ttl') === undefined, { timeoutMs: 5000 });
    await sim.waitFor(() => sim.pod(ns, 'pi-ttl-driver') === undefined);
  });
});
