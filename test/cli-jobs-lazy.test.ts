/**
 * `windsock jobs` stays light: its help is registered with commander only, and a run against a server loads the
 * CLI's jobs client, never the webserver, the Kubernetes client, Pyodide, BullMQ, the parser or the metastore
 * (module loads traced by test/support/module-trace.ts, as in cli-lazy.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, ROOT } from './support/cli-run.ts';

const TRACE = join(ROOT, 'test/support/module-trace.ts');
const HEAVY = /\/node_modules\/(pyodide|fastify|@kubernetes\/client-node|bullmq|kysely|pg)\/|\/apps\/webserver\/src\/(server|index)\.ts$|\/libs\/(dag-parser|metastore|executors)\//;

async function traced(args: string[]): Promise<{ code: number; stdout: string; stderr: string; modules: string[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'windsock-jobs-trace-'));
  const trace = join(dir, 'modules.txt');
  const r = await new Promise<{ code: number; stdout: string; stderr: string }>((res) => {
    execFile(process.execPath, [BIN, ...args], {
      cwd: ROOT, timeout: 60_000,
      env: { ...process.env, WINDSOCK_HOME: join(dir, 'home'), WINDSOCK_CLI_CONFIG: '/nonexistent/cli.yaml', WINDSOCK_MODULE_TRACE: trace, NODE_OPTIONS: `--import=${TRACE}` },
    }, (err, stdout, stderr) => res({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
  });
  return { ...r, modules: (await readFile(trace, 'utf8').catch(() => '')).split('\n').filter(Boolean) };
}

describe('windsock jobs loads what it needs', { timeout: 120_000 }, () => {
  it('help is complete without loading the jobs code', async () => {
    const top = await traced(['--help']);
    expect(top.stdout).toMatch(/^ {2}jobs\b/m);
    const h = await traced(['jobs', 'spark-submit', '--help']);
    expect(h.code).toBe(0);
    for (const flag of ['--code-path <path>', '--conf <k=v>', '--executors <n>', '--dynamic-allocation', '--follow', '--sandbox <name>']) expect(h.stdout).toContain(flag);
    expect(h.modules.length).toBeGreaterThan(5); // the trace works
    expect(h.modules.filter((m) => m.includes('/apps/cli/src/remote/jobs'))).toEqual([]);
    expect(h.modules.filter((m) => HEAVY.test(m))).toEqual([]);
  });

  it('a submit against a server loads the jobs client and nothing heavy', async () => {
    const r = await traced(['jobs', 'submit', '--image-tag', 'a.b.c', '--cmd', 'true', '--api-url', 'http://127.0.0.1:1', '--token', 'x']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cannot reach Windsock at http://127.0.0.1:1');
    expect(r.modules.some((m) => m.endsWith('/apps/cli/src/remote/jobs.ts'))).toBe(true);
    expect(r.modules.filter((m) => HEAVY.test(m))).toEqual([]);
  });
});
