/**
 * `npm run kube-sim -- --port PORT --kubeconfig FILE` (node test/kube-sim/cli.ts): the kubeconfig it writes works
 * for @kubernetes/client-node's KubeConfig.loadFromFile, and for kubectl get / describe / logs.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectWatch } from './kube-sim/client-support.ts';

const cli = fileURLToPath(new URL('./kube-sim/cli.ts', import.meta.url));
const run = promisify(execFile);
let dir: string;
let child: ChildProcess;
let kubeconfig: string;
let url: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kube-sim-cli-'));
  kubeconfig = join(dir, 'kubeconfig');
  child = spawn(process.execPath, [cli, '--port', '0', '--kubeconfig', kubeconfig, '--run-ms', '50'], { stdio: ['ignore', 'pipe', 'inherit'] });
  url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      const m = /listening on (http:\/\/\S+?);/.exec(out);
      if (m !== null) resolve(m[1] as string);
    });
    child.once('exit', (code) => reject(new Error(`kube-sim exited with ${String(code)} before listening: ${out}`)));
  });
});

afterAll(async () => {
  if (child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  await rm(dir, { recursive: true, force: true });
});

describe('the kube-sim CLI', () => {
  it('writes a kubeconfig that KubeConfig.loadFromFile accepts, pointing at the simulator', async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(kubeconfig);
    expect(kc.getCurrentCluster()?.server).toBe(url);
    expect(kc.getContextObject(kc.getCurrentContext())?.namespace).toBe('default');
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const names = (await core.listNamespace()).items.map((n) => n.metadata?.name);
    expect(names).toContain('default');
    await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'cli-1', annotations: { 'sim.windsock.dev/log-lines': 'hello from the simulator' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'base', image: 'busybox:1.36' }] } } });
    const pod = await core.readNamespacedPod({ name: 'cli-1', namespace: 'default' });
    expect(pod.metadata?.name).toBe('cli-1');
  });

  it('rejects bad arguments with a usage message and exit code 2', () => {
    const r = spawnSync(process.execPath, [cli, '--port', 'eighty'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--port must be a non-negative integer/);
    expect(r.stderr).toMatch(/^usage:/m);
  });

  const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
  const hasKubectl = kubectl.status === 0;
  it.skipIf(!hasKubectl)('serves kubectl get / describe / logs for pods and get for sparkapplications (needs kubectl on PATH)', async () => {
    const env = { ...process.env, KUBECONFIG: kubeconfig };
    const k = async (...args: string[]): Promise<string> => (await run('kubectl', ['--cache-dir', join(dir, 'kcache'), ...args], { env })).stdout;
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(kubeconfig);
    const custom = kc.makeApiClient(k8s.CustomObjectsApi);
    const appsPath = '/apis/sparkoperator.k8s.io/v1beta2/namespaces/default/sparkapplications';
    const apps = await collectWatch(kc, appsPath, {});
    await custom.createNamespacedCustomObject({
      group: 'sparkoperator.k8s.io', version: 'v1beta2', namespace: 'default', plural: 'sparkapplications',
      body: { apiVersion: 'sparkoperator.k8s.io/v1beta2', kind: 'SparkApplication', metadata: { name: 'spark-pi' }, spec: { type: 'Scala', mode: 'cluster', image: 'apache/spark:4.0.4', mainClass: 'org.apache.spark.examples.SparkPi', mainApplicationFile: 'local:///opt/spark/examples/jars/spark-examples.jar', sparkVersion: '4.0.4', driver: { cores: 1, memory: '512m' }, executor: { instances: 1, cores: 1, memory: '512m' } } },
    });
    await apps.until((events) => events.some((e) => (e.object['status'] as { applicationState?: { state?: string } } | undefined)?.applicationState?.state === 'COMPLETED'));
    apps.abort();
    const pods = await collectWatch(kc, '/api/v1/namespaces/default/pods', { fieldSelector: 'metadata.name=cli-1,status.phase=Succeeded' });
    await pods.until((events) => events.length > 0);
    pods.abort();
    expect(await k('get', 'pods')).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\ncli-1\s+0\/1\s+Completed\s+0\s+/);
    const described = await k('describe', 'pod', 'cli-1');
    expect(described).toMatch(/^Name:\s+cli-1$/m);
    expect(described).toMatch(/Successfully assigned default\/cli-1 to kube-sim-node-1/);
    expect(await k('logs', 'cli-1')).toBe('hello from the simulator\n');
    expect(await k('get', 'sparkapplications')).toMatch(/^NAME\s+SUSPEND\s+STATUS\s+ATTEMPTS\s+START\s+FINISH\s+AGE\nspark-pi\s+COMPLETED\s+1\s+/);
    expect(await k('get', 'sparkapp', 'spark-pi', '-o', 'jsonpath={.status.driverInfo.podName}')).toBe('spark-pi-driver');
  });

  it.skipIf(!hasKubectl)('lets kubectl create with its default validation, --dry-run=server, and shows the API server refusals', async () => {
    const env = { ...process.env, KUBECONFIG: kubeconfig };
    const k = (args: string[], input: string): Promise<{ stdout: string; stderr: string; code: number }> => new Promise((resolve) => {
      const p = execFile('kubectl', ['--cache-dir', join(dir, 'kcache'), ...args], { env }, (err, stdout, stderr) => resolve({ stdout, stderr, code: err === null ? 0 : Number((err as { code?: number }).code ?? 1) }));
      p.stdin?.end(input);
    });
    const manifest = (name: string, extra = ''): string => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\nspec:\n  restartPolicy: Never\n${extra}  containers:\n    - name: base\n      image: busybox:1.36\n`;
    // No --validate=false: kubectl finds fieldValidation in /openapi/v3 and lets the server validate (Strict).
    expect(await k(['create', '-f', '-', '--dry-run=server'], manifest('kc-dry'))).toMatchObject({ code: 0, stdout: 'pod/kc-dry created (server dry run)\n' });
    expect((await k(['get', 'pod', 'kc-dry'], '')).stderr).toContain('pods "kc-dry" not found');
    expect(await k(['create', '-f', '-'], manifest('kc-real'))).toMatchObject({ code: 0, stdout: 'pod/kc-real created\n' });
    const bad = await k(['create', '-f', '-'], manifest('kc-bad', '  serviceAccountName: k8s_service_account\n'));
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('The Pod "kc-bad" is invalid: spec.serviceAccountName: Invalid value: "k8s_service_account": a lowercase RFC 1123 subdomain');
    const missing = await k(['create', '-f', '-'], manifest('kc-nosa', '  serviceAccountName: nobody\n'));
    expect(missing.stderr).toContain('pods "kc-nosa" is forbidden: error looking up service account default/nobody: serviceaccount "nobody" not found');
  });
});
