/**
 * The README's two commands on a fresh machine whose Node is older than 24: the repository is cloned to a temp
 * folder, `npm ci` runs with the machine's older node first on PATH, and then `npx windsock` and `npm start` must
 * run on Node 24 (the `node` dev dependency in node_modules/.bin) while the system's node stays what it was, and
 * standalone must serve the UI (built at install). Slow (npm ci downloads Node 24: a minute or more), so it runs
 * only with WINDSOCK_FRESH_SETUP=1, as `.ci/run` does.
 */
import { describe, expect, it } from 'vitest';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const ENABLED = process.env.WINDSOCK_FRESH_SETUP === '1';

/** PATH without any folder that brings Node 24 (node_modules/.bin, .node24), with an older node's folder first. */
function olderNodePath(): { path: string; node: string; version: string } | null {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter((d) => d && !/node_modules[\\/]\.bin|\.node24/.test(d));
  for (const dir of dirs) {
    const node = join(dir, 'node');
    if (!existsSync(node)) continue;
    const version = execFileSync(node, ['-v'], { encoding: 'utf8' }).trim();
    if (Number(version.slice(1).split('.')[0]) < 24) return { path: [dir, ...dirs].join(delimiter), node, version };
  }
  return null;
}

/** The environment of a fresh shell: no npm_* variables from the npm that may run this test, the given PATH. */
function freshEnv(path: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(npm_|NODE_OPTIONS$|NODE$|INIT_CWD$|VITEST)/i.test(k)) env[k] = v;
  return { ...env, PATH: path, ...extra };
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, timeout = 600_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    execFile(cmd, args, { cwd, env, timeout, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      res({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

describe.skipIf(!ENABLED)('a fresh clone with an older Node first on PATH', { timeout: 900_000 }, () => {
  it('npm ci brings Node 24; npx windsock and npm start run on it and serve the UI; the system node is untouched', async () => {
    const older = olderNodePath();
    if (!older) throw new Error('no node older than 24 on PATH: this test needs one (e.g. /usr/bin/node)');
    const work = await mkdtemp(join(tmpdir(), 'windsock-fresh-'));
    try {
      await freshSetup(older, join(work, 'windsock'));
    } finally {
      await rm(work, { recursive: true, force: true }); // a gigabyte: node_modules and Node 24
    }
  });
});

async function freshSetup(older: { path: string; node: string; version: string }, dest: string): Promise<void> {
  execFileSync('git', ['clone', '--quiet', '--shared', ROOT, dest]);
  execFileSync('git', ['-C', dest, 'checkout', '--quiet', '--detach', execFileSync('git', ['-C', ROOT, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim()]);
  const env = freshEnv(older.path);
  const npm = join(dirname(older.node), 'npm');
  const npmCmd = existsSync(npm) ? npm : 'npm';

  const started = Date.now();
  const ci = await run(npmCmd, ['ci', '--no-audit', '--no-fund'], dest, env);
  expect(ci.code, ci.stderr.slice(-3000)).toBe(0);
  process.stdout.write(`fresh setup: npm ci with node ${older.version} took ${Math.round((Date.now() - started) / 1000)} s\n`);

  const version = await run(join(dirname(older.node), 'npx'), ['windsock', '--version'], dest, env);
  expect(version.code, version.stderr).toBe(0);
  expect(version.stdout).toMatch(/\(Node\.js v24\./);
  expect((await run(npmCmd, ['exec', '--', 'node', '-p', 'process.version'], dest, env)).stdout).toMatch(/^v24\./);
  expect(execFileSync(older.node, ['-v'], { encoding: 'utf8' }).trim()).toBe(older.version); // untouched
  expect(execFileSync('sh', ['-c', 'node -v'], { env, encoding: 'utf8' }).trim()).toBe(older.version); // still first on PATH outside npm
  expect(existsSync(join(dest, 'apps/webserver/ui/dist/index.html'))).toBe(true);

  // `npm start`: standalone on the examples, the UI at /.
  const home = await mkdtemp(join(tmpdir(), 'windsock-fresh-home-'));
  const child = spawn(npmCmd, ['start'], { cwd: dest, env: freshEnv(older.path, { WINDSOCK_HOME: home, WINDSOCK__WEBSERVER__PORT: '0', WINDSOCK__LOGGING__LEVEL: 'warn' }), detached: true });
  try {
    let out = '';
    const url = await new Promise<string>((res, rej) => {
      child.stdout.on('data', (b: Buffer) => {
        out += b.toString();
        const m = /webserver: +(http:\/\/\S+)/.exec(out);
        if (m && out.includes('Press Ctrl+C')) res(m[1]!);
      });
      child.stderr.on('data', (b: Buffer) => { out += b.toString(); });
      child.on('exit', (code) => rej(new Error(`npm start exited (${code}): ${out}`)));
    });
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<html/i);
    const ver = await (await fetch(`${url}/api/v2/monitor/health`)).json() as { metadatabase?: { status: string } };
    expect(ver.metadatabase?.status).toBe('healthy');
  } finally {
    const exited = new Promise<void>((res) => { if (child.exitCode !== null) res(); else child.once('exit', () => res()); });
    try { process.kill(-child.pid!, 'SIGTERM'); } catch { /* gone */ }
    await exited;
  }
}
