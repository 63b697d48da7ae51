/**
 * The pod executor (KubernetesExecutor, container tasks) against the executor conformance suite, over HTTP
 * against the Kubernetes simulator with the real @kubernetes/client-node. Container behaviour (log lines,
 * exit code, running forever) is set by the simulator's pod annotations, passed as the operator's
 * `annotations`.
 */
import { afterAll, beforeAll } from 'vitest';
import { KubernetesExecutor } from '@windsock/executors';
import { startKubeSim, type KubeSim } from './kube-sim/index.ts';
import { kubeConfigFor } from './kube-sim/client-support.ts';
import { executorConformance } from './executor-conformance.ts';
import { behaviour, deletedIn } from './k8s-support.ts';

let sim: KubeSim;
beforeAll(async () => { sim = await startKubeSim(); });
afterAll(async () => { await sim?.close(); });

executorConformance({
  name: 'kubernetes (pods)',
  executor: () => new KubernetesExecutor(kubeConfigFor(sim), { qps: 200, burst: 200 }),
  task: (b) => ({ kind: 'pod', operator: 'KubernetesPodOperator', args: { image: 'busybox:1.36', cmds: ['sh', '-c', 'run the job'], annotations: behaviour(b) } }),
  stopped: (id) => deletedIn(sim, id).then(() => {}),
});
