/**
 * Issue 17's bugs and small defects of the web UI, each in headless Chromium against the real webserver, scheduler
 * and worker: the live log neither repeats lines when a try ends nor after a clear and re-run; durations move while
 * a task runs; marking a finished task failed then success keeps its times; a Viewer's pause switch is disabled
 * and says why, and a refusal that still happens is shown; sign-in survives a new tab; unknown pages and DAGs, and
 * an unreachable server, say so once and plainly; long names are cut in the middle; the Gantt's ticks stay on one
 * line; times are UTC and say so. Screenshots land in test/artifacts/bugs-*.png. Waits are on the page, not sleeps.
 */
import { mkdir, rm, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { Metastore } from '@windsock/metastore';
import { createUser } from '@windsock/webserver';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { dagFolder, startInstance, type TestInstance } from './support/instance.ts';
import { api, apiToken, signedInAs, type Watched } from './support/ui.ts';
import { ADMIN, ensureUiBuilt, launchChromium, startUiServer, type UiServer } from '../bench/ui-harness.ts';

const ART = 'test/artifacts';
const LONG = (i: number) => `transform_customer_orders_partition_by_region_and_day_${String(i).padStart(2, '0')}`;
const GRAPH_LONG = 'load_customer_orders_into_the_warehouse_staging_area_final_step';
let db: TestDatabase, store: Metastore, inst: TestInstance, server: UiServer, browser: Browser, gate: string, dags: string, token: string;
let admin: Watched, page: Page, runId: string;

const DAGS = (gatePath: string) => ({
  'ui_bugs_log.yaml': `
ui_bugs_log:
  schedule: null
  start_date: 2024-01-01
  tasks:
    - task_id: talk
      operator: airflow.operators.bash.BashOperator
      bash_command: 'for i in 01 02 03 04 05 06 07 08 09; do echo "line $i"; done; while [ ! -f ${gatePath} ]; do sleep 0.05; done; for i in 10 11 12; do echo "line $i"; done'
    - task_id: quick
      operator: airflow.operators.bash.BashOperator
      bash_command: echo quick
`,
  'wide_dag.yaml': `
wide_dag:
  schedule: null
  start_date: 2024-01-01
  tasks:
${Array.from({ length: 40 }, (_, i) => `    - task_id: ${LONG(i)}\n      operator: airflow.operators.empty.EmptyOperator`).join('\n')}
`,
  'long_labels.yaml': `
long_labels:
  schedule: null
  start_date: 2024-01-01
  tasks:
    - task_id: extract_customer_orders_from_the_source_system_of_record
      operator: airflow.operators.empty.EmptyOperator
    - task_id: ${GRAPH_LONG}
      operator: airflow.operators.empty.EmptyOperator
      dependencies: [extract_customer_orders_from_the_source_system_of_record]
    - task_id: short
      operator: airflow.operators.empty.EmptyOperator
      task_group_name: a_group_with_a_rather_long_name_for_one_small_task
  task_groups:
    - group_name: a_group_with_a_rather_long_name_for_one_small_task
      dependencies: [extract_customer_orders_from_the_source_system_of_record]
`,
});

const shot = (p: Page, name: string) => p.screenshot({ path: join(ART, `bugs-${name}.png`) });
const tiUrl = (dag: string, run: string, task: string) => `${server.url}/dags/${dag}/runs/${encodeURIComponent(run)}/tasks/${task}`;

/** The text of the `dd` beside the `dt` named `label` inside `scope`. */
async function fact(p: Page, scope: string, label: string): Promise<string> {
  return p.locator(`${scope} div`).filter({ has: p.locator('dt', { hasText: new RegExp(`^${label}$`) }) }).locator('dd').innerText();
}

/** Resolves when the fact's text differs from `before` (durations must move without any event arriving). */
async function factChanges(p: Page, scope: string, label: string, before: string): Promise<void> {
  await p.waitForFunction(([s, l, b]) => {
    for (const div of document.querySelectorAll(`${s} div`)) {
      if (div.querySelector('dt')?.textContent === l) return div.querySelector('dd')?.textContent !== b;
    }
    return false;
  }, [scope, label, before] as const, { timeout: 6000 });
}

function expectEachLineOnce(text: string): void {
  for (let i = 1; i <= 12; i++) {
    const line = `line ${String(i).padStart(2, '0')}`;
    expect(text.split('\n').filter((l) => l.includes(line)), line).toHaveLength(1);
  }
  const at = (n: string) => text.indexOf(`line ${n}`);
  expect(at('01')).toBeLessThan(at('12'));
}

beforeAll(async () => {
  ensureUiBuilt(true);
  await mkdir(ART, { recursive: true });
  gate = join(await dagFolder({}), 'gate');
  db = await freshDatabase();
  store = await db.open();
  dags = await dagFolder(DAGS(gate));
  inst = await startInstance({ store, dagsFolder: dags });
  server = await startUiServer(store, inst.events);
  await createUser(store.db, { username: 'viewer', password: 'pw', role: 'Viewer' });
  browser = await launchChromium();
  token = await apiToken(server.url, ADMIN);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await inst?.stop();
  await store?.close();
  await db?.drop();
  for (const dir of [gate && dirname(gate), dags]) if (dir) await rm(dir, { recursive: true, force: true });
});

describe('issue 17 bugs, in Chromium', () => {
  it('durations move while a task runs: run page, Gantt bar and the run beside the grid', async () => {
    admin = await signedInAs(browser, server.url, ADMIN);
    page = admin.page;
    runId = (await api<{ dag_run_id: string }>(server.url, token, 'POST', '/api/v2/dags/ui_bugs_log/dagRuns', { conf: {} })).dag_run_id;
    await page.goto(`${server.url}/dags/ui_bugs_log/runs/${encodeURIComponent(runId)}`);
    const talk = page.locator('.gantt-row').filter({ has: page.getByRole('link', { name: 'talk' }) }).locator('.gantt-track');
    await talk.locator('i.bar[data-state="running"]').waitFor({ timeout: 60_000 });
    // From here nothing happens until the gate opens: no event arrives, yet the clock runs.
    const before = await fact(page, '.facts', 'Duration');
    await factChanges(page, '.facts', 'Duration', before);
    const barTitle = await talk.getAttribute('title');
    await page.waitForFunction((t) => document.querySelector('.gantt-row .gantt-track[title^="talk:"]')?.getAttribute('title') !== t, barTitle, { timeout: 6000 });
    await shot(page, '01-run-running');

    await page.goto(`${server.url}/dags/ui_bugs_log/grid`);
    await page.locator('.run-panel .badge[data-state="running"]').waitFor();
    const panel = await fact(page, '.run-panel dl.rows', 'Duration');
    await factChanges(page, '.run-panel dl.rows', 'Duration', panel);
  }, 120_000);

  it('the live log shows each line once when the try ends, and again after clear and re-run on the same page', async () => {
    await page.goto(tiUrl('ui_bugs_log', runId, 'talk'));
    const log = page.locator('pre.log-text');
    await log.filter({ hasText: 'line 09' }).waitFor({ timeout: 30_000 });
    await page.getByText('Following try 1 live').waitFor();
    await writeFile(gate, '');
    await page.getByText('Try 1 finished').waitFor({ timeout: 30_000 });
    await page.locator('.page-head .badge[data-state="success"]').waitFor({ timeout: 30_000 });
    const live1 = await log.innerText();
    expectEachLineOnce(live1);
    await shot(page, '02-log-try1');
    await page.reload();
    await page.getByText('Try 1 finished').waitFor();
    expect(await log.innerText()).toBe(live1);

    // Clear on this page; try 2 runs while the page follows it.
    await unlink(gate);
    await page.getByRole('button', { name: 'Clear', exact: true }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Clear', exact: true }).click();
    await page.getByText('Following try 2 live').waitFor({ timeout: 60_000 });
    await log.filter({ hasText: 'line 09' }).waitFor({ timeout: 30_000 });
    await writeFile(gate, '');
    await page.getByText('Try 2 finished').waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Try 2 · success' }).waitFor();
    const live2 = await log.innerText();
    expectEachLineOnce(live2);
    await shot(page, '03-log-try2-after-clear');
    await page.reload();
    await page.getByText('Try 2 finished').waitFor();
    expect(await log.innerText()).toBe(live2);
    expect(admin.problems).toEqual([]);
  }, 120_000);

  it('marking a finished task failed, then success, keeps the times of its try', async () => {
    const row = () => store.db.selectFrom('task_instance').select(['start_date', 'end_date', 'duration', 'state'])
      .where('dag_id', '=', 'ui_bugs_log').where('task_id', '=', 'quick').executeTakeFirstOrThrow();
    const before = await row();
    expect(before.state).toBe('success');
    await page.goto(tiUrl('ui_bugs_log', runId, 'quick'));
    for (const state of ['failed', 'success'] as const) {
      await page.getByRole('button', { name: `Mark ${state}` }).click();
      await page.getByRole('dialog').getByRole('button', { name: `Mark ${state}` }).click();
      await page.locator(`.page-head .badge[data-state="${state}"]`).waitFor();
    }
    const after = await row();
    expect(after.state).toBe('success');
    expect(after.start_date).toEqual(before.start_date);
    expect(after.end_date).toEqual(before.end_date);
    expect(after.duration).toBeCloseTo(before.duration!, 3);
    await page.getByRole('link', { name: 'Details' }).click();
    const secs = after.duration!;
    const shown = secs < 1 ? `${Math.round(secs * 1000)} ms` : secs < 60 ? `${secs.toFixed(secs < 10 ? 1 : 0)} s` : null;
    if (shown) expect(await page.getByRole('row', { name: /^Duration/ }).getByRole('cell').innerText()).toBe(shown);
    await shot(page, '04-marked-keeps-times');
  }, 60_000);

  it('times are in UTC and say so, whatever the browser zone', async () => {
    const ny = await signedInAs(browser, server.url, ADMIN, { timezoneId: 'America/New_York', path: `/dags/ui_bugs_log/runs/${encodeURIComponent(runId)}/tasks/quick?tab=details` });
    const ti = await store.db.selectFrom('task_instance').select(['start_date']).where('dag_id', '=', 'ui_bugs_log').where('task_id', '=', 'quick').executeTakeFirstOrThrow();
    const utc = new Date(ti.start_date!).toISOString().replace('T', ' ').slice(0, 19);
    await ny.page.getByRole('row', { name: /^Started/ }).waitFor();
    expect(await ny.page.getByRole('row', { name: /^Started/ }).getByRole('cell').innerText()).toBe(`${utc} UTC`);
    await ny.page.getByText('UTC', { exact: true }).first().waitFor();
    // A logical date typed in the trigger form is read in UTC too.
    await ny.page.goto(`${server.url}/dags/long_labels/grid`);
    await ny.page.getByRole('button', { name: '▶ Trigger' }).click();
    await ny.page.getByLabel(/Logical date/).fill('2024-03-01T12:00:00');
    await ny.page.getByRole('button', { name: 'Trigger', exact: true }).click();
    await ny.page.getByRole('dialog').waitFor({ state: 'hidden' });
    const run = await store.db.selectFrom('dag_run').select('logical_date').where('dag_id', '=', 'long_labels').executeTakeFirstOrThrow();
    expect(new Date(run.logical_date!).toISOString()).toBe('2024-03-01T12:00:00.000Z');
    expect(ny.problems).toEqual([]);
    await ny.context.close();
  }, 60_000);

  it("a Viewer's pause switch is disabled and says why; a refusal that still happens is shown, not swallowed", async () => {
    const viewer = await signedInAs(browser, server.url, { username: 'viewer', password: 'pw' });
    const sw = viewer.page.getByRole('switch', { name: 'Pause ui_bugs_log' });
    await viewer.page.waitForFunction(() => document.querySelector('button[role="switch"]')?.getAttribute('title')?.startsWith('Your role'));
    expect(await sw.isDisabled()).toBe(true);
    expect(await sw.getAttribute('title')).toBe('Your role (Viewer) may not pause or unpause DAGs');
    await shot(viewer.page, '05-viewer-dag-list');
    expect(viewer.problems).toEqual([]);
    await viewer.context.close();

    // A page that believes its Viewer may pause (as one open when the role changed would): the API refuses, and the
    // page says so instead of leaving a 403 in the console.
    const stale = await signedInAs(browser, server.url, { username: 'viewer', password: 'pw' });
    await stale.page.route('**/ui/me', async (r) => {
      const me = await (await r.fetch()).json() as { permissions: string[] };
      await r.fulfill({ json: { ...me, permissions: [...me.permissions, 'edit:dag'] } });
    });
    await stale.page.reload();
    const tsw = stale.page.getByRole('switch', { name: 'Pause ui_bugs_log' });
    await stale.page.waitForFunction(() => document.querySelector('button[role="switch"]')?.getAttribute('title')?.startsWith('Active'));
    await tsw.click();
    await stale.page.getByRole('alert').filter({ hasText: 'Not allowed' }).waitFor();
    expect(await stale.page.getByRole('alert').innerText()).toContain('may not edit dag');
    await shot(stale.page, '06-refusal-shown');
    expect(stale.problems).toEqual([]);
    await stale.context.close();
    const dag = await store.db.selectFrom('dag').select('is_paused').where('dag_id', '=', 'ui_bugs_log').executeTakeFirstOrThrow();
    expect(dag.is_paused).toBe(false);
  }, 60_000);

  it('stays signed in in a new tab, and signing out in one tab signs out the others', async () => {
    const other = await signedInAs(browser, server.url, ADMIN);
    const tab = await other.context.newPage();
    await tab.goto(`${server.url}/dags/ui_bugs_log/grid`);
    await tab.locator('.grid-wrap[data-ready]').waitFor();
    expect(await tab.getByLabel('Password').count()).toBe(0);
    await tab.close();

    const second = await other.context.newPage();
    await second.goto(`${server.url}/pools`);
    await second.getByRole('heading', { name: 'Pools' }).waitFor();
    await second.getByRole('button', { name: 'Sign out' }).click();
    await other.page.getByLabel('Password').waitFor();
    expect(other.problems).toEqual([]);
    await other.context.close();
  }, 30_000);

  it('an unknown page says so; an unknown DAG shows its error once', async () => {
    await page.goto(`${server.url}/no/such/page`);
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    expect(await page.getByRole('heading', { name: 'DAGs', exact: true }).count()).toBe(0);
    await shot(page, '07-not-found');

    await page.goto(`${server.url}/dags/no_such_dag/grid`);
    await page.getByRole('heading', { name: 'DAG not found' }).waitFor();
    await page.waitForLoadState('networkidle');
    expect(await page.locator('.error').count()).toBe(1);
    await shot(page, '08-unknown-dag');
  }, 30_000);

  it('a server that cannot be reached is named as such, not "Failed to fetch"', async () => {
    await page.route('**/ui/dags', (r) => r.abort('connectionrefused'));
    await page.goto(`${server.url}/dags`);
    await page.getByText('Cannot reach the Windsock server').waitFor();
    expect(await page.content()).not.toContain('Failed to fetch');
    await shot(page, '09-unreachable');
    await page.unroute('**/ui/dags');
  }, 30_000);

  it('long task ids are cut in the middle in the grid, so 40 similar names stay distinct, whole on hover', async () => {
    await page.goto(`${server.url}/dags/wide_dag/grid`);
    await page.locator('.grid-wrap[data-ready]').waitFor();
    // For each row: is the name's end (where these names differ) inside the visible box of its cell?
    const rows = await page.evaluate(() => [...document.querySelectorAll('.g-row:not(.group) .g-name')].map((cell) => {
      const box = cell.getBoundingClientRect();
      const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
      const texts: Text[] = [];
      while (walker.nextNode()) texts.push(walker.currentNode as Text);
      const last = texts[texts.length - 1]!;
      const range = document.createRange();
      range.setStart(last, Math.max(0, last.length - 2));
      range.setEnd(last, last.length);
      const end = range.getBoundingClientRect();
      const hover = cell.querySelector('[title]')?.getAttribute('title') ?? cell.getAttribute('title') ?? '';
      return { text: cell.textContent ?? '', endVisible: end.right <= box.right + 0.5 && end.width > 0, hover };
    }));
    expect(rows.length).toBeGreaterThanOrEqual(20);
    for (const r of rows) {
      expect(r.endVisible, r.text).toBe(true);
      expect(r.hover.startsWith(r.text), r.hover).toBe(true);
    }
    expect(new Set(rows.map((r) => r.text)).size).toBe(rows.length);
    await shot(page, '10-long-task-ids');
  }, 30_000);

  it('graph labels longer than their node are cut to fit, not spilled over their neighbours', async () => {
    await page.goto(`${server.url}/dags/long_labels/graph`);
    await page.locator('.graph-wrap[data-ready]').waitFor();
    const nodes = await page.evaluate(() => [...document.querySelectorAll('a.g-node')].map((a) => {
      const rect = a.querySelector('rect.node') as SVGRectElement;
      const label = a.querySelector('text.n-label') as SVGTextElement;
      const r = rect.getBBox(), l = label.getBBox();
      return { task: a.getAttribute('data-task'), inside: l.x + l.width <= r.x + r.width - 4, title: a.querySelector('title')?.textContent ?? '' };
    }));
    expect(nodes).toHaveLength(3);
    for (const n of nodes) expect(n.inside, n.task!).toBe(true);
    expect(nodes.find((n) => n.task === GRAPH_LONG)!.title).toContain(GRAPH_LONG);
    const group = await page.evaluate(() => {
      const g = document.querySelector('.g-group')!;
      const r = (g.querySelector('rect') as SVGRectElement).getBBox(), l = (g.querySelector('text.g-label') as SVGTextElement).getBBox();
      return { inside: l.x + l.width <= r.x + r.width - 2, title: g.querySelector('title')?.textContent };
    });
    expect(group).toEqual({ inside: true, title: 'a_group_with_a_rather_long_name_for_one_small_task' });
    await shot(page, '11-graph-long-labels');
  }, 30_000);

  it("the Gantt's ticks stay on one line inside the chart", async () => {
    await page.goto(`${server.url}/dags/ui_bugs_log/runs/${encodeURIComponent(runId)}`);
    await page.locator('.gantt-track i.bar').nth(1).waitFor();
    const ticks = await page.evaluate(() => {
      const track = document.querySelector('.gantt-row.axis .gantt-track')!.getBoundingClientRect();
      return [...document.querySelectorAll('.gantt-row.axis .tick')].map((t) => {
        const b = t.getBoundingClientRect();
        return { text: t.textContent, height: b.height, lineHeight: parseFloat(getComputedStyle(t).lineHeight) || 20, right: b.right, trackRight: track.right };
      });
    });
    expect(ticks).toHaveLength(5);
    for (const t of ticks) {
      expect(t.height, t.text!).toBeLessThan(t.lineHeight * 1.5);
      expect(t.right, t.text!).toBeLessThanOrEqual(t.trackRight + 0.5);
    }
    await shot(page, '12-gantt-ticks');
    expect(admin.problems).toEqual([]);
  }, 30_000);
});
