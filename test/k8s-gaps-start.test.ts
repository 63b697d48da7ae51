/**
 * Issue 15, executor gaps: a pod (or a SparkApplication's driver) whose container cannot start — image not
 * pullable, invalid image name, configuration that cannot be built — fails the try at once, as Airflow's pod
 * manager does, with the reason in the result and the task log; and a failed pod's Events are written to the
 * task log (Airflow's log_events_on_failure). Against the simulator with the real client.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CoreV1Api } from '@kubernetes/client-node';
import { KubernetesExecutor, type KubernetesOptions } from '@windsock/executors';
import { startKubeSim, type KubeSim } from './kube-sim/index.ts';
import { kubeConfigFor } from './kube-sim/client-support.ts';
import { launchFor, MemorySink } from './executor-conformance.ts';
import { behaviour, deletedIn } from './k8s-support.ts';

let sim: KubeSim;
const executors: KubernetesExecutor[] = [];
beforeAll(async () => { sim = await startKubeSim({ spark: { submitDelayMs: 10, stepDelayMs: 10 } }); });
afterEach(async () => { await Promise.all(executors.splice(0).map((e) => e.close())); });
afterAll(async () => { await sim?.close(); });

function executor(o: Partial<KubernetesOptions> = {}): KubernetesExecutor {
  const e = new KubernetesExecutor(kubeConfigFor(sim), { qps: 500, burst: 500, ...o });
  executors.push(e);
  return e;
}

const pod = (args: Record<string, unknown>) => ({ kind: 'pod' as const, operator: 'KubernetesPodOperator', args: { image: 'busybox:1.36', cmds: ['true'], ...args } });
const spark = (args: Record<string, unknown>) => ({
  kind: 'spark' as const, operator: 'SparK8sOperator',
  args: { code_path: '/jobs/main_spark.py', image_tag: 'sample_repo.dag2.spark_build_folder', ...args },
});
const nameOf = (externalId: string | null) => externalId!.split('/')[1]!;

describe('a container that cannot start fails the try at once', () => {
  it('ErrImagePull: fails long before the startup timeout, reason in the result and the log, Events written, pod deleted', async () => {
    const sink = new MemorySink();
    const t0 = Date.now();
    const h = await executor().start(launchFor(pod({ image: 'registry.example.com/ml/train:missing', startup_timeout_seconds: 120, annotations: { 'sim.windsock.dev/pull-backoff-ms': '300' } })), sink);
    const r = await h.result;
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(r).toMatchObject({ outcome: 'failed', exitCode: null, reason: 'ErrImagePull' });
    const name = nameOf(h.externalId);
    const last = sink.lines.at(-1)!;
    expect(last).toContain(`Pod ${name} docker image cannot be pulled, unable to start: container base: ErrImagePull`);
    expect(last).toContain('registry.example.com/ml/train:missing');
    // No "waiting" line per back-off round: the try ended on the first one.
    expect(sink.lines.filter((l) => l.includes('is pending'))).toEqual([]);
    expect(sink.lines).toContain(`Events of pod ${name}:`);
    expect(sink.lines.some((l) => /^ {2}Normal Scheduled: Successfully assigned default\//.test(l))).toBe(true);
    expect(sink.lines.some((l) => l.startsWith('  Warning Failed: Failed to pull image "registry.example.com/ml/train:missing"'))).toBe(true);
    await deletedIn(sim, h.externalId);
  });

  it('InvalidImageName fails at once with its reason', async () => {
    const sink = new MemorySink();
    const h = await executor().start(launchFor(pod({ image: 'registry.example.com/ML/Train:1', startup_timeout_seconds: 120 })), sink);
    expect(await h.result).toMatchObject({ outcome: 'failed', reason: 'InvalidImageName' });
    expect(sink.lines.at(-1)).toMatch(/docker image cannot be pulled, unable to start: container base: InvalidImageName: .*invalid reference format/);
    expect(sink.lines.some((l) => l.startsWith('  Warning InspectFailed: '))).toBe(true);
  });

  it('CreateContainerConfigError fails at once with the kubelet\'s message', async () => {
    const sink = new MemorySink();
    const h = await executor().start(launchFor(pod({ startup_timeout_seconds: 120, annotations: { 'sim.windsock.dev/config-error': 'configmap "app-settings" not found' } })), sink);
    expect(await h.result).toMatchObject({ outcome: 'failed', reason: 'CreateContainerConfigError' });
    expect(sink.lines.at(-1)).toContain('cannot be configured, unable to start: container base: CreateContainerConfigError: configmap "app-settings" not found');
    expect(sink.lines).toContain('  Warning Failed: Error: configmap "app-settings" not found');
  });

  it('a pending reason is written once, not at every status update', async () => {
    const sink = new MemorySink();
    const h = await executor().start(launchFor(pod({ startup_timeout_seconds: 1, annotations: { 'sim.windsock.dev/unschedulable': '0/3 nodes are available: 3 Insufficient memory.' } })), sink);
    const name = nameOf(h.externalId);
    // Touch the pod's metadata a few times: each is a MODIFIED event with the same pending reason.
    await sim.waitFor(() => sim.pod('default', name)?.status?.conditions?.some((c) => c.reason === 'Unschedulable') === true, { timeoutMs: 5000 });
    const core = kubeConfigFor(sim).makeApiClient(CoreV1Api);
    for (let i = 0; i < 3; i++) {
      await core.patchNamespacedPod({ name, namespace: 'default', body: [{ op: 'add', path: '/metadata/annotations/touched', value: String(i) }] });
    }
    expect(await h.result).toMatchObject({ outcome: 'failed', reason: 'Unschedulable' });
    expect(sink.lines.filter((l) => l.includes('is pending: Unschedulable'))).toHaveLength(1);
    expect(sink.lines.some((l) => l.startsWith('  Warning FailedScheduling: 0/3 nodes are available: 3 Insufficient memory.'))).toBe(true);
    expect(sink.lines.at(-1)).toContain('took longer than 1 s to start');
  });
});

describe('a failed pod\'s Events are written to the task log', () => {
  it('a container exiting non-zero: its Events (type, reason, message) precede the last line', async () => {
    const sink = new MemorySink();
    const h = await executor().start(launchFor(pod({ annotations: behaviour({ lines: ['boom'], exitCode: 3 }) })), sink);
    expect(await h.result).toMatchObject({ outcome: 'failed', exitCode: 3 });
    const name = nameOf(h.externalId);
    const at = sink.lines.indexOf(`Events of pod ${name}:`);
    expect(at).toBeGreaterThan(sink.lines.indexOf('boom'));
    expect(sink.lines.slice(at)).toEqual(expect.arrayContaining(['  Normal Started: Started container base', '  Normal Created: Created container base']));
    expect(sink.lines.at(-1)).toContain('terminated: exit code 3');
  });

  it('a succeeding pod writes no Events', async () => {
    const sink = new MemorySink();
    const h = await executor().start(launchFor(pod({ annotations: behaviour({ lines: ['ok'], exitCode: 0 }) })), sink);
    expect((await h.result).outcome).toBe('success');
    expect(sink.lines.some((l) => l.startsWith('Events of pod'))).toBe(false);
  });
});

describe('SparkApplications', () => {
  it('a driver that cannot pull its image fails the try at once, with the driver\'s Events; the app is deleted', async () => {
    const sink = new MemorySink();
    const t0 = Date.now();
    const h = await executor().start(launchFor(spark({ image_tag: 'sample_repo.dag2.spark:missing', startup_timeout_seconds: 120 })), sink);
    const r = await h.result;
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(r).toMatchObject({ outcome: 'failed', reason: 'ErrImagePull' });
    const driver = `${nameOf(h.externalId)}-driver`;
    expect(sink.lines.at(-1)).toContain(`Driver pod ${driver} docker image cannot be pulled, unable to start: container spark-kubernetes-driver: ErrImagePull`);
    expect(sink.lines).toContain(`Events of pod ${driver}:`);
    expect(sink.lines.some((l) => l.startsWith('  Warning Failed: Failed to pull image'))).toBe(true);
    await sim.waitFor(() => sim.sparkApplication('default', nameOf(h.externalId)) === undefined, { timeoutMs: 5000, description: 'app deleted' });
  });

  it('a failed driver\'s Events are written before the last line', async () => {
    const sink = new MemorySink();
    const h = await executor().start(launchFor(spark({ annotations: behaviour({ lines: ['stage 1'], exitCode: 2 }) })), sink);
    expect(await h.result).toMatchObject({ outcome: 'failed', exitCode: 2 });
    const driver = `${nameOf(h.externalId)}-driver`;
    const at = sink.lines.indexOf(`Events of pod ${driver}:`);
    expect(at).toBeGreaterThan(sink.lines.indexOf('stage 1'));
    expect(sink.lines.slice(at)).toContain('  Normal Started: Started container spark-kubernetes-driver');
    expect(sink.lines.at(-1)).toContain('failed: driver container failed with ExitCode: 2');
  });
});
