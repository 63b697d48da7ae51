/**
 * The `kubernetes` runtime: a sandbox's scheduler is a Deployment in its namespace, its settings in a Secret there.
 * The simulator plays the cluster; this test plays the kubelet of that Deployment's pod, running the real
 * `windsock sandbox-scheduler` with the Secret's variables while the pod exists (and stopping it when the pod goes),
 * so readiness (an available pod that heart-beats), sleep (scale to zero) and delete are the real ones.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKubeSim, type KubeSim } from './kube-sim/index.ts';
import { startPlatform, until, yamlChain, type Platform } from './support/platform.ts';
import { BIN } from './support/cli-run.ts';

let sim: KubeSim, p: Platform, kubelet: NodeJS.Timeout;
const saved = process.env.KUBECONFIG;
const running = new Map<string, ChildProcess>();
const NS = 'windsock-sb-carol-dev';

/** Runs the scheduler container of every Deployment pod in the sandbox namespace, and stops the ones whose pod went. */
function playKubelet(): void {
  const pods = sim.objects('pods', NS).filter((x) => x.metadata.labels?.['app.kubernetes.io/name'] === 'windsock-scheduler' && !x.metadata.deletionTimestamp);
  for (const pod of pods) {
    if (running.has(pod.metadata.name)) continue;
    const secret = sim.object('secrets', NS, 'windsock-scheduler') as unknown as { stringData?: Record<string, string>; data?: Record<string, string> };
    const env = secret.stringData ?? Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
    const args = (pod as unknown as { spec: { containers: { args: string[] }[] } }).spec.containers[0]!.args;
    running.set(pod.metadata.name, spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH, HOME: tmpdir(), ...env }, stdio: 'ignore' }));
  }
  for (const [name, child] of running) {
    if (!pods.some((x) => x.metadata.name === name)) { child.kill('SIGTERM'); running.delete(name); }
  }
}

beforeAll(async () => {
  sim = await startKubeSim({ defaultBehaviour: { runMs: 50 } });
  const kubeconfig = join(await mkdtemp(join(tmpdir(), 'ws-sb-kube-')), 'config');
  await sim.writeKubeconfig(kubeconfig);
  process.env.KUBECONFIG = kubeconfig;
  p = await startPlatform({
    users: { carol: 'User' }, dags: { carol: { 'carol_chain.yaml': yamlChain('carol_chain', 'hi') } },
    env: { WINDSOCK__SANDBOXES__RUNTIME: 'kubernetes', WINDSOCK__SANDBOXES__IDLE_SLEEP_SEC: '4', WINDSOCK__SANDBOXES__SCHEDULER_IMAGE: 'registry.example.com/windsock:test' },
  });
  kubelet = setInterval(playKubelet, 200);
}, 90_000);

afterAll(async () => {
  clearInterval(kubelet);
  for (const c of running.values()) c.kill('SIGTERM');
  await p?.close();
  await sim?.close();
  process.env.KUBECONFIG = saved;
});

describe('sandboxes on the kubernetes runtime', { timeout: 240_000 }, () => {
  it('runs the scheduler as a Deployment in the sandbox namespace, sleeps by scaling to zero, and deletes it', async () => {
    expect((await p.call('/api/windsock/v1/sandboxes', { method: 'POST', token: p.tokens.carol, body: { name: 'carol-dev', dag_source: { folder: 'carol/dags' } } })).status).toBe(201);
    await p.ready('carol-dev', p.tokens.carol!);
    const d = sim.object('deployments', NS, 'windsock-scheduler') as unknown as { spec: { replicas: number; template: { spec: { serviceAccountName: string; containers: { image: string; envFrom: unknown[] }[] } } } };
    expect(d.spec.template.spec.serviceAccountName).toBe('windsock-scheduler');
    expect(d.spec.template.spec.containers[0]!.image).toBe('registry.example.com/windsock:test');
    expect(d.spec.template.spec.containers[0]!.envFrom).toEqual([{ secretRef: { name: 'windsock-scheduler' } }]);
    // Its settings are in the Secret, not in the Deployment a viewer of the namespace can read.
    expect(JSON.stringify(d)).not.toContain('WINDSOCK__DATABASE__URL');
    // Nothing scrapes a sandbox: no Prometheus registry in it (StatsD, when the platform sends it, goes on).
    const secret = sim.object('secrets', NS, 'windsock-scheduler') as unknown as { stringData?: Record<string, string>; data?: Record<string, string> };
    const env = secret.stringData ?? Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
    expect(env['WINDSOCK__METRICS__PROMETHEUS_ON']).toBe('false');
    expect(env['WINDSOCK__METRICS__STATSD_PREFIX']).toBe('airflow');
    expect((await p.call('/sandboxes/carol-dev/api/v2/dags', { token: p.tokens.carol })).body.dags.map((x: { dag_id: string }) => x.dag_id)).toEqual(['carol_chain']);

    // Idle: scaled to zero (the pod goes); a call scales it back.
    await until('asleep', async () => (await p.call('/api/windsock/v1/sandboxes/carol-dev', { token: p.tokens.carol })).body.scheduler === 'asleep', 90_000);
    expect((sim.object('deployments', NS, 'windsock-scheduler') as unknown as { spec: { replicas: number } }).spec.replicas).toBe(0);
    await p.call('/sandboxes/carol-dev/api/v2/dags', { token: p.tokens.carol });
    await until('awake', async () => (await p.call('/api/windsock/v1/sandboxes/carol-dev', { token: p.tokens.carol })).body.scheduler === 'running', 90_000);
    expect((sim.object('deployments', NS, 'windsock-scheduler') as unknown as { spec: { replicas: number } }).spec.replicas).toBe(1);

    expect((await p.call('/api/windsock/v1/sandboxes/carol-dev', { method: 'DELETE', token: p.tokens.carol })).status).toBe(202);
    await p.gone('carol-dev', p.tokens.carol!);
    expect(sim.object('namespaces', undefined, NS)).toBeUndefined();
    expect(await p.schemaExists('sb_carol_dev')).toBe(false);
  });
});
