/**
 * S3: pod creation throughput of the kubernetes executor. N tasks are launched at once against the Kubernetes
 * simulator with an injected create latency (20 ms and 150 ms), under a client budget of 20 QPS / burst 30:
 * pods created per second, API requests per pod (all, and writes), peak concurrent requests at the API
 * server, and the busiest second of client requests (must never exceed QPS, after the first second's burst).
 * Reference: Airflow's KubernetesExecutor creates one pod per scheduler loop by default (DESIGN.md).
 * `node bench/s3-kubernetes.ts [--tasks N]`.
 */
import { parseArgs } from 'node:util';
import { KubernetesExecutor, type TaskLaunch } from '@windsock/executors';
import type { SerializedDag, SerializedTask } from '@windsock/dag-model';
import { startKubeSim } from '../test/kube-sim/index.ts';
import { kubeConfigFor } from '../test/kube-sim/client-support.ts';

export interface S3Result {
  tasks: number; createLatencyMs: number; qps: number; burst: number;
  podsPerS: number; requestsPerPod: number; writesPerPod: number; peakInFlight: number;
  /**
   * Client requests per second beyond the initial burst ((requests - burst) / duration: a token bucket allows at
   * most QPS), and the most in any 1-second window (at most QPS + burst).
   */
  sustainedRate: number; busiestSecond: number; failed: number;
}

function launch(i: number): TaskLaunch {
  const task = { task_id: `t${i}`, operator: 'KubernetesPodOperator', operator_path: 'KubernetesPodOperator', kind: 'pod', args: {}, executor_config: null } as unknown as SerializedTask;
  return {
    key: { tiId: `ti-${i}`, dagId: 's3', taskId: `t${i}`, runId: 'bench', mapIndex: -1, tryNumber: 1 },
    dag: { dag_id: 's3', fileloc: 's3.py' } as unknown as SerializedDag, task,
    rendered: { image: 'busybox:1.36', cmds: ['true'] }, env: {}, context: {}, xcoms: {}, timeoutMs: null, workerId: 'bench-worker',
  };
}

export async function s3(o: { tasks: number; createLatencyMs: number; qps?: number; burst?: number }): Promise<S3Result> {
  const qps = o.qps ?? 20;
  const burst = o.burst ?? 30;
  const sim = await startKubeSim({ defaultBehaviour: { runMs: 200, logLines: ['done'] } });
  sim.addLatency({ verb: 'create', resource: 'pods' }, o.createLatencyMs);
  const ex = new KubernetesExecutor(kubeConfigFor(sim), { qps, burst, maxConcurrentCreates: 16 });
  const sink = { write: () => {} };
  // Instrumentation: the moment each request was let through by the client's rate limiter.
  const granted: number[] = [];
  const gate = ex.runtime.gate;
  const take = gate.token.bind(gate);
  gate.token = async () => { await take(); granted.push(performance.now()); };
  const t0 = performance.now();
  try {
    sim.resetCounters();
    let created = 0;
    let lastCreate = 0;
    const handles = await Promise.all(Array.from({ length: o.tasks }, (_, i) => ex.start(launch(i), sink).then((h) => { created++; lastCreate = performance.now(); return h; })));
    const results = await Promise.all(handles.map((h) => h.result));
    const end = performance.now();
    const c = sim.counters();
    const writes = Object.entries(c.requests).filter(([k]) => /^(create|update|patch|delete) /.test(k)).reduce((a, [, n]) => a + n, 0);
    let busiest = 0;
    for (let i = 0, j = 0; i < granted.length; i++) {
      while (granted[i]! - granted[j]! >= 1000) j++;
      busiest = Math.max(busiest, i - j + 1);
    }
    return {
      tasks: o.tasks, createLatencyMs: o.createLatencyMs, qps, burst,
      podsPerS: created / ((lastCreate - t0) / 1000), requestsPerPod: c.totalRequests / o.tasks, writesPerPod: writes / o.tasks,
      peakInFlight: c.peakInFlight, sustainedRate: Math.max(0, ex.runtime.gate.stats.requests - burst) / ((end - t0) / 1000), busiestSecond: busiest,
      failed: results.filter((r) => r.outcome !== 'success').length,
    };
  } finally {
    await ex.close();
    await sim.close();
  }
}

export function formatS3(r: S3Result): string {
  return `S3 pods, create latency ${r.createLatencyMs} ms, ${r.tasks} tasks at ${r.qps} QPS/burst ${r.burst}: ${r.podsPerS.toFixed(1)} pods/s created, `
    + `${r.sustainedRate.toFixed(1)} requests/s sustained (target ${(0.9 * r.qps).toFixed(0)}-${r.qps}), busiest second ${r.busiestSecond} (ceiling ${r.qps + r.burst}), `
    + `${r.requestsPerPod.toFixed(2)} requests/pod, ${r.writesPerPod.toFixed(2)} writes/pod (target <= 3), peak ${r.peakInFlight} concurrent, ${r.failed} failed `
    + '(Airflow KubernetesExecutor: 1 pod per scheduler loop by default)';
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { tasks: { type: 'string', default: '1000' } } });
  for (const latency of [20, 150]) console.log(formatS3(await s3({ tasks: Number(values.tasks), createLatencyMs: latency })));
}
