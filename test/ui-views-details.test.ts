/**
 * Issue 17's DAG details and import-errors pages in headless Chromium against the real webserver, on DAGs parsed
 * by the real DAG processor: the details tab shows owner, schedule, params, tags, file and last parse time, and
 * renders doc_md as Markdown with every script, event handler, javascript: link and iframe removed (a payload
 * that ran would set window.__xss); the import-errors page shows whole tracebacks, filters them, and has loading,
 * empty and error states. Both follow prefers-color-scheme. Screenshots: test/artifacts/views-details-*.png and
 * views-import-errors-*.png, at 1280 and 1440 px, light and dark.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Metastore } from '@windsock/metastore';
import { LocalEventBus } from '@windsock/queue';
import { DagProcessorService } from '@windsock/scheduler';
import { DagFolderProcessor } from '@windsock/dag-parser';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { apiToken, signedInAs, type Watched } from './support/ui.ts';
import { ADMIN, ensureUiBuilt, launchChromium, startUiServer, type UiServer } from '../bench/ui-harness.ts';

const ART = 'test/artifacts';
let db: TestDatabase, store: Metastore, server: UiServer, browser: Browser, folder: string, token: string, w: Watched, page: Page;

const DOC = [
  '# Orders pipeline',
  '',
  'Loads **orders** every day. See [the runbook](https://example.com/runbook).',
  '',
  '- extract',
  '- load',
  '',
  '```',
  'SELECT 1;',
  '```',
  '',
  '<script>window.__xss = "script"</script>',
  '<img src="x" onerror="window.__xss = \'onerror\'">',
  '[bad link](javascript:window.__xss=\'link\')',
  '<iframe src="javascript:parent.__xss=\'iframe\'"></iframe>',
  '<a href="#" onclick="window.__xss=\'onclick\'" id="clickme">click me</a>',
  '<svg><script>window.__xss="svg"</script></svg>',
].join('\n');

const DAG = `
documented:
  description: Orders, documented
  schedule: "@daily"
  catchup: false
  start_date: 2024-01-01
  tags: ["repo:orders", finance]
  doc_md: ${JSON.stringify(DOC)}
  default_args:
    owner: data-eng
  params:
    rows:
      __type__: airflow.models.param.Param
      default: 5
      type: integer
      description: How many rows to load
    region:
      __type__: airflow.models.param.Param
      default: eu
      type: string
  tasks:
    - task_id: t
      operator: airflow.operators.empty.EmptyOperator
plain_dag:
  schedule: null
  start_date: 2024-01-01
  tasks:
    - task_id: t
      operator: airflow.operators.empty.EmptyOperator
`;

const TRACEBACK = [
  'Traceback (most recent call last):',
  '  File "/opt/dags/broken_python_dag_with_a_rather_long_file_name.py", line 3, in <module>',
  '    from company.helpers import load_orders',
  '  File "/opt/dags/company/helpers.py", line 12, in <module>',
  '    RATE = 1 / 0',
  'ZeroDivisionError: division by zero',
].join('\n');

async function darkPage(width: number): Promise<{ ctx: BrowserContext; p: Page }> {
  const ctx = await browser.newContext({ viewport: { width, height: 900 }, colorScheme: 'dark' });
  const p = await ctx.newPage();
  await p.goto(`${server.url}/dags`);
  await p.getByLabel('Username').fill(ADMIN.username);
  await p.getByLabel('Password').fill(ADMIN.password);
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.getByRole('button', { name: 'Sign out' }).waitFor();
  return { ctx, p };
}

beforeAll(async () => {
  ensureUiBuilt(true);
  await mkdir(ART, { recursive: true });
  db = await freshDatabase();
  store = await db.open();
  folder = await mkdtemp(join(tmpdir(), 'windsock-ui-views-details-'));
  await writeFile(join(folder, 'documented.yaml'), DAG);
  await writeFile(join(folder, 'bad.yaml'), 'x: [\n');
  const events = new LocalEventBus();
  const processor = new DagProcessorService({ db: store.db, events, processor: new DagFolderProcessor({ folder }), dagsFolder: folder, options: { pausedAtCreation: false } });
  await processor.syncOnce();
  processor.stop();
  // A Python file's traceback, as the Python DAG processor stores it.
  await store.db.insertInto('import_error').values({
    filename: 'broken_python_dag_with_a_rather_long_file_name.py', line: 3, message: 'ZeroDivisionError: division by zero',
    stacktrace: TRACEBACK, timestamp: new Date(),
  }).execute();
  server = await startUiServer(store, events);
  token = await apiToken(server.url, ADMIN);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await store?.close();
  await db?.drop();
  if (folder) await rm(folder, { recursive: true, force: true });
});

describe('DAG details', () => {
  it('GET /ui/dags/{dag_id} gives owner, schedule, params, doc_md, file and last parse time', async () => {
    const res = await fetch(`${server.url}/ui/dags/documented`, { headers: { authorization: `Bearer ${token}` } });
    const b = await res.json() as Record<string, unknown>;
    expect(b).toMatchObject({ owners: ['data-eng'], timetable_summary: '@daily', fileloc: 'documented.yaml', doc_md: DOC, tags: expect.arrayContaining(['repo:orders', 'finance']) });
    expect(Date.now() - Date.parse(b.last_parsed_time as string)).toBeLessThan(600_000);
    expect(Object.keys(b.params as object).sort()).toEqual(['region', 'rows']);
  });

  it('shows the details and renders doc_md as Markdown with no script, handler or javascript: link left', async () => {
    w = await signedInAs(browser, server.url, ADMIN, { path: '/dags/documented/grid' });
    page = w.page;
    await page.getByRole('link', { name: 'Details' }).click();
    await page.locator('.doc-md h1').waitFor();
    const fact = (label: string) => page.locator('.dag-facts div').filter({ has: page.locator('dt', { hasText: new RegExp(`^${label}$`) }) }).locator('dd').innerText();
    expect(await fact('Owner')).toBe('data-eng');
    expect(await fact('Schedule')).toContain('@daily');
    expect(await fact('File')).toBe('documented.yaml');
    expect(await fact('Last parsed')).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
    expect(await fact('Tags')).toContain('repo:orders');
    const params = await page.locator('.params-table tbody tr').allInnerTexts();
    expect(params.map((r) => r.split('\t').map((c) => c.trim()))).toEqual([['rows', 'integer', '5', 'How many rows to load'], ['region', 'string', '"eu"', '—']]);
    // Markdown rendered: heading, bold, list, code block, a link that opens elsewhere.
    const doc = page.locator('.doc-md');
    expect(await doc.locator('h1').innerText()).toBe('Orders pipeline');
    expect(await doc.locator('strong').innerText()).toBe('orders');
    expect(await doc.locator('li').allInnerTexts()).toEqual(['extract', 'load']);
    expect(await doc.locator('pre code').innerText()).toContain('SELECT 1;');
    const runbook = doc.getByRole('link', { name: 'the runbook' });
    expect(await runbook.getAttribute('href')).toBe('https://example.com/runbook');
    expect(await runbook.getAttribute('rel')).toContain('noopener');
    // Nothing of the payloads survives or ran.
    expect(await doc.locator('#clickme').count()).toBe(0);
    await page.waitForTimeout(300); // an onerror would fire a task or two after the <img> landed: give it the chance
    expect(await page.evaluate(() => (window as unknown as { __xss?: string }).__xss)).toBeUndefined();
    expect(await doc.evaluate((d) => ({
      dangerous: d.querySelectorAll('script, iframe, object, embed, form').length,
      handlers: [...d.querySelectorAll('*')].flatMap((e) => e.getAttributeNames().filter((a) => a.startsWith('on'))),
      jsUrls: [...d.querySelectorAll('[href], [src]')].map((e) => e.getAttribute('href') ?? e.getAttribute('src')).filter((u) => /^\s*javascript:/i.test(u ?? '')),
    }))).toEqual({ dangerous: 0, handlers: [], jsUrls: [] });
    // Raw HTML is shown as text, not parsed.
    expect(await doc.innerText()).toContain('<img src="x" onerror="window.__xss = \'onerror\'">');
    expect(await doc.locator('img, svg').count()).toBe(0);
    expect(w.problems).toEqual([]);
    for (const width of [1280, 1440]) {
      await page.setViewportSize({ width, height: 900 });
      await page.screenshot({ path: join(ART, `views-details-${width}-light.png`), fullPage: true });
    }
  }, 60_000);

  it('says so when a DAG has no params and no doc_md', async () => {
    await page.goto(`${server.url}/dags/plain_dag/details`);
    await page.getByText('This DAG has no params.').waitFor();
    await page.getByText('has no doc_md').waitFor();
    expect(await page.locator('.doc-md').count()).toBe(0);
  });

  it('the Details tab is reached from the keyboard and shows its focus', async () => {
    await page.goto(`${server.url}/dags/documented/grid`);
    const tab = page.getByRole('link', { name: 'Details' });
    await tab.waitFor();
    await page.getByRole('link', { name: 'Graph' }).focus();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Details');
    expect(await tab.evaluate((e) => getComputedStyle(e).outlineStyle)).toBe('solid');
    await page.keyboard.press('Enter');
    await page.locator('.doc-md h1').waitFor();
    expect(new URL(page.url()).pathname).toBe('/dags/documented/details');
  });
});

describe('import errors', () => {
  it('lists every failed file with its whole traceback, reached from the DAG list banner', async () => {
    await page.goto(`${server.url}/dags`);
    await page.getByText('2 DAG files could not be imported.').click();
    await page.getByRole('link', { name: 'See the full tracebacks' }).click();
    await page.locator('article.import-error').nth(1).waitFor();
    expect(await page.locator('article.import-error').count()).toBe(2);
    const py = page.getByRole('article', { name: 'broken_python_dag_with_a_rather_long_file_name.py' });
    expect(await py.locator('pre.traceback').innerText()).toBe(TRACEBACK);
    expect(await py.locator('.mid-ellipsis').getAttribute('title')).toBe('broken_python_dag_with_a_rather_long_file_name.py');
    const yaml = page.getByRole('article', { name: 'bad.yaml' });
    expect((await yaml.locator('pre.traceback').innerText()).length).toBeGreaterThan(10);
    // A traceback scrolls from the keyboard: Tab reaches it (bad.yaml's comes first) and shows the focus.
    await page.getByLabel('Filter by file name').focus();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => [document.activeElement?.getAttribute('aria-label'), getComputedStyle(document.activeElement!).outlineStyle]))
      .toEqual(['Traceback of bad.yaml', 'solid']);
    await page.getByLabel('Filter by file name').fill('bad');
    await page.waitForFunction(() => document.querySelectorAll('article.import-error').length === 1);
    await page.getByLabel('Filter by file name').fill('nothing-like-this');
    await page.getByText('No file names match').waitFor();
    await page.getByLabel('Filter by file name').fill('');
    for (const width of [1280, 1440]) {
      await page.setViewportSize({ width, height: 900 });
      await page.screenshot({ path: join(ART, `views-import-errors-${width}-light.png`) });
    }
    expect(w.problems).toEqual([]);
  }, 60_000);

  it('shows a failure with a way to try again, and no errors plainly', async () => {
    await page.route('**/api/v2/importErrors**', (r) => r.abort('connectionrefused'));
    await page.goto(`${server.url}/import-errors`);
    await page.getByRole('alert').filter({ hasText: 'Cannot reach the Windsock server' }).waitFor();
    await page.unroute('**/api/v2/importErrors**');
    await page.getByRole('button', { name: 'Try again' }).click({ timeout: 5000 });
    await page.locator('article.import-error').first().waitFor();
    const saved = await store.db.selectFrom('import_error').selectAll().execute();
    await store.db.deleteFrom('import_error').execute();
    await page.goto(`${server.url}/import-errors`);
    await page.getByText('No import errors: every DAG file imported.').waitFor();
    await store.db.insertInto('import_error').values(saved).execute();
    await w.context.close();
  });

  it('details and import errors are dark when the system is', async () => {
    for (const width of [1280, 1440]) {
      const { ctx, p } = await darkPage(width);
      await p.goto(`${server.url}/dags/documented/details`);
      await p.locator('.doc-md h1').waitFor();
      expect(await p.locator('.doc-md').evaluate((e) => getComputedStyle(e).backgroundColor)).toBe('rgb(17, 26, 43)');
      expect(await p.locator('.doc-md h1').evaluate((e) => getComputedStyle(e).color)).toBe('rgb(226, 232, 240)');
      await p.screenshot({ path: join(ART, `views-details-${width}-dark.png`), fullPage: true });
      await p.goto(`${server.url}/import-errors`);
      await p.locator('article.import-error').first().waitFor();
      expect(await p.locator('pre.traceback').first().evaluate((e) => getComputedStyle(e).color)).toBe('rgb(226, 232, 240)');
      await p.screenshot({ path: join(ART, `views-import-errors-${width}-dark.png`) });
      await ctx.close();
    }
  }, 60_000);
});
