/**
 * The CLI loads what the command needs: `--help`, `--version`, `db migrate`, `users create` and `dags list` on a
 * YAML-only folder run as real processes with test/support/module-trace.ts recording every module they (and
 * their threads) load, and none may load Pyodide, the webserver (Fastify), the Kubernetes client or BullMQ.
 * Someone adding an eager import of one of them to a command module makes this fail.
 */
import { describe, expect, it } from 'vitest';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { dagFolder } from './support/instance.ts';
import { freshDatabase, REDIS_URL } from './support/db.ts';
import { SANDBOX_SCHEDULER_V8_FLAGS } from '../apps/cli/src/v8-flags.ts';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'apps/cli/bin/windsock.js');
const TRACE = join(ROOT, 'test/support/module-trace.ts');
const HEAVY: Record<string, RegExp> = {
  pyodide: /\/node_modules\/pyodide\//,
  fastify: /\/node_modules\/fastify\//,
  'the webserver': /\/apps\/webserver\/src\/(server|index)\.ts$/,
  'the Kubernetes client': /\/node_modules\/@kubernetes\/client-node\//,
  bullmq: /\/node_modules\/bullmq\//,
  // Metrics backends load only in the processes that serve or send metrics (libs/metrics/src/open.ts).
  'prom-client': /\/node_modules\/prom-client\//,
  'hot-shots': /\/node_modules\/hot-shots\//,
};

async function traced(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string; modules: string[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'windsock-trace-'));
  const trace = join(dir, 'modules.txt');
  const r = await new Promise<{ code: number; stdout: string; stderr: string }>((res) => {
    execFile(process.execPath, [BIN, ...args], {
      cwd: ROOT, timeout: 120_000,
      env: { ...process.env, WINDSOCK_HOME: join(dir, 'home'), ...env, WINDSOCK_MODULE_TRACE: trace, NODE_OPTIONS: `--import=${TRACE}` },
    }, (err, stdout, stderr) => res({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
  });
  const modules = (await readFile(trace, 'utf8').catch(() => '')).split('\n').filter(Boolean);
  return { ...r, modules };
}

function heavyIn(modules: string[]): string[] {
  return Object.entries(HEAVY).filter(([, re]) => modules.some((m) => re.test(m))).map(([name]) => name);
}

const YAML_DAG = 'lazy_yaml:\n  schedule: null\n  default_args: {start_date: 2024-01-01}\n  tasks:\n    - task_id: a\n      operator: airflow.operators.bash.BashOperator\n      bash_command: echo a\n';

describe('the CLI loads what the command needs', { timeout: 300_000 }, () => {
  it('--help lists every command and loads none of the heavy modules', async () => {
    const r = await traced(['--help']);
    expect(r.code).toBe(0);
    for (const cmd of ['standalone', 'db', 'dags', 'tasks', 'users', 'webserver', 'scheduler', 'worker', 'login', 'logout', 'sandboxes']) expect(r.stdout).toMatch(new RegExp(`^  ${cmd}\\b`, 'm'));
    expect(r.modules.length).toBeGreaterThan(5); // the trace works
    expect(heavyIn(r.modules)).toEqual([]);
    // Sub-command help is complete too: options registered without loading the command's code.
    const sub = await traced(['users', 'create', '--help']);
    expect(sub.stdout).toContain('--role <role>');
    expect(sub.stdout).toContain('Admin, Op, User, Viewer');
    expect(heavyIn(sub.modules)).toEqual([]);
  });

  it('the remote commands (help and a run against a server) load nothing heavy', async () => {
    const help = await traced(['sandboxes', 'create', '--help']);
    expect(help.stdout).toContain('--git-url <url>');
    expect(heavyIn(help.modules)).toEqual([]);
    const trigger = await traced(['dags', 'trigger', '--help']);
    expect(trigger.stdout).toContain('--logical-date <iso>');
    expect(heavyIn(trigger.modules)).toEqual([]);
    // A real run of a remote command: it fails (nothing listens there), having loaded only the CLI's client.
    const r = await traced(['tasks', 'logs', 'd', 'r', 't', '--api-url', 'http://127.0.0.1:1', '--token', 'x'], { WINDSOCK_CLI_CONFIG: '/nonexistent/cli.yaml' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cannot reach Windsock at http://127.0.0.1:1');
    expect(r.modules.some((x) => x.endsWith('/apps/cli/src/remote/runs.ts'))).toBe(true);
    expect(r.modules.some((x) => x.includes('/libs/dag-parser/') || x.includes('/libs/metastore/'))).toBe(false);
    expect(heavyIn(r.modules)).toEqual([]);
  });

  it('--version prints the version and the Node.js it runs on, loading nothing heavy', async () => {
    const r = await traced(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\d+\.\d+\.\d+ \(Node\.js v\d+\./);
    expect(heavyIn(r.modules)).toEqual([]);
  });

  it('db migrate and users create on the embedded store load nothing heavy', async () => {
    const home = join(await mkdtemp(join(tmpdir(), 'windsock-home-')), 'home');
    const m = await traced(['db', 'migrate'], { WINDSOCK_HOME: home });
    expect(m.code, m.stderr).toBe(0);
    expect(m.modules.some((x) => x.includes('/node_modules/@electric-sql/pglite/'))).toBe(true);
    expect(heavyIn(m.modules)).toEqual([]);
    const u = await traced(['users', 'create', '-u', 'lazy', '-p', 'pw', '-r', 'Viewer'], { WINDSOCK_HOME: home });
    expect(u.code, u.stderr).toBe(0);
    expect(u.stdout).toContain('User "lazy" created with role Viewer');
    expect(heavyIn(u.modules)).toEqual([]);
  });

  it('dags list on a YAML-only folder never loads Pyodide; a Python file loads it only in the sandboxed parser', async () => {
    const folder = await dagFolder({ 'lazy.yaml': YAML_DAG });
    const r = await traced(['dags', 'list', '-S', folder, '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { dag_id: string }[]).map((d) => d.dag_id)).toEqual(['lazy_yaml']);
    expect(heavyIn(r.modules)).toEqual([]);
    // Python files are parsed in a child process (libs/pysandbox): the command itself loads only the host side.
    const py = await dagFolder({ 'p.py': 'from airflow import DAG\nwith DAG("lazy_py", schedule=None):\n    pass\n' });
    const p = await traced(['dags', 'list', '-S', py, '-o', 'json']);
    expect(p.code, p.stderr).toBe(0);
    expect((JSON.parse(p.stdout) as { dag_id: string }[]).map((d) => d.dag_id)).toEqual(['lazy_py']);
    expect(p.modules.some((x) => x.includes('/libs/pysandbox/src/sandbox.ts'))).toBe(true);
    expect(heavyIn(p.modules)).toEqual([]);
  });

  it('a folder sandbox\'s scheduler on the local executor holds no Kubernetes client, PGlite, git client or pino-pretty', async () => {
    // Every module kept is memory an idle sandbox pays for (target 100 MiB): only what its configuration uses.
    const tdb = await freshDatabase();
    const dir = await mkdtemp(join(tmpdir(), 'windsock-trace-'));
    const trace = join(dir, 'modules.txt');
    const folder = await dagFolder({ 'lazy.yaml': YAML_DAG });
    try {
      // With the V8 flags the control plane gives it: no re-exec, so the IPC channel (its 'ready') stays.
      const child = spawn(process.execPath, [...SANDBOX_SCHEDULER_V8_FLAGS, BIN, 'sandbox-scheduler'], {
        cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
        env: {
          ...process.env, WINDSOCK_HOME: join(dir, 'home'), WINDSOCK_MODULE_TRACE: trace, NODE_OPTIONS: `--import=${TRACE}`,
          WINDSOCK__DATABASE__URL: tdb.url, WINDSOCK__DATABASE__SCHEMA: 'sb_lazy', WINDSOCK__QUEUE__PREFIX: `lazy${Date.now()}-sb-x`, WINDSOCK__QUEUE__REDIS_URL: REDIS_URL,
          WINDSOCK__CORE__DAGS_FOLDER: folder, WINDSOCK__CORE__EXECUTOR: 'local', WINDSOCK_SANDBOX: 'lazy', WINDSOCK__LOGGING__FORMAT: 'json',
          WINDSOCK__SCHEDULER__HEALTH_CHECK_PORT: '0', WINDSOCK__WORKER__HEALTH_CHECK_PORT: '0',
        },
      });
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
      const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
      await Promise.race([
        new Promise<void>((res) => child.on('message', (m: { type?: string }) => { if (m.type === 'ready') res(); })),
        exited.then((code) => { throw new Error(`sandbox-scheduler exited ${code}: ${stderr}`); }),
      ]);
      child.kill('SIGTERM');
      expect(await exited, stderr).toBe(0);
      const modules = (await readFile(trace, 'utf8')).split('\n').filter(Boolean);
      expect(modules.some((m) => m.includes('/node_modules/bullmq/'))).toBe(true); // the trace works: its queue is there
      const held = Object.entries({
        'the Kubernetes client': /\/node_modules\/@kubernetes\/client-node\//, PGlite: /\/node_modules\/@electric-sql\/pglite\//,
        'isomorphic-git': /\/node_modules\/isomorphic-git\//, 'pino-pretty': /\/node_modules\/pino-pretty\//, fastify: /\/node_modules\/fastify\//,
      }).filter(([, re]) => modules.some((m) => re.test(m))).map(([name]) => name);
      expect(held).toEqual([]);
    } finally {
      await tdb.drop();
    }
  });
});
