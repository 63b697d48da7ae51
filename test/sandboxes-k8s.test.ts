/**
 * Sandboxes whose tasks run on Kubernetes (the simulator, through the real client and a kubeconfig): each sandbox
 * gets its namespace, quota, limits, accounts, Role and bindings, owner-labelled; its pods land in its namespace
 * and nowhere else (a task naming another is refused); a pod over its quota fails with the API server's reason;
 * deleting the sandbox deletes its namespace and everything in it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKubeSim, type KubeSim } from './kube-sim/index.ts';
import { startPlatform, until, type Platform } from './support/platform.ts';

const k8sDag = (dagId: string, cpu: number, extra = '') => `${dagId}:
  schedule: null
  is_paused_upon_creation: false
  default_args: { start_date: 2024-01-01 }
  tasks:
    - task_id: train
      operator: windsock.operators.K8sOperator
      cmd: 'echo training'
      image_tag: sample_repo.${dagId}.build
      resources: {cpu: ${cpu}, memory: 1Gi}
${extra}`;

let sim: KubeSim, p: Platform;
const saved = process.env.KUBECONFIG;

beforeAll(async () => {
  sim = await startKubeSim({ defaultBehaviour: { runMs: 50 } });
  const kubeconfig = join(await mkdtemp(join(tmpdir(), 'ws-sb-kube-')), 'config');
  await sim.writeKubeconfig(kubeconfig);
  process.env.KUBECONFIG = kubeconfig; // the control plane and the sandbox schedulers it starts read it
  p = await startPlatform({
    users: { alice: 'User', bob: 'User' },
    dags: {
      alice: { 'alice_k8s.yaml': k8sDag('alice_k8s', 1, `    - task_id: elsewhere
      operator: airflow.providers.cncf.kubernetes.operators.pod.KubernetesPodOperator
      image: python:3.12-slim
      namespace: default
      cmds: [bash, -c]
      arguments: ['echo escaping']
`) },
      bob: { 'bob_k8s.yaml': k8sDag('bob_k8s', 3) },
    },
    env: { WINDSOCK__CORE__EXECUTOR: 'kubernetes', WINDSOCK__KUBERNETES__DELETE_ON_SUCCESS: 'false', WINDSOCK__KUBERNETES__STARTUP_TIMEOUT: '20' },
  });
}, 90_000);

afterAll(async () => {
  await p?.close();
  await sim?.close();
  process.env.KUBECONFIG = saved;
});

async function runOf(name: string, token: string, dagId: string): Promise<string> {
  const run = await p.call(`/sandboxes/${name}/api/v2/dags/${dagId}/dagRuns`, { method: 'POST', token, body: { logical_date: null } });
  expect(run.status).toBe(200);
  const path = `/sandboxes/${name}/api/v2/dags/${dagId}/dagRuns/${encodeURIComponent(run.body.dag_run_id)}`;
  return until(`${dagId} run finished`, async () => { const s = (await p.call(path, { token })).body.state; return s === 'success' || s === 'failed' ? path : null; }, 90_000);
}

describe('sandboxes on Kubernetes', { timeout: 240_000 }, () => {
  it('makes each sandbox its namespace objects; pods land there under its quota, and nowhere else', async () => {
    const { tokens } = p;
    expect((await p.call('/api/windsock/v1/sandboxes', { method: 'POST', token: tokens.alice, body: { name: 'alice-k8s', dag_source: { folder: 'alice/dags' } } })).status).toBe(201);
    expect((await p.call('/api/windsock/v1/sandboxes', { method: 'POST', token: tokens.bob, body: { name: 'bob-k8s', dag_source: { folder: 'bob/dags' }, quota: { cpu: '2', memory: '4Gi' } } })).status).toBe(201);
    await p.ready('alice-k8s', tokens.alice!);
    await p.ready('bob-k8s', tokens.bob!);

    const ns = sim.object('namespaces', undefined, 'windsock-sb-alice-k8s')!;
    expect(ns.metadata.labels).toMatchObject({ 'windsock.dev/sandbox': 'alice-k8s', 'windsock.dev/owner': 'alice', 'app.kubernetes.io/managed-by': 'windsock' });
    for (const [plural, name] of [['resourcequotas', 'sandbox-quota'], ['limitranges', 'sandbox-limits'], ['serviceaccounts', 'windsock-tasks'], ['serviceaccounts', 'windsock-scheduler'], ['roles', 'windsock-scheduler'], ['rolebindings', 'windsock-scheduler']] as const) {
      expect(sim.object(plural, 'windsock-sb-alice-k8s', name), `${plural}/${name}`).toBeDefined();
    }
    expect((sim.object('resourcequotas', 'windsock-sb-bob-k8s', 'sandbox-quota') as unknown as { spec: { hard: Record<string, string> } }).spec.hard['requests.cpu']).toBe('2');

    // Alice's pod runs in her namespace; her task naming `default` is refused before any pod is made.
    const alicePath = await runOf('alice-k8s', tokens.alice!, 'alice_k8s');
    const tis = (await p.call(`${alicePath}/taskInstances`, { token: tokens.alice })).body.task_instances as { task_id: string; state: string }[];
    expect(Object.fromEntries(tis.map((t) => [t.task_id, t.state]))).toEqual({ train: 'success', elsewhere: 'failed' });
    const refused = await p.call(`${alicePath}/taskInstances/elsewhere/logs/1`, { token: tokens.alice });
    expect(JSON.stringify(refused.body)).toContain('namespace \\"default\\" is refused');
    const alicePods = sim.objects('pods', 'windsock-sb-alice-k8s').filter((x) => x.metadata.labels?.['dag_id'] === 'alice_k8s');
    expect(alicePods.map((x) => x.metadata.labels?.['task_id'])).toEqual(['train']);
    expect(sim.objects('pods').filter((x) => x.metadata.labels?.['dag_id'] === 'alice_k8s' && x.metadata.namespace !== 'windsock-sb-alice-k8s')).toEqual([]);

    // Bob's task asks for 3 CPUs in a namespace whose quota is 2: the API server refuses the pod, and the log says so.
    const bobPath = await runOf('bob-k8s', tokens.bob!, 'bob_k8s');
    expect((await p.call(bobPath, { token: tokens.bob })).body.state).toBe('failed');
    const log = JSON.stringify((await p.call(`${bobPath}/taskInstances/train/logs/1`, { token: tokens.bob })).body);
    expect(log).toContain('exceeded quota');
    expect(sim.objects('pods', 'windsock-sb-bob-k8s').filter((x) => x.metadata.labels?.['dag_id'] === 'bob_k8s')).toEqual([]);
  });

  it('deleting a sandbox deletes its namespace and everything in it', async () => {
    expect((await p.call('/api/windsock/v1/sandboxes/alice-k8s', { method: 'DELETE', token: p.tokens.alice })).status).toBe(202);
    await p.gone('alice-k8s', p.tokens.alice!);
    expect(sim.object('namespaces', undefined, 'windsock-sb-alice-k8s')).toBeUndefined();
    for (const plural of ['pods', 'resourcequotas', 'limitranges', 'serviceaccounts', 'roles', 'rolebindings']) expect(sim.objects(plural, 'windsock-sb-alice-k8s'), plural).toEqual([]);
    expect(await p.schemaExists('sb_alice_k8s')).toBe(false);
    expect(sim.object('namespaces', undefined, 'windsock-sb-bob-k8s')).toBeDefined();
  });
});
