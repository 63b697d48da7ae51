/**
 * Fault injection and instrumentation of the Kubernetes simulator, as the real client-node sees them:
 * injected 429 / 500 / 503 and dropped connections, latency, request counters and in-flight peaks,
 * dropped log streams resumed with sinceTime, and the same controls over the /_sim/ HTTP API.
 */
import { PassThrough } from 'node:stream';
import * as k8s from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { kubeConfigFor, readLog, statusOf } from './kube-sim/client-support.ts';
import { startKubeSim, type KubeSim } from './kube-sim/index.ts';

let sim: KubeSim;
let kc: k8s.KubeConfig;
let core: k8s.CoreV1Api;
const ns = 'default';

beforeAll(async () => {
  sim = await startKubeSim({ defaultBehaviour: { runMs: 20, startDelayMs: 5 } });
  kc = kubeConfigFor(sim);
  core = kc.makeApiClient(k8s.CoreV1Api);
});

afterEach(() => {
  sim.clearFaults();
});

afterAll(async () => {
  await sim.close();
});

function pod(name: string, annotations: Record<string, string> = {}): k8s.V1Pod {
  return { metadata: { name, annotations }, spec: { restartPolicy: 'Never', containers: [{ name: 'base', image: 'busybox:1.36' }] } };
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected the request to fail');
}

describe('fault injection', () => {
  it('answers the next N matching requests with 429 TooManyRequests and Retry-After, then recovers', async () => {
    sim.resetCounters();
    sim.failNext({ verb: 'create', resource: 'pods' }, { status: 429, retryAfterSeconds: 2 }, 2);
    for (let i = 0; i < 2; i++) {
      const err = await rejection(core.createNamespacedPod({ namespace: ns, body: pod('throttled-1') })) as k8s.ApiException<string>;
      expect(err.code).toBe(429);
      expect(err.headers['retry-after']).toBe('2');
      expect(statusOf(err)).toMatchObject({ reason: 'TooManyRequests', details: { retryAfterSeconds: 2 } });
    }
    await core.createNamespacedPod({ namespace: ns, body: pod('throttled-1') });
    expect(sim.requests('create', 'pods')).toBe(3);
    expect(sim.podCreates('throttled-1')).toBe(1);
  });

  it('injects 500 and 503 only into the matching verb and resource', async () => {
    sim.failNext({ verb: 'get', resource: 'pods', name: 'throttled-1' }, { status: 500 });
    sim.failNext({ verb: 'list', resource: 'pods' }, { status: 503, retryAfterSeconds: 1 });
    await core.listNamespace();
    const e500 = await rejection(core.readNamespacedPod({ name: 'throttled-1', namespace: ns }));
    expect(statusOf(e500)).toMatchObject({ code: 500, reason: 'InternalError' });
    const e503 = await rejection(core.listNamespacedPod({ namespace: ns })) as k8s.ApiException<string>;
    expect(statusOf(e503)).toMatchObject({ code: 503, reason: 'ServiceUnavailable' });
    expect(e503.headers['retry-after']).toBe('1');
    await expect(core.readNamespacedPod({ name: 'throttled-1', namespace: ns })).resolves.toBeDefined();
  });

  it('drops the connection before handling (nothing created) or after (created, but the client never hears)', async () => {
    sim.failNext({ verb: 'create', resource: 'pods' }, { drop: 'before' });
    const before = await rejection(core.createNamespacedPod({ namespace: ns, body: pod('dropped-1') }));
    expect(before).not.toBeInstanceOf(k8s.ApiException);
    expect(sim.pod(ns, 'dropped-1')).toBeUndefined();

    sim.failNext({ verb: 'create', resource: 'pods' }, { drop: 'after' });
    const after = await rejection(core.createNamespacedPod({ namespace: ns, body: pod('dropped-2') }));
    expect(after).not.toBeInstanceOf(k8s.ApiException);
    expect(sim.pod(ns, 'dropped-2')).toBeDefined();
    expect(sim.podCreates('dropped-2', ns)).toBe(1);
    const retry = await rejection(core.createNamespacedPod({ namespace: ns, body: pod('dropped-2') }));
    expect(statusOf(retry)).toMatchObject({ code: 409, reason: 'AlreadyExists' });
  });

  it('adds latency to matching requests, observed by the client', async () => {
    const undo = sim.addLatency({ verb: 'create', resource: 'pods' }, 400);
    const t0 = performance.now();
    await core.createNamespacedPod({ namespace: ns, body: pod('slow-1') });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(395);
    undo();
    const t1 = performance.now();
    await core.createNamespacedPod({ namespace: ns, body: pod('slow-2') });
    expect(performance.now() - t1).toBeLessThan(395);
  });

  it('counts concurrent requests in flight and their peak', async () => {
    sim.resetCounters();
    sim.addLatency({ verb: 'get', resource: 'pods' }, 100);
    const reads = Array.from({ length: 6 }, () => core.readNamespacedPod({ name: 'slow-1', namespace: ns }));
    await sim.waitFor(() => sim.counters().inFlight === 6);
    await Promise.all(reads);
    await sim.waitFor(() => sim.counters().inFlight === 0);
    expect(sim.counters()).toMatchObject({ peakInFlight: 6, requests: { 'get pods': 6 } });
  });
});

describe('log streams', () => {
  it('can be dropped mid-follow and resumed with sinceTime without losing or repeating lines', async () => {
    await core.createNamespacedPod({ namespace: ns, body: pod('stream-1', { 'sim.windsock.dev/log-count': '30', 'sim.windsock.dev/log-interval-ms': '10' }) });
    await sim.waitFor(() => sim.pod(ns, 'stream-1')?.status.phase === 'Running');
    const out = new PassThrough();
    let text = '';
    out.on('data', (c: Buffer) => {
      text += c.toString('utf8');
    });
    const ended = new Promise((resolve) => out.on('end', resolve));
    await new k8s.Log(kc).log(ns, 'stream-1', 'base', out, { follow: true, timestamps: true });
    await sim.waitFor(() => (sim.podLog(ns, 'stream-1')?.length ?? 0) >= 5 && sim.openLogStreams() === 1);
    expect(sim.dropLogStreams('end')).toBe(1);
    await ended;
    const firstPart = text.trimEnd().split('\n');
    expect(firstPart.length).toBeLessThan(30);
    const lastTimestamp = (firstPart.at(-1) as string).split(' ')[0] as string;
    const rest = (await readLog(kc, ns, 'stream-1', 'base', { follow: true, timestamps: true, sinceTime: lastTimestamp })).trimEnd().split('\n');
    // sinceTime is inclusive: the last line seen comes again and is skipped by its timestamp.
    expect(rest[0]).toBe(firstPart.at(-1));
    const lines = [...firstPart, ...rest.slice(1)].map((l) => l.slice(l.indexOf(' ') + 1));
    expect(lines).toEqual(Array.from({ length: 30 }, (_, i) => `line ${i + 1}`));
  });
});

describe('the /_sim/ control API', () => {
  it('injects faults, reads counters and expires the watch window over HTTP', async () => {
    const post = (path: string, body: unknown): Promise<Response> => fetch(`${sim.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post('/_sim/faults/errors', { match: { verb: 'delete', resource: 'pods' }, error: { status: 503 }, count: 1 })).status).toBe(200);
    const err = await rejection(core.deleteNamespacedPod({ name: 'slow-2', namespace: ns }));
    expect(statusOf(err).code).toBe(503);
    const counters = await (await fetch(`${sim.url}/_sim/counters`)).json() as { requests: Record<string, number> };
    expect(counters.requests['delete pods']).toBe(1);
    const bad = await post('/_sim/faults/errors', { match: { verb: 'frobnicate' }, error: { status: 503 } });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'INVALID_OPTIONS' });
    expect((await post('/_sim/expire-watch-window', {})).status).toBe(200);
    const state = await (await fetch(`${sim.url}/_sim/state`)).json() as { pods: { metadata: { name: string } }[] };
    expect(state.pods.map((p) => p.metadata.name)).toContain('slow-2');
  });
});
