/**
 * The Kubernetes simulator against the real @kubernetes/client-node over HTTP: pods CRUD and Status
 * errors, selectors, the simulated kubelet's lifecycles, and pods/log.
 */
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeConfigFor, readLog, statusOf } from './kube-sim/client-support.ts';
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

function pod(name: string, annotations: Record<string, string> = {}, labels: Record<string, string> = {}): k8s.V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels, annotations },
    spec: { restartPolicy: 'Never', containers: [{ name: 'base', image: 'busybox:1.36', command: ['sh', '-c', 'true'] }] },
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

function finished(name: string): Promise<Pod> {
  return sim.waitFor(() => {
    const p = sim.pod(ns, name);
    return p !== undefined && (p.status.phase === 'Succeeded' || p.status.phase === 'Failed') ? p : undefined;
  });
}

describe('pods: create / get / list / delete', () => {
  it('creates with server-set fields and defaults, reads it back, lists it and deletes it', async () => {
    const created = await core.createNamespacedPod({ namespace: ns, body: pod('crud-1', { 'sim.windsock.dev/run-ms': 'forever' }) });
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number(created.metadata?.resourceVersion)).toBeGreaterThan(0);
    expect(created.metadata?.creationTimestamp).toBeInstanceOf(Date);
    expect(created.spec?.terminationGracePeriodSeconds).toBe(30);
    expect(created.spec?.serviceAccountName).toBe('default');
    expect(created.status?.phase).toBe('Pending');

    const read = await core.readNamespacedPod({ name: 'crud-1', namespace: ns });
    expect(read.metadata?.uid).toBe(created.metadata?.uid);
    const list = await core.listNamespacedPod({ namespace: ns });
    expect(list.items.map((p) => p.metadata?.name)).toContain('crud-1');
    expect(Number(list.metadata?.resourceVersion)).toBeGreaterThanOrEqual(Number(created.metadata?.resourceVersion));

    await sim.waitFor(() => sim.pod(ns, 'crud-1')?.status.phase === 'Running');
    const status = await core.readNamespacedPodStatus({ name: 'crud-1', namespace: ns });
    expect(status.status?.phase).toBe('Running');
    // Graceful deletion: the API answers with the pod carrying deletionTimestamp; the kubelet then removes it.
    const deleted = await core.deleteNamespacedPod({ name: 'crud-1', namespace: ns, gracePeriodSeconds: 5 });
    expect(deleted.metadata?.deletionTimestamp).toBeInstanceOf(Date);
    expect(deleted.metadata?.deletionGracePeriodSeconds).toBe(5);
    await sim.waitFor(() => sim.pod(ns, 'crud-1') === undefined);
    const gone = await failure(core.readNamespacedPod({ name: 'crud-1', namespace: ns }));
    expect(gone).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'pods "crud-1" not found',
      reason: 'NotFound', details: { name: 'crud-1', kind: 'pods' }, code: 404,
    });
  });

  it('generates names from generateName', async () => {
    const created = await core.createNamespacedPod({ namespace: ns, body: { ...pod(''), metadata: { generateName: 'gen-' } } });
    expect(created.metadata?.name).toMatch(/^gen-[a-z0-9]{5}$/);
  });

  it('answers 409 AlreadyExists for a duplicate name, and counts only the successful create', async () => {
    await core.createNamespacedPod({ namespace: ns, body: pod('dup-1') });
    const dup = await failure(core.createNamespacedPod({ namespace: ns, body: pod('dup-1') }));
    expect(dup).toMatchObject({ code: 409, reason: 'AlreadyExists', message: 'pods "dup-1" already exists', details: { name: 'dup-1', kind: 'pods' } });
    expect(sim.podCreates('dup-1', ns)).toBe(1);
    expect(sim.requests('create', 'pods')).toBeGreaterThanOrEqual(2);
  });

  it('rejects an invalid pod with 422 Invalid and field causes, storing nothing', async () => {
    const bad = pod('bad-1');
    bad.spec = { restartPolicy: 'Sometimes', containers: [{ name: 'base', image: 42 as unknown as string }] };
    const status = await failure(core.createNamespacedPod({ namespace: ns, body: bad }));
    expect(status.code).toBe(422);
    expect(status.reason).toBe('Invalid');
    expect(status.message).toMatch(/^Pod "bad-1" is invalid: \[/);
    const causes = (status.details as { causes: { field: string; reason: string }[] }).causes;
    expect(causes).toEqual(expect.arrayContaining([
      expect.objectContaining({ field: 'spec.containers[0].image', reason: 'FieldValueTypeInvalid' }),
      expect.objectContaining({ field: 'spec.restartPolicy', reason: 'FieldValueNotSupported' }),
    ]));
    const noContainers = await failure(core.createNamespacedPod({ namespace: ns, body: { metadata: { name: 'bad-2' }, spec: {} as k8s.V1PodSpec } }));
    expect(noContainers.message).toBe('Pod "bad-2" is invalid: spec.containers: Required value');
    const badName = await failure(core.createNamespacedPod({ namespace: ns, body: pod('Bad_Name') }));
    expect(badName.code).toBe(422);
    expect(sim.pod(ns, 'bad-1')).toBeUndefined();
  });

  it('answers 404 for a namespace that does not exist', async () => {
    const status = await failure(core.createNamespacedPod({ namespace: 'nowhere', body: pod('x') }));
    expect(status).toMatchObject({ code: 404, message: 'namespaces "nowhere" not found' });
  });

  it('merge-patches labels and annotations, and json-patches by default', async () => {
    await core.createNamespacedPod({ namespace: ns, body: pod('patch-1', {}, { a: '1' }) });
    const merged = await core.patchNamespacedPod({ name: 'patch-1', namespace: ns, body: { metadata: { labels: { b: '2', a: null } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
    expect(merged.metadata?.labels).toEqual({ b: '2' });
    const jsonPatched = await core.patchNamespacedPod({ name: 'patch-1', namespace: ns, body: [{ op: 'add', path: '/metadata/annotations/already_checked', value: 'True' }] });
    expect(jsonPatched.metadata?.annotations?.['already_checked']).toBe('True');
    const spec = await failure(core.patchNamespacedPod({ name: 'patch-1', namespace: ns, body: { spec: { restartPolicy: 'Always' } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch)));
    expect(spec).toMatchObject({ code: 422, reason: 'Invalid' });
  });

  it('creates, lists and deletes namespaces; a deleted namespace takes its pods with it', async () => {
    await core.createNamespace({ body: { metadata: { name: 'team-a' } } });
    await core.createNamespacedPod({ namespace: 'team-a', body: pod('in-ns', { 'sim.windsock.dev/run-ms': 'forever' }) });
    const names = (await core.listNamespace()).items.map((n) => n.metadata?.name);
    expect(names).toEqual(expect.arrayContaining(['default', 'team-a']));
    const terminating = await core.deleteNamespace({ name: 'team-a' });
    expect((terminating as k8s.V1Namespace).status?.phase).toBe('Terminating');
    await sim.waitFor(() => !sim.namespaces().includes('team-a'));
    expect(sim.pods('team-a')).toEqual([]);
    await expect(core.readNamespace({ name: 'team-a' })).rejects.toMatchObject({ code: 404 });
  });
});

describe('selectors', () => {
  beforeAll(async () => {
    const forever = { 'sim.windsock.dev/run-ms': 'forever' };
    await core.createNamespacedPod({ namespace: ns, body: pod('sel-a', forever, { dag_id: 'd1', task_id: 't1', try_number: '1' }) });
    await core.createNamespacedPod({ namespace: ns, body: pod('sel-b', forever, { dag_id: 'd1', task_id: 't2', already_checked: 'True' }) });
    await core.createNamespacedPod({ namespace: ns, body: pod('sel-c', { 'sim.windsock.dev/exit-code': '0' }, { dag_id: 'd2' }) });
    await sim.waitFor(() => sim.pod(ns, 'sel-c')?.status.phase === 'Succeeded' && sim.pod(ns, 'sel-a')?.status.phase === 'Running');
  });

  async function names(labelSelector?: string, fieldSelector?: string): Promise<string[]> {
    const list = await core.listNamespacedPod({ namespace: ns, ...(labelSelector === undefined ? {} : { labelSelector }), ...(fieldSelector === undefined ? {} : { fieldSelector }) });
    return list.items.map((p) => p.metadata?.name as string).filter((n) => n.startsWith('sel-'));
  }

  it('filters by label selectors (=, ==, !=, in, notin, exists, !exists)', async () => {
    expect(await names('dag_id=d1')).toEqual(['sel-a', 'sel-b']);
    expect(await names('dag_id==d2')).toEqual(['sel-c']);
    expect(await names('dag_id=d1,already_checked!=True')).toEqual(['sel-a']);
    expect(await names('task_id in (t1,t2)')).toEqual(['sel-a', 'sel-b']);
    expect(await names('dag_id notin (d1)')).toEqual(['sel-c']);
    expect(await names('try_number')).toEqual(['sel-a']);
    expect(await names('dag_id,!task_id')).toEqual(['sel-c']);
  });

  it('filters by field selectors (metadata.name, metadata.namespace, status.phase, spec.nodeName)', async () => {
    expect(await names(undefined, 'metadata.name=sel-b')).toEqual(['sel-b']);
    expect(await names(undefined, 'status.phase=Running')).toEqual(['sel-a', 'sel-b']);
    expect(await names('dag_id', 'status.phase!=Running,metadata.namespace=default')).toEqual(['sel-c']);
    expect(await names('dag_id', 'spec.nodeName=kube-sim-node-1')).toEqual(['sel-a', 'sel-b', 'sel-c']);
    const all = await core.listPodForAllNamespaces({ labelSelector: 'dag_id=d2' });
    expect(all.items.map((p) => p.metadata?.name)).toEqual(['sel-c']);
  });

  it('answers 400 for an unsupported field', async () => {
    const status = await failure(core.listNamespacedPod({ namespace: ns, fieldSelector: 'spec.foo=bar' }));
    expect(status).toMatchObject({ code: 400, reason: 'BadRequest', message: 'field label not supported: spec.foo' });
  });
});

describe('the simulated kubelet', () => {
  it('runs a pod to success through Pending → Running → Succeeded with full container statuses', async () => {
    await core.createNamespacedPod({ namespace: ns, body: pod('ok-1', { 'sim.windsock.dev/run-ms': '40' }) });
    const running = await sim.waitFor(() => (sim.pod(ns, 'ok-1')?.status.phase === 'Running' ? sim.pod(ns, 'ok-1') : undefined));
    expect(running.status.containerStatuses?.[0]).toMatchObject({ name: 'base', ready: true, state: { running: { startedAt: expect.any(String) } } });
    expect(running.status.podIP).toMatch(/^10\.244\./);
    expect(running.spec.nodeName).toBe('kube-sim-node-1');
    const done = await finished('ok-1');
    expect(done.status.phase).toBe('Succeeded');
    expect(done.status.containerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 0, reason: 'Completed', startedAt: expect.any(String), finishedAt: expect.any(String) });
    expect(done.status.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'PodCompleted' });
  });

  it('fails a pod with its exit code and termination message', async () => {
    await core.createNamespacedPod({ namespace: ns, body: pod('fail-1', { 'sim.windsock.dev/exit-code': '3', 'sim.windsock.dev/termination-message': 'boom' }) });
    await finished('fail-1');
    const read = await core.readNamespacedPod({ name: 'fail-1', namespace: ns });
    expect(read.status?.phase).toBe('Failed');
    expect(read.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 3, reason: 'Error', message: 'boom' });
  });

  it('OOMKills a container: exit 137, reason OOMKilled', async () => {
    await core.createNamespacedPod({ namespace: ns, body: pod('oom-1', { 'sim.windsock.dev/oom-killed': 'true' }) });
    const done = await finished('oom-1');
    expect(done.status.phase).toBe('Failed');
    expect(done.status.containerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 137, reason: 'OOMKilled' });
  });

  it('fails to pull a missing image: ErrImagePull then ImagePullBackOff, with messages and events', async () => {
    const body = pod('pull-1', { 'sim.windsock.dev/pull-backoff-ms': '20' });
    (body.spec as k8s.V1PodSpec).containers[0] = { name: 'base', image: 'registry.local/team/app:missing' };
    await core.createNamespacedPod({ namespace: ns, body });
    const reasons = new Set<string>();
    await sim.waitFor(() => {
      const w = sim.pod(ns, 'pull-1')?.status.containerStatuses?.[0]?.state?.waiting;
      if (w?.reason !== undefined) reasons.add(w.reason);
      return reasons.has('ErrImagePull') && reasons.has('ImagePullBackOff');
    });
    const read = await core.readNamespacedPod({ name: 'pull-1', namespace: ns });
    expect(read.status?.phase).toBe('Pending');
    expect(read.status?.containerStatuses?.[0]?.state?.waiting?.message).toMatch(/registry\.local\/team\/app:missing/);
    const events = await core.listNamespacedEvent({ namespace: ns, fieldSelector: 'involvedObject.name=pull-1,reason=Failed' });
    const pull = events.items.find((e) => e.message?.startsWith('Failed to pull image'));
    expect(pull?.message).toMatch(/^Failed to pull image "registry.local\/team\/app:missing"/);
    expect(pull?.type).toBe('Warning');
    // As the kubelet does: a Pulling event per attempt and the "Error: <reason>" companion of each failure.
    expect(events.items.map((e) => e.message)).toContain('Error: ErrImagePull');
    const pulling = await core.listNamespacedEvent({ namespace: ns, fieldSelector: 'involvedObject.name=pull-1,reason=Pulling' });
    expect(pulling.items[0]?.message).toBe('Pulling image "registry.local/team/app:missing"');
  });

  it('keeps an unschedulable pod Pending with PodScheduled=False/Unschedulable and its message', async () => {
    await core.createNamespacedPod({ namespace: ns, body: pod('unsched-1', { 'sim.windsock.dev/unschedulable': '0/3 nodes are available: 3 node(s) didn\'t match Pod\'s node affinity/selector.' }) });
    await sim.waitFor(() => sim.pod(ns, 'unsched-1')?.status.conditions?.length === 1);
    const read = await core.readNamespacedPod({ name: 'unsched-1', namespace: ns });
    expect(read.status?.phase).toBe('Pending');
    expect(read.spec?.nodeName).toBeUndefined();
    expect(read.status?.conditions).toEqual([expect.objectContaining({ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: expect.stringMatching(/^0\/3 nodes are available/) })]);
  });

  it('reports CreateContainerConfigError, including for a mistyped sim annotation', async () => {
    await core.createNamespacedPod({ namespace: ns, body: pod('cfg-1', { 'sim.windsock.dev/config-error': 'secret "db-creds" not found' }) });
    await core.createNamespacedPod({ namespace: ns, body: pod('cfg-2', { 'sim.windsock.dev/exit-cod': '1' }) });
    const waiting = (name: string): Promise<k8s.V1ContainerStateWaiting> => sim.waitFor(() => {
      const w = sim.pod(ns, name)?.status.containerStatuses?.[0]?.state?.waiting;
      return w?.reason === 'CreateContainerConfigError' ? w : undefined;
    });
    expect((await waiting('cfg-1')).message).toBe('secret "db-creds" not found');
    expect((await waiting('cfg-2')).message).toBe('kube-sim: unknown annotation sim.windsock.dev/exit-cod');
  });

  it('applies simulator-wide defaults and image rules to pods whose manifests say nothing', async () => {
    sim.addImageRule('example/flaky', { exitCode: 7 });
    const body = pod('rule-1');
    (body.spec as k8s.V1PodSpec).containers[0] = { name: 'base', image: 'example/flaky:2' };
    await core.createNamespacedPod({ namespace: ns, body });
    const done = await finished('rule-1');
    expect(done.status.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(7);
  });
});

describe('pods/log', () => {
  it('follows all lines in order as they are written and ends when the container terminates', async () => {
    await core.createNamespacedPod({ namespace: ns, body: pod('log-1', { 'sim.windsock.dev/log-count': '20', 'sim.windsock.dev/log-pattern': 'step {i}/{n}', 'sim.windsock.dev/log-interval-ms': '20' }) });
    await sim.waitFor(() => sim.pod(ns, 'log-1')?.status.phase === 'Running');
    const linesBefore = sim.podLog(ns, 'log-1')?.length ?? 0;
    const text = await readLog(kc, ns, 'log-1', 'base', { follow: true });
    expect(linesBefore).toBeLessThan(20);
    expect(text).toBe(Array.from({ length: 20 }, (_, i) => `step ${i + 1}/20\n`).join(''));
    expect(sim.pod(ns, 'log-1')?.status.containerStatuses?.[0]?.state?.terminated).toBeDefined();
  });

  it('honours timestamps, tailLines, sinceTime and limitBytes', async () => {
    await core.createNamespacedPod({ namespace: ns, body: pod('log-2', { 'sim.windsock.dev/log-count': '5', 'sim.windsock.dev/log-interval-ms': '5' }) });
    await finished('log-2');
    const stamped = (await readLog(kc, ns, 'log-2', 'base', { timestamps: true })).trimEnd().split('\n');
    expect(stamped).toHaveLength(5);
    expect(stamped[0]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z line 1$/);
    expect(await readLog(kc, ns, 'log-2', 'base', { tailLines: 2 })).toBe('line 4\nline 5\n');
    const third = (stamped[2] as string).split(' ')[0] as string;
    expect(await readLog(kc, ns, 'log-2', 'base', { sinceTime: third })).toBe('line 3\nline 4\nline 5\n');
    expect(await readLog(kc, ns, 'log-2', 'base', { limitBytes: 9 })).toBe('line 1\nli');
  });

  it('answers 400 for a waiting container, a wrong container name and previous; 404 once the pod is gone', async () => {
    const status = async (name: string, container: string, options: k8s.LogOptions = {}): Promise<number> => {
      try {
        await readLog(kc, ns, name, container, options);
        return 200;
      } catch (err) {
        return (err as k8s.ApiException<unknown>).code;
      }
    };
    expect(await status('cfg-1', 'base')).toBe(400);
    expect(await status('log-2', 'nope')).toBe(400);
    expect(await status('log-2', 'base', { previous: true })).toBe(400);
    const text = await core.readNamespacedPodLog({ name: 'cfg-1', namespace: ns, container: 'base' }).catch((err: unknown) => statusOf(err));
    expect(text).toMatchObject({ code: 400, message: 'container "base" in pod "cfg-1" is waiting to start: CreateContainerConfigError' });
    await core.deleteNamespacedPod({ name: 'log-2', namespace: ns });
    expect(sim.pod(ns, 'log-2')).toBeUndefined();
    expect(await status('log-2', 'base')).toBe(404);
  });
});
