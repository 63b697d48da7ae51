/**
 * Issue 17's DAG list, against the real webserver and 61 DAGs parsed by the real DAG processor, in headless
 * Chromium: the server pages, sorts (dag id, owner, last run, next run) and filters (/ui/dags), each row shows its
 * owner, last run and its runs counted by state, the page selector and page sizes move through the list, long
 * names are cut in the middle, the sort headers work from the keyboard with a visible focus, and empty and error
 * states say so. Screenshots at 1280 and 1440 px, light and dark, land in test/artifacts/views-list-*.png.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { Metastore } from '@windsock/metastore';
import { LocalEventBus } from '@windsock/queue';
import { DagProcessorService } from '@windsock/scheduler';
import { DagFolderProcessor } from '@windsock/dag-parser';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { apiToken, signedInAs, type Watched } from './support/ui.ts';
import { ADMIN, ensureUiBuilt, launchChromium, startUiServer, type UiServer } from '../bench/ui-harness.ts';

const ART = 'test/artifacts';
const N = 60;
const LONG = 'ingest_customer_orders_from_every_regional_warehouse_into_the_lake_nightly_final';
const id = (i: number) => `dag_${String(i).padStart(3, '0')}`;
const owner = (i: number) => ['alice', 'bob', 'carol'][i % 3]!;
let events: LocalEventBus, db: TestDatabase, store: Metastore, server: UiServer, browser: Browser, folder: string, token: string, w: Watched, page: Page;

function dagYaml(dagId: string, i: number): string {
  return `${dagId}:\n  schedule: null\n  start_date: 2024-01-01\n  description: DAG number ${i}\n  tags: [${i % 2 ? '"repo:odd"' : '"repo:even"'}, ${i % 5 === 0 ? 'fives' : 'plain'}]\n`
    + `  default_args:\n    owner: ${owner(i)}\n  tasks:\n    - task_id: t\n      operator: airflow.operators.empty.EmptyOperator\n`;
}

async function addRun(dagId: string, day: number, state: 'queued' | 'running' | 'success' | 'failed'): Promise<void> {
  const at = new Date(Date.UTC(2025, 0, day));
  await store.db.insertInto('dag_run').values({
    dag_id: dagId, run_id: `manual__${at.toISOString()}`, run_type: 'manual', state, logical_date: at, run_after: at,
    start_date: at, end_date: state === 'running' || state === 'queued' ? null : new Date(at.getTime() + 60_000), conf: '{}',
  }).execute();
}

async function ui<T>(path: string): Promise<T> {
  const res = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status, `${path}: ${res.status}`).toBe(200);
  return await res.json() as T;
}

interface ListBody {
  dags: { dag_id: string; owners: string; run_counts: Record<string, number>; last_run: { run_id: string; state: string } | null; recent_runs: unknown[] }[];
  total_entries: number; all_entries: number; all_tags: string[]; limit: number; offset: number;
}

async function waitRows(p: Page, first: string, count: number): Promise<void> {
  await p.waitForFunction(([f, n]) => {
    const rows = document.querySelectorAll('table.dags tbody tr[data-dag]');
    return rows.length === n && rows[0]?.getAttribute('data-dag') === f;
  }, [first, count] as const, { timeout: 10_000 });
}

beforeAll(async () => {
  ensureUiBuilt(true);
  await mkdir(ART, { recursive: true });
  db = await freshDatabase();
  store = await db.open();
  folder = await mkdtemp(join(tmpdir(), 'windsock-ui-views-list-'));
  for (let i = 0; i < N; i++) await writeFile(join(folder, `${id(i)}.yaml`), dagYaml(id(i), i));
  await writeFile(join(folder, 'long.yaml'), dagYaml(LONG, 99));
  events = new LocalEventBus();
  const processor = new DagProcessorService({ db: store.db, events, processor: new DagFolderProcessor({ folder }), dagsFolder: folder, options: { pausedAtCreation: false } });
  await processor.syncOnce();
  processor.stop();
  // dag_007: 3 successes, 1 failure, 1 running (the newest); dag_042 ran last of all; dag_013 has the soonest next run.
  for (const [d, s] of [[1, 'success'], [2, 'success'], [3, 'failed'], [4, 'success'], [5, 'running']] as const) await addRun(id(7), d, s);
  await addRun(id(42), 20, 'failed');
  await addRun(id(3), 10, 'queued');
  await store.db.updateTable('dag').set({ next_dagrun: new Date(Date.UTC(2030, 0, 1)) }).where('dag_id', '=', id(13)).execute();
  await store.db.updateTable('dag').set({ next_dagrun: new Date(Date.UTC(2030, 5, 1)) }).where('dag_id', '=', id(14)).execute();
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

describe('GET /ui/dags: paged, sorted and filtered by the server', () => {
  it('gives one page of 25 by dag id, with the totals and every tag', async () => {
    const b = await ui<ListBody>('/ui/dags');
    expect(b.dags.map((d) => d.dag_id)).toEqual(Array.from({ length: 25 }, (_, i) => id(i)));
    expect([b.total_entries, b.all_entries, b.limit, b.offset]).toEqual([N + 1, N + 1, 25, 0]);
    expect(b.all_tags).toEqual(['repo:even', 'repo:odd', 'dagfactory', 'fives', 'plain']); // YAML DAGs carry dagfactory's tag
    const p3 = await ui<ListBody>('/ui/dags?limit=25&offset=50');
    expect(p3.dags.map((d) => d.dag_id)).toEqual([...Array.from({ length: 10 }, (_, i) => id(50 + i)), LONG]);
  });

  it('counts each DAG\'s runs by state and gives its owner and last run', async () => {
    const b = await ui<ListBody>('/ui/dags?search=dag_007');
    expect(b.dags).toHaveLength(1);
    expect(b.dags[0]!.owners).toBe('bob');
    expect(b.dags[0]!.run_counts).toEqual({ success: 3, failed: 1, running: 1 });
    expect(b.dags[0]!.last_run).toMatchObject({ state: 'running', run_id: 'manual__2025-01-05T00:00:00.000Z' });
    expect(b.dags[0]!.recent_runs).toHaveLength(5);
  });

  it('sorts by owner, last run and next run, either way, the never-ran last', async () => {
    const byOwner = await ui<ListBody>('/ui/dags?order_by=-owners&limit=100');
    expect(byOwner.dags.slice(0, 20).every((d) => d.owners === 'carol')).toBe(true);
    expect(byOwner.dags[byOwner.dags.length - 1]!.owners).toBe('alice');
    const last = await ui<ListBody>('/ui/dags?order_by=-last_run');
    expect(last.dags.slice(0, 3).map((d) => d.dag_id)).toEqual([id(42), id(3), id(7)]);
    expect(last.dags[3]!.last_run).toBeNull();
    const lastAsc = await ui<ListBody>('/ui/dags?order_by=last_run');
    expect(lastAsc.dags.slice(0, 3).map((d) => d.dag_id)).toEqual([id(7), id(3), id(42)]);
    const next = await ui<ListBody>('/ui/dags?order_by=next_run');
    expect(next.dags.slice(0, 2).map((d) => d.dag_id)).toEqual([id(13), id(14)]);
  });

  it('filters by text (dag id or description, LIKE characters taken literally), tags and paused', async () => {
    expect((await ui<ListBody>('/ui/dags?search=number%205')).dags.map((d) => d.dag_id)).toEqual([id(5), ...Array.from({ length: 10 }, (_, i) => id(50 + i))]);
    expect((await ui<ListBody>('/ui/dags?search=dag%25')).total_entries).toBe(0);
    const fives = await ui<ListBody>('/ui/dags?tags=fives,repo:odd&limit=100');
    expect(fives.dags.map((d) => d.dag_id)).toEqual([5, 15, 25, 35, 45, 55].map(id));
    expect(fives.total_entries).toBe(6);
    await store.db.updateTable('dag').set({ is_paused: true }).where('dag_id', '=', id(9)).execute();
    expect((await ui<ListBody>('/ui/dags?paused=paused')).dags.map((d) => d.dag_id)).toEqual([id(9)]);
    expect((await ui<ListBody>('/ui/dags?paused=active')).total_entries).toBe(N);
    await store.db.updateTable('dag').set({ is_paused: false }).where('dag_id', '=', id(9)).execute();
  });

  it('refuses a sort key or page size it does not know', async () => {
    for (const q of ['order_by=fileloc', 'limit=0', 'limit=5000', 'offset=-1']) {
      const res = await fetch(`${server.url}/ui/dags?${q}`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status, q).toBe(400);
    }
  });
});

describe('the DAG list page in Chromium', () => {
  it('shows 25 DAGs a page with owner, last run and run counts, and pages through the rest', async () => {
    w = await signedInAs(browser, server.url, ADMIN);
    page = w.page;
    await waitRows(page, id(0), 25);
    expect(await page.locator('.pager').innerText()).toContain(`1–25 of ${N + 1}`);
    const row7 = page.locator(`tr[data-dag="${id(7)}"]`);
    expect(await row7.locator('td.owner').innerText()).toBe('bob');
    expect(await row7.locator('.run-count[data-state="success"]').innerText()).toContain('3');
    expect(await row7.locator('.run-count[data-state="success"]').getAttribute('title')).toBe('3 success runs');
    expect(await row7.locator('.run-count[data-state="failed"]').getAttribute('title')).toBe('1 failed run');
    expect(await row7.locator('.run-count').count()).toBe(3);
    expect(await row7.locator('td.last-run').innerText()).toContain('2025-01-05 00:00:00 UTC');
    expect(await row7.locator('td.last-run i.dot').getAttribute('data-state')).toBe('running');
    expect(await page.locator(`tr[data-dag="${id(8)}"] td.last-run`).innerText()).toBe('never');
    // The page is one screen of rows, not all of them.
    expect(await page.evaluate(() => document.documentElement.scrollHeight)).toBeLessThan(3000);
    await page.getByRole('button', { name: 'Page 2' }).click();
    await waitRows(page, id(25), 25);
    expect(new URL(page.url()).searchParams.get('page')).toBe('2');
    await page.getByRole('button', { name: 'Next ›' }).click();
    await waitRows(page, id(50), 11);
    expect(await page.getByRole('button', { name: 'Next ›' }).isDisabled()).toBe(true);
    await page.getByLabel('Per page').selectOption('50');
    await waitRows(page, id(0), 50);
    expect(await page.locator('.pager').innerText()).toContain(`1–50 of ${N + 1}`);
    await page.getByLabel('Per page').selectOption('100');
    await waitRows(page, id(0), N + 1);
    // A bookmarked page and size come back as they were.
    await page.goto(`${server.url}/dags?size=50&page=2`);
    await waitRows(page, id(50), 11);
  }, 60_000);

  it('counts a new run as soon as it is created, without a reload', async () => {
    await page.goto(`${server.url}/dags`);
    await waitRows(page, id(0), 25);
    await page.evaluate(() => { (window as unknown as { noReload: number }).noReload = 1; });
    expect(await page.locator(`tr[data-dag="${id(0)}"] .run-count`).count()).toBe(0);
    await addRun(id(0), 25, 'running');
    const run = await store.db.selectFrom('dag_run').select(['id', 'run_id']).where('dag_id', '=', id(0)).executeTakeFirstOrThrow();
    events.emit('dagrun:created', { dagId: id(0), runId: run.run_id, dagRunId: run.id });
    await page.locator(`tr[data-dag="${id(0)}"] .run-count[data-state="running"]`).waitFor({ timeout: 10_000 });
    expect(await page.locator(`tr[data-dag="${id(0)}"] td.last-run i.dot`).getAttribute('data-state')).toBe('running');
    expect(await page.evaluate(() => (window as unknown as { noReload?: number }).noReload)).toBe(1);
    await store.db.deleteFrom('dag_run').where('id', '=', run.id).execute();
  }, 30_000);

  it('sorts by clicking the headers, and from the keyboard with a visible focus', async () => {
    await page.goto(`${server.url}/dags`);
    await waitRows(page, id(0), 25);
    await page.getByRole('button', { name: /^Last run/ }).click();
    await waitRows(page, id(7), 25);
    expect(await page.locator('th[aria-sort="ascending"]').innerText()).toContain('LAST RUN');
    await page.getByRole('button', { name: /^Last run/ }).click();
    await waitRows(page, id(42), 25);
    expect(await page.locator('th[aria-sort="descending"]').count()).toBe(1);
    // Keyboard: focus the Owner header, press Enter.
    await page.getByRole('button', { name: /^Owner/ }).focus();
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Tab');
    const outline = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement;
      return { text: el.textContent, outline: getComputedStyle(el).outlineStyle, width: getComputedStyle(el).outlineWidth };
    });
    expect(outline.text).toContain('Owner');
    expect(outline.outline).toBe('solid');
    expect(outline.width).not.toBe('0px');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('table.dags tbody tr[data-dag] td.owner')?.textContent === 'alice');
    expect(new URL(page.url()).searchParams.get('sort')).toBe('owners');
    await page.getByRole('button', { name: /^Next run/ }).click();
    await waitRows(page, id(13), 25);
  }, 60_000);

  it('filters by text and tag on the server, and says when nothing matches', async () => {
    await page.goto(`${server.url}/dags`);
    await waitRows(page, id(0), 25);
    await page.getByLabel('Search DAGs').fill('number 5');
    await waitRows(page, id(5), 11);
    await page.getByLabel('Search DAGs').fill('');
    await waitRows(page, id(0), 25);
    await page.locator('.tags').getByRole('button', { name: 'fives' }).click();
    await waitRows(page, id(0), 12);
    await page.getByLabel('Search DAGs').fill('no such dag anywhere');
    await page.getByText('No DAGs match these filters.').waitFor();
    expect(await page.locator('.pager').innerText()).toContain('No DAGs');
  }, 60_000);

  it('cuts a long DAG name in the middle, the whole name on hover', async () => {
    await page.goto(`${server.url}/dags?page=3`);
    await waitRows(page, id(50), 11);
    const name = page.locator(`tr[data-dag="${LONG}"] .dag-link .mid-ellipsis`);
    expect(await name.getAttribute('title')).toBe(LONG);
    expect(await name.locator('.tail').innerText()).toBe(LONG.slice(-14));
    const [head, tail, cell] = await Promise.all([
      name.locator('.head').evaluate((e) => ({ scroll: e.scrollWidth, client: e.clientWidth })),
      name.locator('.tail').boundingBox(), page.locator(`tr[data-dag="${LONG}"] td.dag-cell`).boundingBox(),
    ]);
    expect(head.scroll).toBeGreaterThan(head.client); // the head is cut…
    expect(tail!.x + tail!.width).toBeLessThanOrEqual(cell!.x + cell!.width); // …and the tail stays in its cell
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.screenshot({ path: join(ART, 'views-list-1280-light.png') });
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.goto(`${server.url}/dags`);
    await waitRows(page, id(0), 25);
    await page.screenshot({ path: join(ART, 'views-list-1440-light.png') });
    expect(w.problems).toEqual([]);
  }, 60_000);

  it('shows a failed load with a way to try again, and an empty instance plainly', async () => {
    await page.route('**/ui/dags?**', (r) => r.abort('connectionrefused'));
    await page.goto(`${server.url}/dags?sort=owners`);
    await page.getByRole('alert').filter({ hasText: 'Cannot reach the Windsock server' }).waitFor();
    await page.unroute('**/ui/dags?**');
    await page.getByRole('button', { name: 'Try again' }).click();
    await page.locator('table.dags[data-ready]').waitFor();
    await store.db.updateTable('dag').set({ is_active: false }).execute();
    await page.goto(`${server.url}/dags`);
    await page.getByText('No DAGs yet').waitFor();
    await store.db.updateTable('dag').set({ is_active: true }).execute();
    await w.context.close();
  }, 60_000);

  it('is dark when the system is, at 1280 and 1440 px', async () => {
    for (const width of [1280, 1440]) {
      const ctx = await browser.newContext({ viewport: { width, height: 860 }, colorScheme: 'dark' });
      const p = await ctx.newPage();
      await p.goto(`${server.url}/dags`);
      await p.getByLabel('Username').fill(ADMIN.username);
      await p.getByLabel('Password').fill(ADMIN.password);
      await p.getByRole('button', { name: 'Sign in' }).click();
      await waitRows(p, id(0), 25);
      const [bg, panel, ink] = await p.evaluate(() => [getComputedStyle(document.documentElement).backgroundColor,
        getComputedStyle(document.querySelector('table.dags')!).backgroundColor, getComputedStyle(document.querySelector('.dag-link')!).color]);
      expect(bg).toBe('rgb(11, 18, 32)');
      expect(panel).toBe('rgb(17, 26, 43)');
      expect(ink).not.toBe('rgb(14, 116, 144)'); // the light theme's accent is unreadable on the dark panel
      await p.screenshot({ path: join(ART, `views-list-${width}-dark.png`) });
      await ctx.close();
    }
  }, 60_000);
});
