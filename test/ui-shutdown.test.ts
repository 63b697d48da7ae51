/**
 * `windsock standalone` as the README's command table runs it (a real process, a temp WINDSOCK_HOME, a free port),
 * with a browser tab open on it: it serves the UI at `/` (built at install by the `prepare` script, so no
 * `npm start` is needed first), and SIGTERM stops it in about a second although the tab holds a WebSocket, the tab
 * then saying the connection is lost instead of "Live". Screenshot: test/artifacts/shutdown-*.png.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { dagFolder } from './support/instance.ts';
import { signedInAs } from './support/ui.ts';
import { ensureUiBuilt, launchChromium } from '../bench/ui-harness.ts';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'apps/cli/bin/windsock.js');
const ART = 'test/artifacts';
const YAML_DAG = 'stop_dag:\n  schedule: null\n  start_date: 2024-01-01\n  tasks:\n    - task_id: a\n      operator: airflow.operators.bash.BashOperator\n      bash_command: echo a\n';

let home: string, dags: string, child: ChildProcess | null = null, browser: Browser;

async function standalone(): Promise<{ child: ChildProcess; url: string }> {
  const c = spawn(process.execPath, [BIN, 'standalone', '--dags', dags, '--port', '0'], {
    env: { ...process.env, WINDSOCK_HOME: home, WINDSOCK__LOGGING__LEVEL: 'warn' }, cwd: ROOT,
  });
  let out = '', err = '';
  c.stderr!.on('data', (b: Buffer) => { err += b.toString(); });
  const url = await new Promise<string>((res, rej) => {
    c.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /webserver: +(http:\/\/\S+)/.exec(out);
      if (m && out.includes('Press Ctrl+C')) res(m[1]!);
    });
    c.on('exit', (code) => rej(new Error(`standalone exited (${code}): ${out}${err}`)));
  });
  return { child: c, url };
}

beforeAll(async () => {
  ensureUiBuilt(true);
  await mkdir(ART, { recursive: true });
  home = await mkdtemp(join(tmpdir(), 'windsock-home-'));
  dags = await dagFolder({ 'stop_dag.yaml': YAML_DAG });
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await browser?.close();
  for (const dir of [home, dags]) if (dir) await rm(dir, { recursive: true, force: true });
});

describe('windsock standalone with a browser tab open', () => {
  it('the install builds the UI, so the standalone serves it at /', () => {
    const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.prepare).toContain('npm run build:ui');
  });

  it('serves the UI at /, and stops at SIGTERM while the tab shows the connection is gone', async () => {
    const started = await standalone();
    child = started.child;
    const { url } = started;
    const index = await fetch(`${url}/`);
    expect(index.status).toBe(200);
    expect(await index.text()).toContain('<div id="app">');

    const password = (await readFile(join(home, 'standalone_admin_password.txt'), 'utf8')).trim();
    const { page, context, problems } = await signedInAs(browser, url, { username: 'admin', password });
    await page.getByRole('link', { name: 'stop_dag' }).waitFor();
    await page.locator('.live-live').waitFor();

    const exited = new Promise<number>((res) => child!.once('exit', () => res(Date.now())));
    const t0 = Date.now();
    child.kill('SIGTERM');
    const stoppedAfter = (await Promise.race([exited, new Promise<number>((res) => setTimeout(() => res(Number.POSITIVE_INFINITY), 15_000))])) - t0;
    expect(stoppedAfter).toBeLessThan(5_000);

    await page.getByRole('status').filter({ hasText: 'Disconnected' }).waitFor({ timeout: 5_000 });
    await page.getByText('Connection to the server lost').waitFor();
    await page.screenshot({ path: join(ART, 'shutdown-connection-lost.png') });
    expect(problems.filter((p) => !p.includes('WebSocket'))).toEqual([]);
    await context.close();
  }, 120_000);
});
