/**
 * The pod executor's Kubernetes behaviour beyond the conformance suite, against the simulator with the real
 * client: pending reasons explained and the startup timeout, OOMKilled, log streams cut mid-way (no line lost
 * or repeated), one watch per namespace resumed after 410 Gone, transient API errors retried without a
 * duplicate pod, the deletion policy, and adoption of a pod whose worker died.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KubernetesExecutor, type KubernetesOptions } from '@windsock/executors';
import { startKubeSim, type KubeSim } from './kube-sim/index.ts';
import { kubeConfigFor } from './kube-sim/client-support.ts';
import { launchFor, MemorySink } from './executor-conformance.ts';
import { behaviour } from './k8s-support.ts';

let sim: KubeSim;
const executors: KubernetesExecutor[] = [];
beforeAll(async () => { sim = await startKubeSim(); });
afterEach(async () => { sim.clearFaults(); await Promise.all(executors.splice(0).map((e) => e.close())); });
afterAll(async () => { await sim?.close(); });

function executor(o: Partial<KubernetesOptions> = {}): KubernetesExecutor {
  const e = new KubernetesExecutor(kubeConfigFor(sim), { qps: 500, burst: 500, ...o });
  executors.push(e);
  return e;
}

const pod = (args: Record<string, unknown>) => ({ kind: 'pod' as const, operator: 'KubernetesPodOperator', args: { image: 'busybox:1.36', cmds: ['true'], ...args } });
const podName = (externalId: string | null) => externalId!.split('/')[1]!;

describe('pending pods and how containers end', () => {
  it('fails an image that cannot be pulled at once (not at the startup timeout), deleting the pod', async () => {
    const sink = new MemorySink();
    const h = await executor().start(launchFor(pod({ image: 'registry.example.com/ml/train:missing', startup_timeout_seconds: 60 })), sink);
    const r = await h.result;
    expect(r.outcome).toBe('failed');
    expect(['ImagePullBackOff', 'ErrImagePull']).toContain(r.reason);
    expect(sink.lines.some((l) => /docker image cannot be pulled, unable to start: container base: (ErrImagePull|ImagePullBackOff)/.test(l))).toBe(true);
    expect(sink.lines.some((l) => l.includes('took longer than'))).toBe(false);
    await sim.waitFor(() => sim.pod('default', podName(h.externalId)) === undefined || sim.pod('default', podName(h.externalId))?.metadata.deletionTimestamp, { timeoutMs: 5000 });
  });

  it('explains an unschedulable pod with the scheduler\'s message', async () => {
    const sink = new MemorySink();
    const h = await executor().start(launchFor(pod({ startup_timeout_seconds: 1, annotations: { 'sim.windsock.dev/unschedulable': '0/3 nodes are available: 3 Insufficient nvidia.com/gpu.' } })), sink);
    const r = await h.result;
    expect(r).toMatchObject({ outcome: 'failed', reason: 'Unschedulable' });
    expect(sink.lines).toContain(`Pod ${podName(h.externalId)} is pending: Unschedulable: 0/3 nodes are available: 3 Insufficient nvidia.com/gpu.`);
  });

  it('an OOMKilled container fails the try with exit code 137 and the reason, in the result and the log', async () => {
    const sink = new MemorySink();
    const h = await executor().start(launchFor(pod({ annotations: { 'sim.windsock.dev/oom-killed': 'true', 'sim.windsock.dev/log-lines': '["allocating"]' } })), sink);
    expect(await h.result).toEqual({ outcome: 'failed', exitCode: 137, reason: 'OOMKilled' });
    expect(sink.lines.some((l) => l.includes('exit code 137, reason OOMKilled'))).toBe(true);
  });
});

describe('logs', () => {
  it.each(['destroy', 'end'] as const)('a log stream cut mid-way (%s) resumes without losing or repeating a line', async (mode) => {
    const lines = Array.from({ length: 120 }, (_, i) => `row ${i + 1}`);
    const sink = new MemorySink();
    const ex = executor();
    const h = await ex.start(launchFor(pod({ annotations: { ...behaviour({ lines, exitCode: 0 }), 'sim.windsock.dev/log-interval-ms': '5' } })), sink);
    await sink.waitFor('row 30');
    expect(sim.dropLogStreams(mode)).toBeGreaterThanOrEqual(1);
    await sink.waitFor('row 80');
    sim.dropLogStreams(mode);
    expect((await h.result).outcome).toBe('success');
    expect(sink.lines.filter((l) => l.startsWith('row '))).toEqual(lines);
  });
});

describe('watching', () => {
  it('shares one pod watch per namespace between tries, resumed after a cut and relisted after 410 Gone', async () => {
    await sim.waitFor(() => sim.openWatches() === 0, { description: 'earlier tests\' watches closed' });
    const ex = executor();
    const sinks = Array.from({ length: 5 }, () => new MemorySink());
    const handles = await Promise.all(sinks.map((s) => ex.start(launchFor(pod({ annotations: behaviour({ lines: ['up'], exitCode: 0, forever: true }) })), s)));
    await Promise.all(sinks.map((s) => s.waitFor('up')));
    expect(sim.openWatches()).toBe(1);
    expect(ex.runtime.watchCount).toBe(1);
    const w = await ex.runtime.watch('pods', 'default', 'conformance-worker');
    expect(w.stats.lists).toBe(1);
    sim.expireWatchWindow();
    sim.dropWatches('destroy');
    await sim.waitFor(() => w.stats.lists >= 2, { description: 'relisted after 410 Gone' });
    const results = await Promise.all(handles.map(async (h) => { await h.cancel('test'); return h.result; }));
    expect(results.every((r) => r.outcome === 'failed')).toBe(true);
    const t = await executor().start(launchFor(pod({ annotations: behaviour({ lines: ['after relist'], exitCode: 0 }) })), new MemorySink());
    expect((await t.result).outcome).toBe('success');
  });

  it('a try finishes although its watch was dropped and the history expired while it ran', async () => {
    const ex = executor();
    const sink = new MemorySink();
    const h = await ex.start(launchFor(pod({ annotations: { ...behaviour({ lines: ['a', 'b'], exitCode: 0 }), 'sim.windsock.dev/run-ms': '800' } })), sink);
    await sink.waitFor('b');
    sim.expireWatchWindow();
    sim.dropWatches('destroy');
    expect((await h.result).outcome).toBe('success');
  });
});

describe('API errors', () => {
  it('retries a create answered 429 or 503 and a create whose answer was lost, creating the pod exactly once', async () => {
    for (const error of [{ status: 429, retryAfterSeconds: 0 }, { status: 503 }, { drop: 'after' }] as const) {
      sim.failNext({ verb: 'create', resource: 'pods' }, error);
      const h = await executor().start(launchFor(pod({ annotations: behaviour({ lines: ['made it'], exitCode: 0 }) })), new MemorySink());
      expect((await h.result).outcome).toBe('success');
      expect(sim.podCreates(podName(h.externalId), 'default')).toBe(1);
    }
  });

  it('a create rejected as invalid (422) fails the launch at once with the API server\'s message', async () => {
    await expect(executor().start(launchFor(pod({ container_resources: { limits: { memory: '1 GB' } } })), new MemorySink()))
      .rejects.toMatchObject({ code: 'LAUNCH_FAILED' });
  });
});

describe('deletion policy', () => {
  it('deletes a succeeded pod and keeps a failed one when delete_on_failure is off; on_finish_action wins', async () => {
    const ex = executor({ deleteOnFailure: false });
    const ok = await ex.start(launchFor(pod({ annotations: behaviour({ lines: [], exitCode: 0 }) })), new MemorySink());
    await ok.result;
    const bad = await ex.start(launchFor(pod({ annotations: behaviour({ lines: [], exitCode: 2 }) })), new MemorySink());
    await bad.result;
    const forced = await ex.start(launchFor(pod({ on_finish_action: 'delete_pod', annotations: behaviour({ lines: [], exitCode: 2 }) })), new MemorySink());
    await forced.result;
    const exists = (id: string | null) => { const p = sim.pod('default', podName(id)); return p !== undefined && !p.metadata.deletionTimestamp; };
    expect(exists(ok.externalId)).toBe(false);
    expect(exists(bad.externalId)).toBe(true);
    expect(exists(forced.externalId)).toBe(false);
  });
});

describe('adoption', () => {
  it('another worker adopts a running pod: one pod created, the task ends once, its log neither cut nor repeated', async () => {
    const lines = Array.from({ length: 80 }, (_, i) => `step ${i + 1}`);
    const annotations = { ...behaviour({ lines, exitCode: 0 }), 'sim.windsock.dev/log-interval-ms': '10' };
    const a = executor();
    const sinkA = new MemorySink();
    const launchA = launchFor(pod({ annotations }), { workerId: 'worker-a' });
    const h = await a.start(launchA, sinkA);
    await sinkA.waitFor('step 20');
    a.abandon(); // the worker dies: nothing deletes the pod
    const stored = [...sinkA.lines];
    const b = executor();
    const sinkB = new MemorySink();
    const adopted = await b.adopt({ ...launchA, workerId: 'worker-b', storedLog: stored }, h.externalId!, sinkB);
    expect(adopted).not.toBeNull();
    expect((await adopted!.result).outcome).toBe('success');
    const all = [...stored, ...sinkB.lines].filter((l) => l.startsWith('step '));
    expect(all).toEqual(lines);
    expect(sim.podCreates(podName(h.externalId), 'default')).toBe(1);
    expect(await b.adopt({ ...launchA, workerId: 'worker-c' }, 'pod:default/no-such-pod', new MemorySink())).toBeNull();
  });
});
