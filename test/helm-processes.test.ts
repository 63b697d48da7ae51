/**
 * The chart's probes against the real processes: `windsock scheduler`, `windsock worker` and `windsock webserver`
 * started as the rendered Deployments start them (their args, the rendered ConfigMap and Secret as variables, the
 * ports the chart gives them), on a test Postgres and Redis and a simulated cluster; every startup, liveness and
 * readiness probe the chart renders then answers as the kubelet needs it to (HTTP 200, or a TCP connect). A
 * scheduler rendered in builtin DAG-sync mode, its volumes on temp folders, reads the rendered [dag_sources] and
 * clones a private repository with the mounted credentials file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startKubeSim, type KubeSim } from './kube-sim/index.ts';
import { freshDatabase, REDIS_URL, type TestDatabase } from './support/db.ts';
import { fixtureRepo, serveGit, type GitHttpServer } from './support/git-http.ts';
import { find, podSpec, render, type Probe } from './helm-support.ts';

const CLI = resolve(import.meta.dirname, '../apps/cli/bin/windsock.js');

const freePort = () => new Promise<number>((ok, fail) => {
  const s = createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => ok(p)); }).on('error', fail);
});

async function probe(p: Probe, ports: Record<string, number>): Promise<string> {
  const port = (ref: string | number) => (typeof ref === 'number' ? ref : ports[ref]!);
  if (p.httpGet) {
    try {
      const res = await fetch(`http://127.0.0.1:${port(p.httpGet.port)}${p.httpGet.path}`, { signal: AbortSignal.timeout(3000) });
      return `${res.status}`;
    } catch (e) { return `error ${(e as Error).message}`; }
  }
  if (p.tcpSocket) {
    return new Promise((ok) => {
      const s = connect(port(p.tcpSocket!.port), '127.0.0.1', () => { s.destroy(); ok('open'); }).on('error', (e) => ok(`error ${e.message}`));
    });
  }
  throw new Error(`unexpected probe ${JSON.stringify(p)}`);
}

let sim: KubeSim, db: TestDatabase, work: string;
let git: GitHttpServer | undefined, sourcesDb: TestDatabase | undefined;
const children: ChildProcess[] = [];
const stderr: Record<string, string> = {};

beforeAll(async () => {
  [sim, db, work] = await Promise.all([startKubeSim(), freshDatabase(), mkdtemp(join(tmpdir(), 'windsock-helm-procs-'))]);
  await sim.writeKubeconfig(join(work, 'kubeconfig'));
  await mkdir(join(work, 'dags'));
  await fetch(`${sim.url}/api/v1/namespaces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ metadata: { name: 'windsock' } }) });
}, 60_000);

afterAll(async () => {
  await Promise.all(children.map((c) => {
    if (c.exitCode !== null || c.signalCode !== null) return null;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    const kill = setTimeout(() => c.kill('SIGKILL'), 10_000);
    return exited.finally(() => clearTimeout(kill));
  }));
  await sim?.close();
  await git?.close();
  await db?.drop();
  await sourcesDb?.drop();
  if (work) await rm(work, { recursive: true, force: true });
}, 60_000);

/** Waits for the startup probe, then liveness and readiness, as the kubelet does: name → '200' | 'open' | the last error. */
async function probeAll(container: { startupProbe?: Probe; livenessProbe?: Probe; readinessProbe?: Probe; ports?: { name: string; containerPort: number }[] }, child: ChildProcess): Promise<Record<string, string>> {
  const ports = Object.fromEntries(container.ports!.map((p) => [p.name, p.containerPort]));
  const probes = { startup: container.startupProbe!, liveness: container.livenessProbe!, readiness: container.readinessProbe! };
  const deadline = Date.now() + 40_000;
  const out: Record<string, string> = {};
  for (const [name, p] of Object.entries(probes)) {
    for (;;) {
      const got = await probe(p, ports);
      if (got === '200' || got === 'open' || child.exitCode !== null || Date.now() > deadline) { out[name] = got; break; }
      await new Promise((ok) => setTimeout(ok, 200));
    }
  }
  return out;
}

describe('helm chart: probes against the real processes', () => {
  it('every startup, liveness and readiness probe of the three Deployments answers', async () => {
    const [sp, wp, hp] = await Promise.all([freePort(), freePort(), freePort()]);
    const r = render({ config: { scheduler: { health_check_port: sp }, worker: { health_check_port: wp }, webserver: { port: hp } } });
    const env: Record<string, string> = {};
    Object.assign(env, find(r.objects, 'ConfigMap', 'ws-windsock-config')['data']);
    for (const [k, v] of Object.entries(find(r.objects, 'Secret', 'ws-windsock-secrets')['data'] as Record<string, string>)) env[k] = Buffer.from(v, 'base64').toString();
    // What the cluster would supply: the database and Redis Secrets, a DAG folder, a home on the emptyDir, a token.
    Object.assign(env, {
      PATH: process.env.PATH ?? '', HOME: work, WINDSOCK_HOME: join(work, 'home'), KUBECONFIG: join(work, 'kubeconfig'),
      WINDSOCK__DATABASE__URL: db.url, WINDSOCK__QUEUE__REDIS_URL: REDIS_URL, WINDSOCK__QUEUE__PREFIX: `wh${randomBytes(4).toString('hex')}`,
      WINDSOCK__CORE__DAGS_FOLDER: join(work, 'dags'), WINDSOCK__LOGGING__FORMAT: 'json', WINDSOCK__WORKER__SHUTDOWN_GRACE_SEC: '1',
    });
    const results: Record<string, Record<string, string>> = {};
    await Promise.all(['scheduler', 'worker', 'webserver'].map(async (c) => {
      const container = podSpec(find(r.objects, 'Deployment', `ws-windsock-${c}`)).containers[0]!;
      const [bin, ...args] = container.args!;
      expect(bin).toBe('windsock');
      const child = spawn(process.execPath, [CLI, ...args], { env: { ...env, ...Object.fromEntries((container.env ?? []).filter((e) => e.value !== undefined && !e.name.startsWith('WINDSOCK_HOME')).map((e) => [e.name, e.value!])) }, stdio: ['ignore', 'ignore', 'pipe'] });
      children.push(child);
      stderr[c] = '';
      child.stderr!.on('data', (d: Buffer) => { stderr[c] += d.toString(); });
      results[c] = await probeAll(container, child);
    }));
    expect(results, JSON.stringify(stderr).slice(-3000)).toEqual({
      scheduler: { startup: '200', liveness: '200', readiness: '200' },
      worker: { startup: '200', liveness: '200', readiness: '200' },
      webserver: { startup: 'open', liveness: 'open', readiness: '200' },
    });
    // The ServiceMonitor's endpoints (the health ports and the webserver's) serve Prometheus' text format.
    const monitor = find(render({ metrics: { serviceMonitor: { enabled: true } } }).objects, 'ServiceMonitor', 'ws-windsock') as unknown as { spec: { endpoints: { port: string; path: string }[] } };
    expect(monitor.spec.endpoints.map((e) => e.port)).toEqual(['health', 'http']);
    for (const port of [sp, wp, hp]) {
      const res = await fetch(`http://127.0.0.1:${port}${monitor.spec.endpoints[0]!.path}`);
      expect(res.status, `port ${port}`).toBe(200);
      expect(await res.text()).toMatch(/^# HELP process_cpu_seconds_total/m);
    }
  }, 90_000);

  it('a scheduler started as the builtin-mode Deployment accepts its [dag_sources] and syncs a private repository', async () => {
    const port = await freePort();
    const repos = join(work, 'repos');
    await mkdir(repos);
    const repo = fixtureRepo(repos, 'team-a');
    const commit = repo.commit('main', { 'dags/README.txt': 'team-a DAGs\n' });
    const auth = { username: 'ci-bot', password: `t${randomBytes(6).toString('hex')}` };
    git = await serveGit(repos, { auth });
    sourcesDb = await freshDatabase();
    const r = render({
      config: { scheduler: { health_check_port: port } },
      dags: { mode: 'builtin', credentialsSecret: { name: 'windsock-git', key: 'git.yaml' }, sources: [{ name: 'team-a', git: { url: `${git.url}/team-a.git`, ref: 'main', subPath: 'dags', intervalSeconds: 60 } }] },
    });
    const dep = find(r.objects, 'Deployment', 'ws-windsock-scheduler');
    const container = podSpec(dep).containers[0]!;
    // The pod's volumes on temp folders: each mount path of the container is replaced by its own folder.
    const mounts = (container as unknown as { volumeMounts: { name: string; mountPath: string; subPath?: string }[] }).volumeMounts.filter((m) => m.name !== 'tmp');
    expect(mounts.map((m) => m.name)).toEqual(['config-file', 'dags', 'git-credentials']);
    const at = (p: string) => join(work, 'pod', p);
    const onDisk = (text: string) => mounts.reduce((t, m) => t.split(m.mountPath).join(at(m.mountPath)), text);
    const fileText = (find(r.objects, 'ConfigMap', 'ws-windsock-config-file')['data'] as Record<string, string>)['windsock.yaml']!;
    await mkdir(dirname(at('/etc/windsock/windsock.yaml')), { recursive: true });
    await writeFile(at('/etc/windsock/windsock.yaml'), onDisk(fileText));
    await mkdir(at('/etc/windsock/git-credentials'), { recursive: true });
    // The Secret dags.credentialsSecret names, as the credentials file Windsock reads.
    await writeFile(join(at('/etc/windsock/git-credentials'), 'credentials.yaml'), `${git.url}/: {username: ${auth.username}, password: ${auth.password}}\n`);
    await mkdir(at('/opt/windsock/dags'), { recursive: true });
    const env: Record<string, string> = {};
    Object.assign(env, find(r.objects, 'ConfigMap', 'ws-windsock-config')['data']);
    for (const [k, v] of Object.entries(find(r.objects, 'Secret', 'ws-windsock-secrets')['data'] as Record<string, string>)) env[k] = Buffer.from(v, 'base64').toString();
    for (const e of container.env ?? []) if (e.value !== undefined && e.name !== 'WINDSOCK_HOME') env[e.name] = e.value;
    for (const k of Object.keys(env)) env[k] = onDisk(env[k]!);
    Object.assign(env, {
      PATH: process.env.PATH ?? '', HOME: work, WINDSOCK_HOME: join(work, 'home-sources'), KUBECONFIG: join(work, 'kubeconfig'),
      WINDSOCK__DATABASE__URL: sourcesDb.url, WINDSOCK__QUEUE__REDIS_URL: REDIS_URL, WINDSOCK__QUEUE__PREFIX: `wh${randomBytes(4).toString('hex')}`,
      WINDSOCK__LOGGING__FORMAT: 'json',
    });
    expect(env['WINDSOCK_CONFIG']).toBe(at('/etc/windsock/windsock.yaml'));
    const [bin, ...args] = container.args!;
    expect(bin).toBe('windsock');
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(child);
    let err = '';
    child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
    expect(await probeAll(container, child), err.slice(-3000)).toEqual({ startup: '200', liveness: '200', readiness: '200' });
    // The source was cloned with the credentials file into the root's .sources/, and appears as <root>/team-a.
    const synced = err.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { msg?: string; sources?: { name: string; commit: string | null; error: string | null }[] })
      .find((l) => l.msg === 'DAG sources synced');
    expect(synced?.sources, err.slice(-3000)).toEqual([{ name: 'team-a', commit, error: null }]);
    expect(await readFile(join(at('/opt/windsock/dags'), 'team-a', 'README.txt'), 'utf8')).toBe('team-a DAGs\n');
    expect(err).not.toContain(auth.password);
  }, 90_000);
});
