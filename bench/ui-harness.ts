/**
 * What the UI's browser tests and benchmarks share: the real webserver (REST API, WebSocket, the built UI and the
 * UI's /ui/* endpoints) on a given metastore and event bus, an admin user, headless Chromium driven by
 * playwright-core, and a signed-in page. Chromium comes from Debian (/usr/bin/chromium); never downloaded.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Metastore } from '@windsock/metastore';
import type { EventBus } from '@windsock/queue';
import { compileConfig, silentLogger } from '@windsock/config';
import { createUser, startWebserver, DEFAULT_UI_DIR } from '@windsock/webserver';
import { uiApiPlugin } from '../apps/webserver/src/ui-api/index.ts';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ADMIN = { username: 'admin', password: 'ui-test-password' };
const ROOT = fileURLToPath(new URL('..', import.meta.url));

const UI_SRC = join(ROOT, 'apps/webserver/ui');

/** The newest modification time of the UI's sources (src/, index.html, vite.config.ts). */
function newestSource(dir = join(UI_SRC, 'src')): number {
  let newest = Math.max(statSync(join(UI_SRC, 'index.html')).mtimeMs, statSync(join(UI_SRC, 'vite.config.ts')).mtimeMs);
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    newest = Math.max(newest, e.isDirectory() ? newestSource(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs);
  }
  return newest;
}

const upToDate = () => existsSync(`${DEFAULT_UI_DIR}/index.html`) && statSync(`${DEFAULT_UI_DIR}/index.html`).mtimeMs >= newestSource();

/**
 * Builds the UI (vite, a few seconds) unless dist/ is there and, with `rebuild`, newer than its sources. One build
 * at a time (a lock directory beside dist/): test files run in parallel, and a second build emptying dist/ would
 * pull the files from under the first one's browser.
 */
export function ensureUiBuilt(rebuild = false): void {
  if (existsSync(`${DEFAULT_UI_DIR}/index.html`) && (!rebuild || upToDate())) return;
  const lock = `${DEFAULT_UI_DIR}.lock`;
  const sleep = new Int32Array(new SharedArrayBuffer(4));
  for (let waited = 0; ; waited += 200) {
    try { mkdirSync(lock); break; } catch (e) { if ((e as { code?: string }).code !== 'EEXIST') throw e; }
    // A lock left by a killed run goes stale: take it over after two minutes.
    if (waited > 120_000) { rmdirSync(lock); waited = 0; continue; }
    Atomics.wait(sleep, 0, 0, 200);
  }
  try {
    if (upToDate()) return;
    execFileSync(process.execPath, [`${ROOT}node_modules/vite/bin/vite.js`, 'build', '--config', 'apps/webserver/ui/vite.config.ts'], { cwd: ROOT, stdio: 'pipe' });
  } finally { rmdirSync(lock); }
}

export interface UiServer { url: string; close(): Promise<void> }

export async function startUiServer(store: Metastore, events: EventBus): Promise<UiServer> {
  await createUser(store.db, { ...ADMIN, role: 'Admin' }).catch((e: { code?: string }) => { if (e.code !== 'ALREADY_EXISTS') throw e; });
  const config = compileConfig({});
  return startWebserver({
    db: store.db, events, config, logger: silentLogger, fernetKey: 'x'.repeat(43) + '=', port: 0, host: '127.0.0.1',
    plugins: [uiApiPlugin({ db: store.db })],
  });
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
}

/** A laptop-sized page, signed in through the sign-in form, showing the DAG list. */
export async function signedInPage(browser: Browser, url: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`${url}/dags`);
  await page.getByLabel('Username').fill(ADMIN.username);
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'DAGs' }).waitFor();
  return page;
}
