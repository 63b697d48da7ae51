/**
 * Scheduling against nodes with capacity, labels and taints, through the real @kubernetes/client-node: a pod
 * that fits nowhere stays Pending with the default scheduler's FailedScheduling message, and binds once
 * capacity frees; node groups (nodeSelector + toleration, as the executor's node_group writes them) land
 * on their nodes.
 */
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeConfigFor } from './kube-sim/client-support.ts';
import { startKubeSim, type KubeSim, type Pod } from './kube-sim/index.ts';

let sim: KubeSim;
let core: k8s.CoreV1Api;
const ns = 'default';
const GROUP = 'windsock.dev/node-group';

beforeAll(async () => {
  sim = await startKubeSim({
    defaultBehaviour: { runMs: 30, startDelayMs: 5 },
    nodes: [
      { name: 'cpu-1', capacity: { cpu: '4', memory: '16Gi', pods: 110 }, labels: { [GROUP]: 'cpu_1' } },
      { name: 'cpu-2', capacity: { cpu: '4', memory: '16Gi', pods: 110 }, labels: { [GROUP]: 'cpu_1' } },
      { name: 'gpu-1', capacity: { cpu: '8', memory: '64Gi', 'nvidia.com/gpu': '1', pods: 110 }, labels: { [GROUP]: 'gpu_1' },
        taints: [{ key: GROUP, value: 'gpu_1', effect: 'NoSchedule' }] },
    ],
  });
  core = kubeConfigFor(sim).makeApiClient(k8s.CoreV1Api);
});

afterAll(async () => {
  await sim.close();
});

function pod(name: string, requests: Record<string, string>, extra: Partial<k8s.V1PodSpec> = {}, annotations: Record<string, string> = {}): k8s.V1Pod {
  const limits = Object.fromEntries(Object.entries(requests).filter(([k]) => k.includes('/')));
  return {
    metadata: { name, annotations },
    spec: { restartPolicy: 'Never', containers: [{ name: 'base', image: 'busybox:1.36', resources: { requests, limits } }], ...extra },
  };
}

function podWhere(name: string, check: (p: Pod) => boolean): Promise<Pod> {
  return sim.waitFor(() => {
    const p = sim.pod(ns, name);
    return p !== undefined && check(p) ? p : undefined;
  }, { timeoutMs: 5000, description: `pod ${name}` });
}

const unschedulable = (p: Pod): string | undefined => p.status.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False')?.message;
const gpuPlacement = { nodeSelector: { [GROUP]: 'gpu_1' }, tolerations: [{ key: GROUP, operator: 'Equal', value: 'gpu_1', effect: 'NoSchedule' }] };

describe('scheduling against nodes', () => {
  it('leaves a pod whose requests fit nowhere Pending with the scheduler message and event', async () => {
    await core.createNamespacedPod({ namespace: ns, body: pod('huge', { cpu: '5000' }) });
    const p = await podWhere('huge', (x) => unschedulable(x) !== undefined);
    expect(p.spec.nodeName).toBeUndefined();
    expect(unschedulable(p)).toBe('0/3 nodes are available: 1 node(s) had untolerated taint {windsock.dev/node-group: gpu_1}, 2 Insufficient cpu. ' +
      'preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.');
    const events = await core.listNamespacedEvent({ namespace: ns, fieldSelector: 'involvedObject.name=huge,reason=FailedScheduling' });
    expect(events.items).toHaveLength(1);
    expect(events.items[0]?.type).toBe('Warning');
    await core.deleteNamespacedPod({ name: 'huge', namespace: ns });
  });

  it('refuses a nodeSelector that matches no node, and a taint the pod does not tolerate', async () => {
    await core.createNamespacedPod({ namespace: ns, body: pod('nowhere', { cpu: '1' }, { nodeSelector: { [GROUP]: 'cpu_intensive_9' } }) });
    const p = await podWhere('nowhere', (x) => unschedulable(x) !== undefined);
    expect(unschedulable(p)).toMatch(/^0\/3 nodes are available: 1 node\(s\) had untolerated taint \{windsock\.dev\/node-group: gpu_1\}, 2 node\(s\) didn't match Pod's node affinity\/selector\. /);
    await core.createNamespacedPod({ namespace: ns, body: pod('untolerated', { cpu: '1' }, { nodeSelector: { [GROUP]: 'gpu_1' } }) });
    const q = await podWhere('untolerated', (x) => unschedulable(x) !== undefined);
    expect(unschedulable(q)).toContain('1 node(s) had untolerated taint {windsock.dev/node-group: gpu_1}');
  });

  it('places a node group pod on its tainted node, and binds the next GPU pod when the first ends', async () => {
    await core.createNamespacedPod({ namespace: ns, body: pod('gpu-a', { cpu: '1', 'nvidia.com/gpu': '1' }, gpuPlacement, { 'sim.windsock.dev/run-ms': '400' }) });
    const a = await podWhere('gpu-a', (x) => x.status.phase === 'Running');
    expect(a.spec.nodeName).toBe('gpu-1');
    await core.createNamespacedPod({ namespace: ns, body: pod('gpu-b', { cpu: '1', 'nvidia.com/gpu': '1' }, gpuPlacement) });
    const waiting = await podWhere('gpu-b', (x) => unschedulable(x) !== undefined);
    expect(unschedulable(waiting)).toContain('1 Insufficient nvidia.com/gpu');
    const b = await podWhere('gpu-b', (x) => x.status.phase === 'Succeeded');
    expect(b.spec.nodeName).toBe('gpu-1');
    expect(sim.pod(ns, 'gpu-a')?.status.phase).toBe('Succeeded');
  });

  it('spreads what fits over the nodes that match', async () => {
    for (const n of ['spread-1', 'spread-2']) await core.createNamespacedPod({ namespace: ns, body: pod(n, { cpu: '3' }, {}, { 'sim.windsock.dev/run-ms': '200' }) });
    const nodes = await Promise.all(['spread-1', 'spread-2'].map(async (n) => (await podWhere(n, (x) => x.spec.nodeName !== undefined)).spec.nodeName));
    expect(nodes.sort()).toEqual(['cpu-1', 'cpu-2']);
  });

  it('marks the pods of a lost node Unknown with reason NodeLost, and schedules new pods elsewhere', async () => {
    await core.createNamespacedPod({ namespace: ns, body: pod('lost-1', { cpu: '1' }, { nodeSelector: { 'kubernetes.io/hostname': 'cpu-1' } }, { 'sim.windsock.dev/run-ms': 'forever' }) });
    await podWhere('lost-1', (x) => x.status.phase === 'Running');
    sim.loseNode('cpu-1');
    const lost = await podWhere('lost-1', (x) => x.status.phase === 'Unknown');
    expect(lost.status).toMatchObject({ reason: 'NodeLost', message: 'Node cpu-1 which was running pod lost-1 is unresponsive' });
    expect(lost.status.conditions?.find((c) => c.type === 'Ready')?.status).toBe('False');
    const events = await core.listNamespacedEvent({ namespace: ns, fieldSelector: 'involvedObject.name=lost-1,reason=NodeNotReady' });
    expect(events.items[0]?.source?.component).toBe('node-controller');
    await core.createNamespacedPod({ namespace: ns, body: pod('after-loss', { cpu: '3' }) });
    expect((await podWhere('after-loss', (x) => x.spec.nodeName !== undefined)).spec.nodeName).toBe('cpu-2');
    // A graceful delete waits for a kubelet that never answers; a forced one removes the pod.
    await core.deleteNamespacedPod({ name: 'lost-1', namespace: ns });
    expect(sim.pod(ns, 'lost-1')?.metadata.deletionTimestamp).toBeDefined();
    await core.deleteNamespacedPod({ name: 'lost-1', namespace: ns, gracePeriodSeconds: 0 });
    await sim.waitFor(() => sim.pod(ns, 'lost-1') === undefined, { timeoutMs: 2000 });
  });
});
