/**
 * `windsock jobs` as a user runs it, in a pseudo-terminal (util-linux `script`), against two real Windsocks on
 * throwaway Postgres databases: one with the local executor (the command really runs: a job that talks, one that is
 * Ctrl-C'd and cancelled, one Ctrl-C'd and left running, a bad command) and one with the Kubernetes executor on the
 * simulator (a Spark job whose driver log streams to the terminal, a bad image). Each terminal transcript is kept in
 * test/artifacts/cli-jobs-*.txt. Failures end with the reason on the terminal and never a stack trace.
 */
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KubernetesExecutor } from '@windsock/executors';
import type { Metastore } from '@windsock/metastore';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { dagFolder, startInstance, type TestInstance } from './support/instance.ts';
import { startApi, type ApiHarness } from './support/api.ts';
import { BIN, ROOT, windsock } from './support/cli-run.ts';
import { startKubeSim, type KubeSim } from './kube-sim/index.ts';
import { kubeConfigFor } from './kube-sim/client-support.ts';

const ART = join(ROOT, 'test/artifacts');
const DRIVER_LINES = ['SparkContext: Running Spark version 3.5.1', 'DAGScheduler: Job 0 started', 'rows counted: 42', 'SparkContext: Successfully stopped'];

interface Stack { tdb: TestDatabase; store: Metastore; inst: TestInstance; api: ApiHarness }
let local: Stack; let kube: Stack; let sim: KubeSim;

async function stack(executor?: () => KubernetesExecutor): Promise<Stack> {
  const tdb = await freshDatabase();
  const store = await tdb.open();
  const inst = await startInstance({ store, dagsFolder: await dagFolder({}), executor });
  const api = await startApi(store, inst.events);
  return { tdb, store, inst, api };
}

beforeAll(async () => {
  sim = await startKubeSim({ spark: { submitDelayMs: 10, stepDelayMs: 10 } });
  // The simulator's kubelet plays the images: the Spark image's driver writes a log over about a second.
  sim.addImageRule(/team\.demo\.spark$/, { logLines: DRIVER_LINES, logIntervalMs: 250, exitCode: 0 });
  // spark-submit --env-from-secret spark-creds: the Secret must exist, or the driver waits in CreateContainerConfigError.
  await kubeConfigFor(sim).makeApiClient(k8s.CoreV1Api).createNamespacedSecret({ namespace: 'default', body: { metadata: { name: 'spark-creds' }, stringData: { TOKEN: 't' } } });
  [local, kube] = await Promise.all([stack(), stack(() => new KubernetesExecutor(kubeConfigFor(sim), { qps: 500, burst: 500 }))]);
  await mkdir(ART, { recursive: true });
}, 120_000);
afterAll(async () => {
  for (const s of [local, kube]) { await s?.api.close(); await s?.inst.stop(); await s?.store.close(); await s?.tdb.drop(); }
  await sim?.close();
});

const envOf = (s: Stack, role: 'User' | 'Viewer' = 'User') => ({
  HOME: '/nonexistent', XDG_CONFIG_HOME: '/nonexistent', WINDSOCK_CLI_CONFIG: undefined, WINDSOCK_SANDBOX: undefined,
  WINDSOCK_API_URL: s.api.url, WINDSOCK_API_TOKEN: s.api.tokens[role], WINDSOCK_CLI_POLL_MS: '100',
});

const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

/**
 * The command in a pseudo-terminal: each step types `send` once the output shows `after` (`\x03` is Ctrl-C, which
 * the terminal turns into SIGINT for the command). The transcript is saved as an artifact.
 */
function inTerminal(name: string, args: string[], env: Record<string, string | undefined>, steps: Array<{ after: string | RegExp; send: string }> = []): Promise<{ code: number; output: string }> {
  const cmd = `stty cols 120 rows 40 2>/dev/null; exec ${[process.execPath, BIN, ...args].map(quote).join(' ')}`;
  return new Promise((res, rej) => {
    const child = spawn('script', ['-qfec', cmd, '/dev/null'], { env: { ...process.env, NO_COLOR: undefined, TERM: 'xterm', ...env }, cwd: ROOT });
    const timer = setTimeout(() => { child.kill(); rej(new Error(`timed out: ${output}`)); }, 90_000);
    let output = '';
    let step = 0;
    let from = 0;
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      const s = steps[step];
      if (!s) return;
      const seen = typeof s.after === 'string' ? output.indexOf(s.after, from) : output.slice(from).search(s.after);
      if (seen >= 0) { step += 1; from = output.length; child.stdin.write(s.send); }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      child.stdin.destroy();
      void writeFile(join(ART, `cli-jobs-${name}.txt`), `$ windsock ${args.join(' ')}\n${output}\n[exit ${code}]\n`).then(() => res({ code: code ?? 1, output }), rej);
    });
  });
}

const jobIdIn = (output: string) => /job ((?:job|spark)_\d{8}T\d{6}_[0-9a-f]{6}) submitted/.exec(output)?.[1] ?? '';
const noStackTrace = (output: string) => expect(output).not.toMatch(/^\s+at .+[(:]\d+/m);

async function jobState(s: Stack, id: string): Promise<{ state: string; task_state: string | null }> {
  const r = await s.api.call('GET', `/api/windsock/v1/jobs/${id}`, { token: s.api.tokens.Admin });
  return r.body as { state: string; task_state: string | null };
}

describe('windsock jobs (local executor)', { timeout: 120_000 }, () => {
  it('submit --follow streams the log in the terminal and exits 0 when the job succeeds', async () => {
    const r = await inTerminal('follow', ['jobs', 'submit', '--image-tag', 'team.demo.tools', '--cmd', 'for i in 1 2 3; do echo "tick $i of $WHO"; sleep 0.3; done', '--env', 'WHO=the job', '--memory', '256Mi', '--follow'], envOf(local));
    expect(r.code, r.output).toBe(0);
    const id = jobIdIn(r.output);
    expect(id).toMatch(/^job_/);
    for (const i of [1, 2, 3]) expect(r.output).toContain(`tick ${i} of the job`);
    expect(r.output).toContain(`job ${id} succeeded`);
    expect((await jobState(local, id)).state).toBe('success');
    // The same log afterwards, and the job in the list.
    const logs = await windsock(['jobs', 'logs', id], envOf(local));
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toContain('tick 3 of the job');
    const plain = await windsock(['jobs', 'list', '-o', 'plain'], envOf(local));
    const row = plain.stdout.split('\n').find((l) => l.startsWith(`${id}\t`))?.split('\t');
    expect(row?.slice(0, 5)).toEqual([id, 'container', '', 'user', 'success']);
    const list = await windsock(['jobs', 'list', '-o', 'json'], envOf(local));
    expect((JSON.parse(list.stdout) as { jobs: Array<{ job_id: string; state: string }> }).jobs).toContainEqual(expect.objectContaining({ job_id: id, state: 'success' }));
  });

  it('Ctrl-C asks; "y" cancels the job: its process stops, the job fails, the command exits 1', async () => {
    const r = await inTerminal('ctrl-c-cancel', ['jobs', 'submit', '--image-tag', 'team.demo.tools', '--cmd', 'echo serving; sleep 60; echo never', '--follow'], envOf(local),
      [{ after: 'serving', send: '\x03' }, { after: /Cancel job \S+\?/, send: 'y\r' }]);
    const id = jobIdIn(r.output);
    expect(r.code, r.output).toBe(1);
    expect(r.output).toContain(`cancelling job ${id}`);
    expect(r.output).toContain(`windsock: job ${id} was cancelled`);
    expect(r.output).not.toContain('never');
    noStackTrace(r.output);
    expect(await jobState(local, id)).toMatchObject({ state: 'failed', task_state: 'failed' });
  });

  it('Ctrl-C then "n" stops following with exit 130 and the job runs on; jobs cancel stops it later', async () => {
    const r = await inTerminal('ctrl-c-detach', ['jobs', 'submit', '--image-tag', 'team.demo.tools', '--cmd', 'echo serving; sleep 60', '--follow'], envOf(local),
      [{ after: 'serving', send: '\x03' }, { after: /Cancel job \S+\?/, send: 'n\r' }]);
    const id = jobIdIn(r.output);
    expect(r.code, r.output).toBe(130);
    expect(r.output).toContain(`windsock: stopped following job ${id}; it runs on (windsock jobs logs ${id} -f)`);
    expect(await jobState(local, id)).toMatchObject({ state: 'running', task_state: 'running' });
    const c = await windsock(['jobs', 'cancel', id, '-o', 'json'], envOf(local));
    expect(c.code, c.stderr).toBe(0);
    expect(JSON.parse(c.stdout)).toMatchObject({ job_id: id, state: 'failed', ui_url: `${local.api.url}/dags/windsock_jobs/runs/${id}/tasks/job` });
    const again = await windsock(['jobs', 'cancel', id], envOf(local));
    expect(again.code).toBe(1);
    expect(again.stderr.trim()).toBe(`windsock: Job ${id} already ended (failed)`);
  });

  it('a bad command fails the job (after its retry, each try\'s log followed) with the reason in the terminal, not a stack trace', async () => {
    const r = await inTerminal('bad-command', ['jobs', 'submit', '--image-tag', 'team.demo.tools', '--cmd', 'no-such-tool --go', '--retries', '1', '--follow'], envOf(local));
    const id = jobIdIn(r.output);
    expect(r.code, r.output).toBe(1);
    expect(r.output.match(/no-such-tool: command not found/g)).toHaveLength(2);
    expect(r.output).toContain(`--- try 2 of job ${id} ---`);
    expect(r.output.indexOf('Marking task as UP_FOR_RETRY')).toBeLessThan(r.output.indexOf(`--- try 2 of job ${id} ---`));
    expect(r.output).toMatch(new RegExp(`windsock: job ${id} failed: Task failed.*exit code 127`));
    noStackTrace(r.output);
  });

  it('bad flags are usage errors (exit 2) and submit nothing; a Viewer is refused (exit 4); an unknown job is exit 3', async () => {
    const env = envOf(local);
    const before = (await local.api.call('GET', '/api/windsock/v1/jobs', { token: local.api.tokens.Admin })).body as { total_entries: number };
    const e = await windsock(['jobs', 'submit', '--image-tag', 'a.b.c', '--cmd', 'true', '--env', 'NOEQUALS'], env);
    expect([e.code, e.stderr.trim()]).toEqual([2, 'windsock: --env takes KEY=VALUE (got "NOEQUALS")']);
    const s = await windsock(['jobs', 'spark-submit', '--image-tag', 'a.b.c', '--code-path', '/m.py', '--executors', '2', '--dynamic-allocation'], env);
    expect([s.code, s.stderr.trim()]).toEqual([2, 'windsock: give --executors N or --dynamic-allocation, not both']);
    const m = await windsock(['jobs', 'submit', '--image-tag', 'a.b.c'], env);
    expect(m.code).toBe(2);
    expect(m.stderr).toContain("required option '--cmd <command>' not specified");
    const bad = await windsock(['jobs', 'submit', '--image-tag', 'a.b.c', '--cmd', 'true', '--memory', 'lots'], env);
    expect([bad.code, bad.stderr.trim()]).toEqual([1, 'windsock: the server refused the request: memory: "lots" is not a quantity (e.g. 1Gi)']);
    const viewer = await windsock(['jobs', 'submit', '--image-tag', 'a.b.c', '--cmd', 'true'], envOf(local, 'Viewer'));
    expect([viewer.code, viewer.stderr.trim()]).toEqual([4, 'windsock: permission denied: Role Viewer may not create job']);
    const missing = await windsock(['jobs', 'get', 'job_20000101T000000_000000'], env);
    expect([missing.code, missing.stderr.trim()]).toEqual([3, 'windsock: No job job_20000101T000000_000000']);
    const after = (await local.api.call('GET', '/api/windsock/v1/jobs', { token: local.api.tokens.Admin })).body as { total_entries: number };
    expect(after.total_entries).toBe(before.total_entries);
  });
});

describe('windsock jobs (Kubernetes executor, simulator)', { timeout: 120_000 }, () => {
  it('spark-submit --follow shows the driver\'s log as it is written and exits 0; the SparkApplication has the flags\' settings', async () => {
    const seen: Array<Record<string, unknown>> = [];
    const watch = setInterval(() => { for (const a of sim.sparkApplications('default')) if (!seen.some((s) => (s.metadata as { name: string }).name === a.metadata.name)) seen.push(structuredClone(a) as unknown as Record<string, unknown>); }, 20);
    const r = await inTerminal('spark', ['jobs', 'spark-submit', '--image-tag', 'team.demo.spark', '--code-path', '/app/count.py', '--conf', 'spark.sql.shuffle.partitions=4',
      '--dynamic-allocation', '--min-executors', '1', '--max-executors', '5', '--executor-memory', '2g', '--py-files', 'local:///app/lib.zip', '--env-from-secret', 'spark-creds', '--follow', '--', '--day', '2024-01-01'], envOf(kube));
    clearInterval(watch);
    expect(r.code, r.output).toBe(0);
    const id = jobIdIn(r.output);
    expect(id).toMatch(/^spark_/);
    let at = -1;
    for (const line of DRIVER_LINES) { const i = r.output.indexOf(line); expect(i, line).toBeGreaterThan(at); at = i; }
    expect(r.output).toContain(`job ${id} succeeded`);
    const app = seen.find((a) => (a.metadata as { labels: Record<string, string> }).labels.dag_id === 'windsock_spark_jobs');
    expect(app, JSON.stringify(seen.map((a) => a.metadata))).toBeDefined();
    expect(app!.spec).toMatchObject({
      type: 'Python', mainApplicationFile: 'local:///app/count.py', image: 'team.demo.spark', arguments: ['--day', '2024-01-01'],
      sparkConf: { 'spark.sql.shuffle.partitions': '4' }, deps: { pyFiles: ['local:///app/lib.zip'] },
      dynamicAllocation: { enabled: true, minExecutors: 1, maxExecutors: 5, initialExecutors: 1 }, executor: { memory: '2g' },
    });
    for (const role of ['driver', 'executor']) expect((app!.spec as Record<string, { envFrom: unknown }>)[role]!.envFrom).toEqual([{ secretRef: { name: 'spark-creds' } }]);
  });

  it('a bad image fails the job after its startup timeout, with the pull error in the terminal, not a stack trace', async () => {
    const r = await inTerminal('bad-image', ['jobs', 'submit', '--image-tag', 'team.demo.tools:missing', '--cmd', 'run', '--startup-timeout', '2', '--follow'], envOf(kube));
    const id = jobIdIn(r.output);
    expect(r.code, r.output).toBe(1);
    expect(r.output).toMatch(/(ErrImagePull|ImagePullBackOff)/);
    expect(r.output).toMatch(new RegExp(`windsock: job ${id} failed: Task failed \\((ErrImagePull|ImagePullBackOff)\\)`));
    noStackTrace(r.output);
  });
});
