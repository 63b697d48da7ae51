/**
 * The Airflow verbs stay light: their help and a real run against a server load only commander, the CLI's client
 * and the verb's own module, never Pyodide, the webserver, the Kubernetes client, BullMQ, the DAG parser or the
 * metastore (test/support/module-trace.ts records every module a process loads).
 */
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, ROOT } from './support/cli-run.ts';

const TRACE = join(ROOT, 'test/support/module-trace.ts');
const HEAVY = [/\/node_modules\/pyodide\//, /\/node_modules\/fastify\//, /\/apps\/webserver\/src\/(server|index)\.ts$/, /\/node_modules\/@kubernetes\/client-node\//, /\/node_modules\/bullmq\//, /\/libs\/dag-parser\//, /\/libs\/metastore\//];

async function traced(args: string[]): Promise<{ code: number; stdout: string; stderr: string; modules: string[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'windsock-verbs-trace-'));
  const trace = join(dir, 'modules.txt');
  const r = await new Promise<{ code: number; stdout: string; stderr: string }>((res) => {
    execFile(process.execPath, [BIN, ...args], {
      cwd: ROOT, timeout: 60_000,
      env: { ...process.env, WINDSOCK_HOME: join(dir, 'home'), WINDSOCK_CLI_CONFIG: join(dir, 'cli.yaml'), WINDSOCK_API_URL: '', WINDSOCK_API_TOKEN: '', WINDSOCK_MODULE_TRACE: trace, NODE_OPTIONS: `--import=${TRACE}` },
    }, (err, stdout, stderr) => res({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
  });
  return { ...r, modules: (await readFile(trace, 'utf8').catch(() => '')).split('\n').filter(Boolean) };
}

const heavy = (modules: string[]) => modules.filter((m) => HEAVY.some((re) => re.test(m)));

describe('the Airflow verbs load what they use', { timeout: 120_000 }, () => {
  it('--help lists them; their help loads none of their code', async () => {
    const top = await traced(['--help']);
    for (const cmd of ['runs', 'variables', 'connections', 'pools']) expect(top.stdout).toMatch(new RegExp(`^  ${cmd}\\b`, 'm'));
    const clear = await traced(['tasks', 'clear', '--help']);
    expect(clear.stdout).toContain('-t, --task-regex <regex>');
    expect(clear.modules.length).toBeGreaterThan(5);
    expect(heavy(clear.modules)).toEqual([]);
    expect(clear.modules.some((m) => m.endsWith('/remote/task-verbs.ts'))).toBe(false);
    const add = await traced(['connections', 'add', '--help']);
    expect(add.stdout).toContain('--conn-uri <uri>');
    expect(heavy(add.modules)).toEqual([]);
    expect(add.modules.some((m) => m.endsWith('/remote/connections.ts'))).toBe(false);
  });

  it('a real run loads the verb\'s module and the client only', async () => {
    const r = await traced(['variables', 'list', '--api-url', 'http://127.0.0.1:1', '--token', 'x']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cannot reach Windsock at http://127.0.0.1:1');
    expect(r.modules.some((m) => m.endsWith('/remote/variables.ts'))).toBe(true);
    expect(r.modules.some((m) => m.endsWith('/remote/connections.ts') || m.endsWith('/remote/pools.ts'))).toBe(false);
    expect(heavy(r.modules)).toEqual([]);
  });
});
