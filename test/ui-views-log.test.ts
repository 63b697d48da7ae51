/**
 * Issue 17's log view in headless Chromium, on a task the real scheduler and worker ran: every line carries its
 * time (UTC, to the millisecond, the full instant on hover; hideable), a search keeps the matching lines and says
 * how many, the wrap toggle lets a long line run off to the right (and scroll) instead of wrapping, and Download
 * saves the whole log (with timestamps) under a name made of the DAG, run, task and try. Screenshots:
 * test/artifacts/views-log-*.png, light and dark.
 */
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { Metastore } from '@windsock/metastore';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { dagFolder, startInstance, type TestInstance } from './support/instance.ts';
import { signedInAs, type Watched } from './support/ui.ts';
import { ADMIN, ensureUiBuilt, launchChromium, startUiServer, type UiServer } from '../bench/ui-harness.ts';

const ART = 'test/artifacts';
const LONG = `wide ${'x'.repeat(400)} end-of-wide`;
let db: TestDatabase, store: Metastore, inst: TestInstance, server: UiServer, browser: Browser, dags: string, runId: string, w: Watched, page: Page;

beforeAll(async () => {
  ensureUiBuilt(true);
  await mkdir(ART, { recursive: true });
  db = await freshDatabase();
  store = await db.open();
  dags = await dagFolder({
    'log_views.yaml': `
log_views:
  schedule: null
  start_date: 2024-01-01
  tasks:
    - task_id: talk
      operator: airflow.operators.bash.BashOperator
      bash_command: 'echo "alpha one"; echo "beta two"; echo "ERROR: gamma failed"; echo "${LONG}"; echo "delta four"'
`,
  });
  inst = await startInstance({ store, dagsFolder: dags });
  server = await startUiServer(store, inst.events);
  const run = await inst.runDag('log_views');
  expect(run.state).toBe('success');
  runId = run.runId;
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await inst?.stop();
  await store?.close();
  await db?.drop();
  if (dags) await rm(dags, { recursive: true, force: true });
});

const log = () => page.locator('pre.log-text');

describe('the log view', () => {
  it('shows each line with its time, and hides the times on request', async () => {
    w = await signedInAs(browser, server.url, ADMIN, { path: `/dags/log_views/runs/${encodeURIComponent(runId)}/tasks/talk` });
    page = w.page;
    await log().filter({ hasText: 'delta four' }).waitFor({ timeout: 30_000 });
    await page.getByText('Try 1 finished').waitFor();
    const line = log().locator('.ln', { hasText: 'alpha one' });
    const time = line.locator('time.ts');
    expect(await time.innerText()).toMatch(/^\d\d:\d\d:\d\d\.\d{3} $/);
    expect(await time.getAttribute('title')).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
    expect(Date.now() - Date.parse((await time.getAttribute('datetime'))!)).toBeLessThan(600_000);
    expect(await log().locator('time.ts').count()).toBe(await log().locator('.ln').count());
    await page.getByLabel('Timestamps').uncheck();
    expect(await log().locator('time.ts').count()).toBe(0);
    expect(await line.innerText()).toBe('alpha one\n');
    await page.getByLabel('Timestamps').check();
    for (const width of [1280, 1440]) {
      await page.setViewportSize({ width, height: 900 });
      await page.screenshot({ path: join(ART, `views-log-${width}-light.png`) });
    }
  }, 60_000);

  it('searches: only matching lines, with their count, and says when none match', async () => {
    const total = await log().locator('.ln').count();
    await page.getByLabel('Search the log').fill('error');
    await page.getByText(`1 of ${total} lines match`).waitFor();
    expect(await log().locator('.ln').allInnerTexts()).toEqual([expect.stringContaining('ERROR: gamma failed')]);
    await page.getByLabel('Search the log').fill('no such words');
    await page.getByText('No line matches “no such words”.').waitFor();
    await page.getByLabel('Search the log').fill('');
    await log().locator('.ln', { hasText: 'delta four' }).waitFor();
    expect(await log().locator('.ln').count()).toBe(total);
  });

  it('wraps long lines, or lets them scroll sideways', async () => {
    const overflow = () => log().evaluate((e) => e.scrollWidth > e.clientWidth + 1);
    expect(await overflow()).toBe(false);
    await page.getByLabel('Wrap lines').uncheck();
    expect(await overflow()).toBe(true);
    await page.getByLabel('Wrap lines').check();
    expect(await overflow()).toBe(false);
  });

  it('downloads the whole log with its timestamps', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download' }).click()]);
    expect(download.suggestedFilename()).toBe(`log_views__${runId}__talk__try1.log`.replace(/[^\w.+-]+/g, '_'));
    const text = await readFile((await download.path())!, 'utf8');
    const lines = text.trimEnd().split('\n');
    for (const want of ['alpha one', 'beta two', 'ERROR: gamma failed', LONG, 'delta four']) {
      expect(lines.filter((l) => l.endsWith(` ${want}`)), want).toHaveLength(1);
    }
    for (const l of lines) expect(l).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /);
    expect(w.problems).toEqual([]);
    await w.context.close();
  });

  it('is dark when the system is', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 860 }, colorScheme: 'dark' });
    const p = await ctx.newPage();
    await p.goto(`${server.url}/dags/log_views/runs/${encodeURIComponent(runId)}/tasks/talk`);
    await p.getByLabel('Username').fill(ADMIN.username);
    await p.getByLabel('Password').fill(ADMIN.password);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.locator('pre.log-text').filter({ hasText: 'delta four' }).waitFor({ timeout: 30_000 });
    expect(await p.locator('.log').evaluate((e) => getComputedStyle(e).backgroundColor)).toBe('rgb(17, 26, 43)');
    await p.screenshot({ path: join(ART, 'views-log-1280-dark.png') });
    await ctx.close();
  }, 60_000);
});
