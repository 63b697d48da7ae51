/**
 * Python callables on the kubernetes executor: the pod runs the runner's source with the callable in
 * WINDSOCK_TASK_SPEC, and the return value comes back on a marked log line as the try's XCom.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { Pod } from 'kubernetes-models/v1';
import { KubernetesExecutor, buildPod, compileKubernetesOptions } from '@windsock/executors';
import { startKubeSim, type KubeSim } from './kube-sim/index.ts';
import { kubeConfigFor } from './kube-sim/client-support.ts';
import { MemorySink, launchFor } from './executor-conformance.ts';
import { behaviour } from './k8s-support.ts';

const CALLABLE = { __type: 'callable', name: 'total', source: 'def total(orders, currency="EUR", ds=None):\n    print("summing", orders, "on", ds)\n    return {"total": sum(orders), "currency": currency}\n' };

function pythonLaunch(extra: Record<string, unknown> = {}) {
  const l = launchFor({ kind: 'python', operator: '@task.kubernetes', args: { python_callable: CALLABLE, op_args: [[1, 2, 3]], op_kwargs: { currency: 'USD' }, image: 'python:3.12-slim', ...extra } });
  return { ...l, context: { ds: '2024-05-06', run_id: l.key.runId }, task: { ...l.task, operator_path: 'airflow.providers.cncf.kubernetes.decorators.kubernetes' } };
}

describe('Python callables as pods', () => {
  let sim: KubeSim;
  beforeAll(async () => { sim = await startKubeSim(); });
  afterAll(async () => { await sim?.close(); });

  it('builds a valid pod whose command is the runner and whose environment carries the callable', () => {
    const plan = buildPod(pythonLaunch(), compileKubernetesOptions({}), 'launch-1');
    new Pod(plan.pod as ConstructorParameters<typeof Pod>[0]).validate();
    const c = (plan.pod as { spec: { containers: { image: string; command: string[]; env: { name: string; value: string }[] }[] } }).spec.containers[0]!;
    expect(c.image).toBe('python:3.12-slim');
    expect(c.command.slice(0, 2)).toEqual(['python', '-c']);
    expect(c.command[2]).toContain('WINDSOCK_TASK_SPEC');
    const spec = JSON.parse(c.env.find((e) => e.name === 'WINDSOCK_TASK_SPEC')!.value) as Record<string, unknown>;
    expect(spec).toMatchObject({ name: 'total', args: [[1, 2, 3]], kwargs: { currency: 'USD' }, context: { ds: '2024-05-06' } });
  });

  it('the runner, as the pod runs it, prints the return value on the marked line (real python3)', () => {
    const plan = buildPod(pythonLaunch(), compileKubernetesOptions({}), 'launch-2');
    const c = (plan.pod as { spec: { containers: { command: string[]; env: { name: string; value: string }[] }[] } }).spec.containers[0]!;
    const env = Object.fromEntries(c.env.map((e) => [e.name, e.value]));
    const out = execFileSync('python3', ['-c', c.command[2]!], { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' });
    expect(out).toContain('summing [1, 2, 3] on 2024-05-06');
    expect(out.trim().split('\n').pop()).toBe('::windsock-xcom::{"total": 6, "currency": "USD"}');
  });

  it('the marked log line becomes the XCom and stays out of the task log', async () => {
    const ex = new KubernetesExecutor(kubeConfigFor(sim), { qps: 200, burst: 200 });
    try {
      const sink = new MemorySink();
      const h = await ex.start(pythonLaunch({ annotations: behaviour({ lines: ['summing [1, 2, 3]', '::windsock-xcom::{"total": 6}'], exitCode: 0 }) }), sink);
      const r = await h.result;
      expect(r).toMatchObject({ outcome: 'success', xcom: { total: 6 } });
      expect(sink.lines).toContain('summing [1, 2, 3]');
      expect(sink.lines.some((l) => l.includes('::windsock-xcom::'))).toBe(false);
    } finally {
      await ex.close();
    }
  });
});
