/**
 * Issue 15, executor gaps: KubernetesPodOperator's `name` names the pod, made a DNS-1123 name with a suffix
 * (per try, so a retried create still finds its own pod), or as given with random_name_suffix=False; a fixed
 * name another try's pod holds fails the launch instead of taking that pod over. Against the simulator.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KubernetesExecutor } from '@windsock/executors';
import { startKubeSim, type KubeSim } from './kube-sim/index.ts';
import { kubeConfigFor } from './kube-sim/client-support.ts';
import { launchFor, MemorySink } from './executor-conformance.ts';

let sim: KubeSim;
const executors: KubernetesExecutor[] = [];
beforeAll(async () => { sim = await startKubeSim(); });
afterEach(async () => { sim.clearFaults(); await Promise.all(executors.splice(0).map((e) => e.close())); });
afterAll(async () => { await sim?.close(); });

function executor(): KubernetesExecutor {
  const e = new KubernetesExecutor(kubeConfigFor(sim), { qps: 500, burst: 500 });
  executors.push(e);
  return e;
}

const pod = (args: Record<string, unknown>) => ({ kind: 'pod' as const, operator: 'KubernetesPodOperator', args: { image: 'busybox:1.36', cmds: ['true'], ...args } });

describe('the operator\'s name', () => {
  it('names the pod: sanitized to DNS-1123, with a suffix per try', async () => {
    const sink = new MemorySink();
    const launch = launchFor(pod({ name: 'Train_Model.v2', on_finish_action: 'keep_pod' }), { taskId: 'train' });
    const h = await executor().start(launch, sink);
    const name = h.externalId!.split('/')[1]!;
    expect(name).toMatch(/^train-model-v2-[0-9a-f]{8}-1$/);
    expect((await h.result).outcome).toBe('success');
    expect(sim.pod('default', name)?.metadata.labels).toMatchObject({ task_id: 'train', try_number: '1' });
    // The next try of the same task gets another name.
    const again = await executor().start(launchFor(pod({ name: 'Train_Model.v2' }), { taskId: 'train', tryNumber: 2 }), new MemorySink());
    expect(again.externalId).toMatch(/\/train-model-v2-[0-9a-f]{8}-2$/);
    await again.result;
  });

  it('a create whose answer was lost is retried onto the same name: one pod', async () => {
    sim.failNext({ verb: 'create', resource: 'pods' }, { drop: 'after' });
    const launch = launchFor(pod({ name: 'etl-load' }));
    const h = await executor().start(launch, new MemorySink());
    const name = h.externalId!.split('/')[1]!;
    expect(name.startsWith('etl-load-')).toBe(true);
    expect((await h.result).outcome).toBe('success');
    expect(sim.podCreates(name, 'default')).toBe(1);
  });

  it('random_name_suffix=False uses the name as given; another try\'s pod of that name fails the launch', async () => {
    const first = await executor().start(launchFor(pod({ name: 'nightly_report', random_name_suffix: false, on_finish_action: 'keep_pod' })), new MemorySink());
    expect(first.externalId).toBe('pod:default/nightly-report');
    expect((await first.result).outcome).toBe('success');
    await expect(executor().start(launchFor(pod({ name: 'nightly_report', random_name_suffix: false })), new MemorySink()))
      .rejects.toThrow(/nightly-report: a pod of that name already exists for another task or try/);
    expect(sim.pod('default', 'nightly-report')?.status?.phase).toBe('Succeeded');
  });
});
