/**
 * Issue 15, executor gaps: the logs of a pod's init containers and sidecars are collected into the task log,
 * each line prefixed with `[container]` as Airflow's KubernetesPodOperator does with several containers
 * (`container_logs`), beside the main container's own lines (not prefixed). Against the simulator.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KubernetesExecutor } from '@windsock/executors';
import { startKubeSim, type KubeSim } from './kube-sim/index.ts';
import { kubeConfigFor } from './kube-sim/client-support.ts';
import { launchFor, MemorySink } from './executor-conformance.ts';

let sim: KubeSim;
const executors: KubernetesExecutor[] = [];
beforeAll(async () => { sim = await startKubeSim(); });
afterEach(async () => { await Promise.all(executors.splice(0).map((e) => e.close())); });
afterAll(async () => { await sim?.close(); });

function executor(): KubernetesExecutor {
  const e = new KubernetesExecutor(kubeConfigFor(sim), { qps: 500, burst: 500 });
  executors.push(e);
  return e;
}

const pod = (args: Record<string, unknown>) => ({ kind: 'pod' as const, operator: 'KubernetesPodOperator', args: { image: 'busybox:1.36', cmds: ['true'], ...args } });
const lines = (l: string[]) => JSON.stringify(l);

describe('logs of the other containers', () => {
  it('init containers\' logs are collected, each line once, prefixed with their names', async () => {
    const sink = new MemorySink();
    const h = await executor().start(launchFor(pod({
      init_containers: [{ name: 'fetch-data', image: 'busybox:1.36', command: ['sh', '-c', 'wget …'] }, { name: 'migrate', image: 'busybox:1.36' }],
      annotations: {
        'sim.windsock.dev/log-lines.fetch-data': lines(['downloading', 'done']),
        'sim.windsock.dev/log-lines.migrate': lines(['schema up to date']),
        'sim.windsock.dev/log-lines.base': lines(['main work']),
        'sim.windsock.dev/run-ms.base': '150',
      },
    })), sink);
    expect((await h.result).outcome).toBe('success');
    expect(sink.lines).toEqual(expect.arrayContaining(['[fetch-data] downloading', '[fetch-data] done', '[migrate] schema up to date', 'main work']));
    expect(sink.lines.indexOf('[fetch-data] downloading')).toBeLessThan(sink.lines.indexOf('[fetch-data] done'));
    expect(sink.lines.filter((l) => l.includes('downloading'))).toHaveLength(1);
    expect(sink.lines.at(-1)).toContain('terminated: exit code 0');
  });

  it('a sidecar\'s log is collected while it runs, prefixed; the main container\'s exit decides the outcome', async () => {
    const sink = new MemorySink();
    const h = await executor().start(launchFor(pod({
      full_pod_spec: { spec: { containers: [{ name: 'base' }, { name: 'proxy', image: 'envoyproxy/envoy:v1.30' }] } },
      annotations: {
        'sim.windsock.dev/log-lines.proxy': lines(['proxy listening on :15001', 'proxy ready']),
        'sim.windsock.dev/run-ms.proxy': 'forever',
        'sim.windsock.dev/log-lines.base': lines(['working', 'failing']),
        'sim.windsock.dev/log-interval-ms.base': '100', 'sim.windsock.dev/run-ms.base': '300',
        'sim.windsock.dev/exit-code.base': '4',
      },
    })), sink);
    const r = await h.result;
    expect(r).toMatchObject({ outcome: 'failed', exitCode: 4 });
    expect(sink.lines).toEqual(expect.arrayContaining(['[proxy] proxy listening on :15001', '[proxy] proxy ready', 'working', 'failing']));
    expect(sink.lines.filter((l) => l.startsWith('[base]'))).toEqual([]);
    expect(sink.lines.at(-1)).toContain('Container base of pod');
  });

  it('a sidecar that ends before the main container is read to its last line', async () => {
    const sink = new MemorySink();
    const many = Array.from({ length: 40 }, (_, i) => `sync ${i + 1}`);
    const h = await executor().start(launchFor(pod({
      full_pod_spec: { spec: { containers: [{ name: 'base' }, { name: 'syncer', image: 'busybox:1.36' }] } },
      annotations: {
        'sim.windsock.dev/log-lines.syncer': lines(many), 'sim.windsock.dev/log-interval-ms.syncer': '2',
        'sim.windsock.dev/log-lines.base': lines(['main']), 'sim.windsock.dev/run-ms.base': '400',
      },
    })), sink);
    expect((await h.result).outcome).toBe('success');
    expect(sink.lines.filter((l) => l.startsWith('[syncer] '))).toEqual(many.map((l) => `[syncer] ${l}`));
  });
});
