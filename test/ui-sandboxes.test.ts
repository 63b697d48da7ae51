/**
 * The UI and sandboxes in headless Chromium, on real Postgres and Redis with the real control plane: Alice
 * creates a sandbox on the Sandboxes page, waits for it, opens it (a UI under `/sandboxes/<name>/`), signs in to
 * it, finds her DAG, triggers it and watches the run turn green over the sandbox's own WebSocket, every URL
 * staying under the sandbox; Bob, signing in at her sandbox's address, gets "Sandbox not found", not her DAGs;
 * Alice deletes it. A webserver whose sandboxes are unavailable shows why on the page. Screenshots:
 * /tmp/ui-sandbox-*.png.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { compileConfig, silentLogger } from '@windsock/config';
import { generateFernetKey, type Metastore } from '@windsock/metastore';
import { LocalEventBus } from '@windsock/queue';
import { createUser, startWebserver, type Webserver } from '@windsock/webserver';
import { startControlPlane, type ControlPlane } from '../apps/cli/src/runtime/control-plane.ts';
import { freshDatabase, REDIS_URL, type TestDatabase } from './support/db.ts';
import { ensureUiBuilt, launchChromium } from '../bench/ui-harness.ts';
import { yamlChain } from './support/platform.ts';

const PASSWORD = 'sandbox ui pass';
const NAME = 'alice-ui';
const DAG = yamlChain('alice_chain', 'hello');

let tdb: TestDatabase, store: Metastore, web: Webserver, bare: Webserver, control: ControlPlane, root: string, home: string;
let browser: Browser, alice: Page;
const sockets: string[] = [];

const shot = (page: Page, name: string) => page.screenshot({ path: `/tmp/ui-sandbox-${name}.png` });

async function signIn(page: Page, user: string): Promise<void> {
  await page.getByLabel('Username').fill(user);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

beforeAll(async () => {
  ensureUiBuilt(true);
  tdb = await freshDatabase();
  store = await tdb.open(5);
  root = await mkdtemp(join(tmpdir(), 'ws-uisb-root-'));
  home = await mkdtemp(join(tmpdir(), 'ws-uisb-home-'));
  for (const user of ['alice', 'bob']) await mkdir(join(root, user, 'dags'), { recursive: true });
  await writeFile(join(root, 'alice', 'dags', 'alice_chain.yaml'), DAG);
  const config = compileConfig({
    WINDSOCK__DATABASE__URL: tdb.url, WINDSOCK__QUEUE__REDIS_URL: REDIS_URL, WINDSOCK__QUEUE__PREFIX: `wsuisb${randomBytes(3).toString('hex')}`,
    WINDSOCK__CORE__FERNET_KEY: generateFernetKey(), WINDSOCK__SANDBOXES__DAGS_ROOT: root, WINDSOCK__API_AUTH__JWT_SECRET: randomBytes(32).toString('hex'),
    WINDSOCK__LOGGING__LEVEL: 'warn', WINDSOCK__WORKER__SHUTDOWN_GRACE_SEC: '2',
  });
  control = await startControlPlane({ config, db: store.db, home, logger: silentLogger });
  const base = { db: store.db, events: new LocalEventBus(), config, logger: silentLogger, fernetKey: config.core.fernet_key, port: 0, host: '127.0.0.1' };
  web = await startWebserver({ ...base, sandboxes: control.web });
  // As `windsock standalone` on its embedded database: the API says why there are no sandboxes.
  const unavailable = 'sandboxes need a Postgres server (each is a schema of it): set WINDSOCK__DATABASE__URL, and Redis at WINDSOCK__QUEUE__REDIS_URL';
  bare = await startWebserver({ ...base, sandboxes: { ...control.web, unavailable } });
  for (const name of ['alice', 'bob']) await createUser(store.db, { username: name, password: PASSWORD, role: 'User' });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await web?.close();
  await bare?.close();
  await control?.stop();
  await store?.close();
  await tdb?.drop();
  for (const dir of [root, home]) if (dir) await rm(dir, { recursive: true, force: true });
});

describe('sandboxes in the web UI', () => {
  it('creates a sandbox on the Sandboxes page and shows it ready', async () => {
    alice = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    alice.on('websocket', (ws) => sockets.push(ws.url()));
    await alice.goto(`${web.url}/dags`);
    await signIn(alice, 'alice');
    await alice.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sandboxes' }).click();
    await alice.getByRole('heading', { name: 'Sandboxes' }).waitFor();
    expect(new URL(alice.url()).pathname).toBe('/sandboxes');
    const form = alice.getByRole('form', { name: 'New sandbox' });
    // The API's refusal is on the page: Alice may not use Bob's folder.
    await form.getByLabel('Name').fill(NAME);
    await form.getByLabel('DAG folder').fill('bob/dags');
    await form.getByRole('button', { name: 'Create sandbox' }).click();
    await form.getByRole('alert').filter({ hasText: 'dag_source.folder' }).waitFor();
    await form.getByLabel('DAG folder').fill('alice/dags');
    await form.getByLabel('TTL (hours)').fill('2');
    await form.getByRole('button', { name: 'Create sandbox' }).click();
    const row = alice.locator(`tr[data-sandbox="${NAME}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain('alice/dags');
    await shot(alice, '01-created');
    // The page polls while it is pending; no reload.
    await row.locator('.sb-status[data-status="ready"]').waitFor({ timeout: 90_000 });
    await row.getByRole('link', { name: `Open ${NAME}` }).waitFor();
    expect(await row.textContent()).toMatch(/alice/);
    expect(await row.getByRole('link', { name: `Open ${NAME}` }).getAttribute('href')).toBe(`/sandboxes/${NAME}/`);
    await shot(alice, '02-ready');
  }, 120_000);

  it('opens the sandbox, signs in to it, and runs a DAG live with every URL inside the sandbox', async () => {
    await alice.locator(`tr[data-sandbox="${NAME}"]`).getByRole('link', { name: `Open ${NAME}` }).click();
    await alice.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(new URL(alice.url()).pathname.startsWith(`/sandboxes/${NAME}/login`)).toBe(true);
    await alice.getByText(`Sandbox ${NAME}`).first().waitFor();
    await shot(alice, '03-sign-in');
    await signIn(alice, 'alice');
    await alice.getByRole('link', { name: 'alice_chain' }).waitFor();
    expect(new URL(alice.url()).pathname).toBe(`/sandboxes/${NAME}/`);
    // The marker: a badge with the name and owner (the tab is signed in to the shared instance too), the title.
    await alice.locator('.sandbox-badge').filter({ hasText: `Sandbox ${NAME} · alice` }).waitFor();
    expect(await alice.title()).toContain(NAME);
    expect(await alice.locator('.sandbox-badge a').getAttribute('href')).toBe('/sandboxes');
    expect(await alice.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'DAGs' }).getAttribute('href')).toBe(`/sandboxes/${NAME}/dags`);
    expect(await alice.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sandboxes' }).count()).toBe(0);
    // Two tokens, one per instance, neither overwriting the other.
    const keys = await alice.evaluate(() => Object.keys(localStorage).sort());
    expect(keys).toEqual(expect.arrayContaining(['windsock.token', `windsock.token/sandboxes/${NAME}`]));
    await alice.locator('.live-live').waitFor();
    expect(sockets.some((u) => new URL(u).pathname === `/sandboxes/${NAME}/ws`)).toBe(true);
    await shot(alice, '04-dag-list');

    await alice.getByRole('link', { name: 'alice_chain' }).click();
    await alice.locator('.grid-wrap[data-ready]').waitFor();
    expect(new URL(alice.url()).pathname).toBe(`/sandboxes/${NAME}/dags/alice_chain/grid`);
    expect(await alice.locator('.crumbs').getByRole('link', { name: 'DAGs' }).getAttribute('href')).toBe(`/sandboxes/${NAME}/dags`);
    await alice.evaluate(() => { (window as unknown as { noReload: number }).noReload = 1; });
    await alice.getByRole('button', { name: '▶ Trigger' }).click();
    await alice.getByRole('dialog').getByRole('button', { name: 'Trigger', exact: true }).click();
    // The squares turn green as the sandbox's scheduler and worker push events; nothing reloads.
    await alice.locator('button.cell[data-task="bye"][data-state="success"]').waitFor({ timeout: 90_000 });
    expect(await alice.locator('button.cell[data-state="success"]').count()).toBe(2);
    expect(await alice.evaluate(() => (window as unknown as { noReload?: number }).noReload)).toBe(1);
    await shot(alice, '05-run-success');

    await alice.locator('button.cell[data-task="hello"]').first().click();
    await alice.locator('pre.log-text').filter({ hasText: 'hello from alice_chain' }).waitFor({ timeout: 30_000 });
    expect(new URL(alice.url()).pathname).toMatch(new RegExp(`^/sandboxes/${NAME}/dags/alice_chain/runs/[^/]+/tasks/hello$`));
    await shot(alice, '06-task-log');
    // A reload (or a link opened in a new tab) lands on the same page of the same sandbox.
    await alice.reload();
    await alice.locator('pre.log-text').filter({ hasText: 'hello from alice_chain' }).waitFor({ timeout: 30_000 });
  }, 150_000);

  it("shows Bob, signing in at Alice's sandbox, that there is no such sandbox rather than her DAGs", async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const bob = await ctx.newPage();
    await bob.goto(`${web.url}/sandboxes/${NAME}/dags`);
    await signIn(bob, 'bob');
    await bob.getByRole('heading', { name: 'Sandbox not found' }).waitFor();
    expect(await bob.getByRole('alert').textContent()).toContain('404');
    expect(await bob.getByRole('alert').textContent()).toContain('the user bob');
    expect(await bob.content()).not.toContain('alice_chain');
    await shot(bob, '07-bob-not-found');
    // On the shared instance, his list does not show hers.
    await bob.goto(`${web.url}/sandboxes`);
    await signIn(bob, 'bob');
    await bob.getByText('No sandboxes yet').waitFor();
    await ctx.close();
  }, 60_000);

  it('deletes the sandbox after a confirmation, and the sandbox UI then says it is gone', async () => {
    await alice.locator('.sandbox-badge').getByRole('link', { name: 'Shared instance' }).click();
    await alice.getByRole('heading', { name: 'Sandboxes' }).waitFor();
    const row = alice.locator(`tr[data-sandbox="${NAME}"]`);
    await row.getByRole('button', { name: `Delete ${NAME}` }).click();
    const dlg = alice.getByRole('dialog');
    await dlg.getByText('This cannot be undone').waitFor();
    await shot(alice, '08-delete-confirm');
    await dlg.getByRole('button', { name: 'Delete sandbox' }).click();
    await alice.getByText('No sandboxes yet').waitFor({ timeout: 60_000 });
    await shot(alice, '09-deleted');
    // Its address now loads the UI, which says the sandbox is gone (not a bare JSON 404).
    const gone = await alice.goto(`${web.url}/sandboxes/${NAME}/dags/alice_chain/grid`);
    expect(gone?.status()).toBe(404);
    await alice.getByRole('heading', { name: 'Sandbox not found' }).waitFor();
    await shot(alice, '10-gone');
  }, 90_000);

  it('shows why sandboxes cannot be made when the server has no Postgres', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${bare.url}/sandboxes`);
    await signIn(page, 'alice');
    const form = page.getByRole('form', { name: 'New sandbox' });
    await form.getByLabel('Name').fill('alice-two');
    await form.getByLabel('DAG folder').fill('alice/dags');
    await form.getByRole('button', { name: 'Create sandbox' }).click();
    await form.getByRole('alert').filter({ hasText: 'sandboxes need a Postgres server' }).waitFor();
    await shot(page, '11-unavailable');
    await page.close();
  }, 60_000);
});
