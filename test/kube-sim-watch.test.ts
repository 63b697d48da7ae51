/**
 * Watches on the Kubernetes simulator through client-node's Watch: event order, selectors, resume from a
 * resourceVersion, 410 Gone after the window expires, bookmarks, timeouts and dropped connections.
 */
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectWatch, kubeConfigFor, type WatchEvent } from './kube-sim/client-support.ts';
import { startKubeSim, type KubeSim } from './kube-sim/index.ts';

let sim: KubeSim;
let kc: k8s.KubeConfig;
let core: k8s.CoreV1Api;
const ns = 'default';
const podsPath = `/api/v1/namespaces/${ns}/pods`;

beforeAll(async () => {
  sim = await startKubeSim({ defaultBehaviour: { runMs: 20, startDelayMs: 5 }, bookmarkIntervalMs: 50 });
  kc = kubeConfigFor(sim);
  core = kc.makeApiClient(k8s.CoreV1Api);
});

afterAll(async () => {
  await sim.close();
});

function pod(name: string, labels: Record<string, string> = {}, annotations: Record<string, string> = {}): k8s.V1Pod {
  return { metadata: { name, labels, annotations }, spec: { restartPolicy: 'Never', containers: [{ name: 'base', image: 'busybox:1.36' }] } };
}

function summary(events: WatchEvent[], name: string): string[] {
  return events.filter((e) => e.object.metadata?.name === name).map((e) => {
    const phase = (e.object['status'] as { phase?: string } | undefined)?.phase;
    return `${e.type}${phase === undefined ? '' : ` ${phase}`}`;
  });
}

describe('watch', () => {
  it('delivers ADDED, MODIFIED… and DELETED in resourceVersion order', async () => {
    const list = await core.listNamespacedPod({ namespace: ns });
    const w = await collectWatch(kc, podsPath, { resourceVersion: list.metadata?.resourceVersion, labelSelector: 'w=order' });
    await core.createNamespacedPod({ namespace: ns, body: pod('order-1', { w: 'order' }) });
    await sim.waitFor(() => sim.pod(ns, 'order-1')?.status.phase === 'Succeeded');
    await core.deleteNamespacedPod({ name: 'order-1', namespace: ns });
    await w.until((events) => events.some((e) => e.type === 'DELETED'));
    w.abort();
    const s = summary(w.events, 'order-1');
    expect(s[0]).toBe('ADDED Pending');
    expect(s.at(-1)).toBe('DELETED Succeeded');
    expect(s).toContain('MODIFIED Running');
    expect(s).toContain('MODIFIED Succeeded');
    expect(s.indexOf('MODIFIED Running')).toBeLessThan(s.indexOf('MODIFIED Succeeded'));
    const rvs = w.events.map((e) => Number(e.object.metadata?.resourceVersion));
    expect(rvs).toEqual([...rvs].sort((a, b) => a - b));
    expect(new Set(rvs).size).toBe(rvs.length);
  });

  it('starts with synthetic ADDED events without a resourceVersion, and filters by field selector', async () => {
    await core.createNamespacedPod({ namespace: ns, body: pod('initial-1', {}, { 'sim.windsock.dev/run-ms': 'forever' }) });
    const w = await collectWatch(kc, podsPath, { fieldSelector: 'metadata.name=initial-1' });
    await w.until((events) => events.length >= 1);
    w.abort();
    expect(w.events[0]).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'initial-1' } } });
    expect(w.events.every((e) => e.object.metadata?.name === 'initial-1')).toBe(true);
  });

  it('sends DELETED to a watcher when an object stops matching its selector, ADDED when it starts', async () => {
    await core.createNamespacedPod({ namespace: ns, body: pod('relabel-1', { stage: 'a' }, { 'sim.windsock.dev/run-ms': 'forever' }) });
    const rv = (await core.listNamespacedPod({ namespace: ns })).metadata?.resourceVersion;
    const w = await collectWatch(kc, podsPath, { resourceVersion: rv, labelSelector: 'stage=b' });
    const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
    await core.patchNamespacedPod({ name: 'relabel-1', namespace: ns, body: { metadata: { labels: { stage: 'b' } } } }, merge);
    await core.patchNamespacedPod({ name: 'relabel-1', namespace: ns, body: { metadata: { labels: { stage: 'c' } } } }, merge);
    await w.until((events) => events.length >= 2);
    w.abort();
    expect(w.events.map((e) => e.type)).toEqual(['ADDED', 'DELETED']);
  });

  it('resumes from a resourceVersion: replays exactly the events after it', async () => {
    await core.createNamespacedPod({ namespace: ns, body: pod('resume-1', { w: 'resume' }) });
    await sim.waitFor(() => sim.pod(ns, 'resume-1')?.status.phase === 'Succeeded');
    const first = await collectWatch(kc, podsPath, { resourceVersion: '1', labelSelector: 'w=resume' });
    await first.until((events) => summary(events, 'resume-1').includes('MODIFIED Succeeded'));
    first.abort();
    const cut = first.events[1] as WatchEvent;
    const resumed = await collectWatch(kc, podsPath, { resourceVersion: cut.object.metadata?.resourceVersion, labelSelector: 'w=resume' });
    await resumed.until((events) => summary(events, 'resume-1').includes('MODIFIED Succeeded'));
    resumed.abort();
    expect(resumed.events.map((e) => e.object.metadata?.resourceVersion)).toEqual(first.events.slice(2).map((e) => e.object.metadata?.resourceVersion));
  });

  it('answers an expired resourceVersion with an ERROR event carrying 410 Expired, then ends the stream', async () => {
    const list = await core.listNamespacedPod({ namespace: ns });
    const rv = list.metadata?.resourceVersion as string;
    sim.expireWatchWindow();
    const w = await collectWatch(kc, podsPath, { resourceVersion: rv });
    expect(await w.done).toBeNull();
    expect(w.events).toHaveLength(1);
    expect(w.events[0]).toMatchObject({ type: 'ERROR', object: { kind: 'Status', status: 'Failure', reason: 'Expired', code: 410 } });
    expect(w.events[0]?.object['message']).toMatch(new RegExp(`^too old resource version: ${rv} \\(\\d+\\)$`));
    // After a relist, watching from the new resourceVersion works.
    const relisted = await core.listNamespacedPod({ namespace: ns });
    const again = await collectWatch(kc, podsPath, { resourceVersion: relisted.metadata?.resourceVersion, labelSelector: 'w=after-expiry' });
    await core.createNamespacedPod({ namespace: ns, body: pod('after-expiry-1', { w: 'after-expiry' }) });
    await again.until((events) => events.some((e) => e.type === 'ADDED'));
    again.abort();
  });

  it('the informer relists after 410 and carries on', async () => {
    const informer = k8s.makeInformer(kc, podsPath, () => core.listNamespacedPod({ namespace: ns, labelSelector: 'w=informer' }), 'w=informer');
    const added: string[] = [];
    const addedName = (name: string): Promise<void> => new Promise((resolve) => informer.on('add', (p) => {
      if (p.metadata?.name === name) resolve();
    }));
    informer.on('add', (p) => added.push(p.metadata?.name as string));
    await informer.start();
    const first = addedName('inf-1');
    await core.createNamespacedPod({ namespace: ns, body: pod('inf-1', { w: 'informer' }) });
    await first;
    await sim.waitFor(() => sim.openWatches() === 1);
    sim.expireWatchWindow();
    sim.dropWatches('end');
    const second = addedName('inf-2');
    await core.createNamespacedPod({ namespace: ns, body: pod('inf-2', { w: 'informer' }) });
    await second;
    await informer.stop();
    expect(added).toEqual(['inf-1', 'inf-2']);
  });

  it('sends BOOKMARK events with the current resourceVersion when allowed', async () => {
    const w = await collectWatch(kc, podsPath, { allowWatchBookmarks: true, labelSelector: 'none=here' });
    await w.until((events) => events.filter((e) => e.type === 'BOOKMARK').length >= 2);
    w.abort();
    const b = w.events[0] as WatchEvent;
    expect(b.object).toEqual({ kind: 'Pod', apiVersion: 'v1', metadata: { resourceVersion: expect.stringMatching(/^\d+$/) } });
    const plain = await collectWatch(kc, podsPath, { labelSelector: 'none=here', timeoutSeconds: 1 });
    expect(await plain.done).toBeNull();
    expect(plain.events.filter((e) => e.type === 'BOOKMARK')).toEqual([]);
  });

  it('marks the end of the initial events with a bookmark (sendInitialEvents)', async () => {
    const w = await collectWatch(kc, podsPath, { allowWatchBookmarks: true, sendInitialEvents: true, resourceVersionMatch: 'NotOlderThan', fieldSelector: 'metadata.name=initial-1' });
    await w.until((events) => events.some((e) => e.type === 'BOOKMARK'));
    w.abort();
    expect(w.events[0]?.type).toBe('ADDED');
    expect(w.events[1]?.object.metadata?.annotations).toEqual({ 'k8s.io/initial-events-end': 'true' });
  });

  it('ends the watch after timeoutSeconds', async () => {
    const started = Date.now();
    const w = await collectWatch(kc, podsPath, { timeoutSeconds: 1, labelSelector: 'none=here' });
    expect(await w.done).toBeNull();
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('can drop every open watch, which the client sees as an error', async () => {
    // (Other watches may still be open: client-node's informer can re-watch after stop() when stopped mid-reconnect.)
    const before = sim.openWatches();
    const w = await collectWatch(kc, podsPath, { labelSelector: 'none=here' });
    await sim.waitFor(() => sim.openWatches() === before + 1);
    expect(sim.dropWatches()).toBe(before + 1);
    expect(sim.openWatches()).toBe(0);
    expect(await w.done).toBeInstanceOf(Error);
  });

  it('watches all namespaces', async () => {
    await core.createNamespace({ body: { metadata: { name: 'other' } } });
    const w = await collectWatch(kc, '/api/v1/pods', { labelSelector: 'w=all' });
    await core.createNamespacedPod({ namespace: 'other', body: pod('all-1', { w: 'all' }) });
    await core.createNamespacedPod({ namespace: ns, body: pod('all-2', { w: 'all' }) });
    await w.until((events) => events.filter((e) => e.type === 'ADDED').length === 2);
    w.abort();
    expect(w.events.filter((e) => e.type === 'ADDED').map((e) => `${e.object.metadata?.['namespace' as 'name']}/${e.object.metadata?.name}`)).toEqual(['other/all-1', 'default/all-2']);
  });
});
