/**
 * The web UI in headless Chromium against the real webserver, scheduler and worker: sign in, trigger a DAG with
 * conf (validated against its params), watch its squares turn green without a reload, read a task's log as its
 * lines arrive, clear a task and watch it run again; then the graph, Gantt, code, variables, pools and
 * connections pages. Screenshots land in test/artifacts/. Every wait is on something appearing on the page.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { Metastore } from '@windsock/metastore';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { dagFolder, startInstance, type TestInstance } from './support/instance.ts';
import { ensureUiBuilt, launchChromium, signedInPage, startUiServer, type UiServer } from '../bench/ui-harness.ts';
import { watch } from './support/ui.ts';

const ART = 'test/artifacts';
let db: TestDatabase, store: Metastore, inst: TestInstance, server: UiServer, browser: Browser, page: Page, gate: string, dags: string;
/** Uncaught errors and console errors of the page over the whole walk-through: normal use leaves none. */
let problems: string[] = [];

const DAGS = (gatePath: string) => ({
  'ui_demo.yaml': `
ui_demo:
  description: extract, transform and load for the UI tests
  schedule: null
  start_date: 2024-01-01
  tags: [team-ml, "repo:analytics"]
  params:
    rows:
      __type__: airflow.models.param.Param
      default: 10
      type: integer
      minimum: 1
      description: how many rows to load
  task_groups:
    - group_name: transform
      tooltip: the transformations
      dependencies: [extract]
  tasks:
    - task_id: extract
      operator: airflow.operators.bash.BashOperator
      bash_command: echo extracting
    - task_id: clean
      operator: airflow.operators.bash.BashOperator
      bash_command: echo cleaning
      task_group_name: transform
    - task_id: join
      operator: airflow.operators.bash.BashOperator
      bash_command: echo joining
      task_group_name: transform
      dependencies: [clean]
    - task_id: load
      operator: airflow.operators.bash.BashOperator
      bash_command: 'echo "loading line 1"; while [ ! -f ${gatePath} ]; do sleep 0.05; done; echo "loading line 2"'
      dependencies: [transform]
`,
  'nightly_report.yaml': `
nightly_report:
  description: the nightly KPI report
  schedule: "0 3 * * *"
  start_date: 2024-01-01
  catchup: false
  tags: ["repo:reporting", finance]
  tasks:
    - task_id: build
      operator: airflow.operators.empty.EmptyOperator
`,
  'broken.yaml': 'broken_dag:\n  tasks: [\n',
});

const shot = (name: string) => page.screenshot({ path: join(ART, `${name}.png`) });

beforeAll(async () => {
  ensureUiBuilt(true);
  await mkdir(ART, { recursive: true });
  gate = join(await dagFolder({}), 'gate');
  db = await freshDatabase();
  store = await db.open();
  dags = await dagFolder(DAGS(gate));
  inst = await startInstance({ store, dagsFolder: dags });
  server = await startUiServer(store, inst.events);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await inst?.stop();
  await store?.close();
  await db?.drop();
  for (const dir of [gate && dirname(gate), dags]) if (dir) await rm(dir, { recursive: true, force: true });
});

describe('web UI in Chromium', () => {
  it('signs in and lists the DAGs with their tags and the import-error banner', async () => {
    page = await signedInPage(browser, server.url);
    problems = watch(page);
    await page.getByRole('link', { name: 'ui_demo' }).waitFor();
    await page.getByText('1 DAG file could not be imported').waitFor();
    expect(await page.getByRole('button', { name: 'repo:analytics' }).count()).toBeGreaterThan(0);
    await page.locator('.live-live').waitFor();
    await shot('01-dag-list');
    // The repo: tag filter leaves only that repository's DAGs.
    await page.locator('.tags').getByRole('button', { name: 'repo:reporting' }).click();
    await page.getByRole('link', { name: 'ui_demo' }).waitFor({ state: 'detached' });
    expect(await page.getByRole('link', { name: 'nightly_report' }).count()).toBe(1);
    await page.locator('.tags').getByRole('button', { name: 'repo:reporting' }).click();
    // The pause switch pauses through the API and shows it.
    const sw = page.getByRole('switch', { name: 'Pause nightly_report' });
    await sw.click();
    await page.getByRole('switch', { name: 'Unpause nightly_report' }).waitFor();
    expect(await page.getByRole('switch', { name: 'Unpause nightly_report' }).getAttribute('aria-checked')).toBe('false');
    const dag = await store.db.selectFrom('dag').select('is_paused').where('dag_id', '=', 'nightly_report').executeTakeFirstOrThrow();
    expect(dag.is_paused).toBe(true);
  }, 60_000);

  it('triggers with conf checked against params, and the grid turns green without a reload', async () => {
    await page.getByRole('link', { name: 'ui_demo' }).click();
    await page.locator('.grid-wrap[data-ready]').waitFor();
    await page.evaluate(() => { (window as unknown as { noReload: number }).noReload = 1; });
    await page.getByRole('button', { name: '▶ Trigger' }).click();
    const editor = page.getByLabel('Configuration JSON (conf)');
    await editor.fill('{"rows": 0}');
    await page.getByText('must be ≥ 1').waitFor();
    expect(await page.getByRole('button', { name: 'Trigger', exact: true }).isDisabled()).toBe(true);
    await editor.fill('{\n  "rows": 25\n}');
    await page.getByText("conf matches the DAG's params").waitFor();
    await shot('02-trigger-dialog');
    await page.getByRole('button', { name: 'Trigger', exact: true }).click();

    // Squares change as events arrive: three upstream tasks succeed while load waits at its gate.
    await page.locator('button.cell[data-task$="load"][data-state="running"]').waitFor({ timeout: 60_000 });
    await page.locator('button.cell[data-state="success"]').nth(2).waitFor({ timeout: 30_000 });
    expect(await page.locator('.g-row.group').count()).toBe(1);
    await shot('03-grid-running');
    const run = await store.db.selectFrom('dag_run').select(['run_id', 'conf']).where('dag_id', '=', 'ui_demo').executeTakeFirstOrThrow();
    expect(run.conf).toEqual({ rows: 25 });
    expect(await page.evaluate(() => (window as unknown as { noReload?: number }).noReload)).toBe(1);
  }, 120_000);

  it("shows a running task's log lines as they are written", async () => {
    await page.locator('button.cell[data-task$="load"]').first().click();
    await page.getByRole('heading', { name: 'load' }).waitFor();
    const log = page.locator('pre.log-text');
    await log.filter({ hasText: 'loading line 1' }).waitFor({ timeout: 30_000 });
    expect(await log.textContent()).not.toContain('loading line 2');
    await page.getByText('Following try 1 live').waitFor();
    await writeFile(gate, '');
    await log.filter({ hasText: 'loading line 2' }).waitFor({ timeout: 30_000 });
    await page.getByText('Try 1 finished').waitFor({ timeout: 30_000 });
    await page.locator('.page-head .badge[data-state="success"]').waitFor({ timeout: 30_000 });
    await shot('04-task-log');
    expect(await page.evaluate(() => (window as unknown as { noReload?: number }).noReload)).toBe(1);

    await page.locator('.crumbs').getByRole('link', { name: 'ui_demo' }).click();
    await page.locator('button.cell[data-state="success"]').nth(3).waitFor();
    expect(await page.locator('button.cell[data-state="success"]').count()).toBe(4);
    await shot('05-grid-success');
  }, 120_000);

  it('clears a task, which runs again as try 2', async () => {
    await page.locator('button.cell[data-task$="load"]').first().click();
    await page.getByRole('button', { name: 'Clear', exact: true }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Clear', exact: true }).click();
    await page.getByRole('button', { name: /^Try 2/ }).waitFor({ timeout: 60_000 });
    await page.locator('.page-head .badge[data-state="success"]').waitFor({ timeout: 60_000 });
    await page.getByText('Try 2 finished').waitFor({ timeout: 30_000 });
    const ti = await store.db.selectFrom('task_instance').select(['state', 'try_number']).where('dag_id', '=', 'ui_demo').where('task_id', 'like', '%load').executeTakeFirstOrThrow();
    expect(ti).toEqual({ state: 'success', try_number: 2 });
    await page.getByRole('link', { name: 'Details' }).click();
    expect(await page.locator('table.small-table tbody tr').count()).toBe(2);
    await shot('06-task-details');
  }, 120_000);

  it('draws the graph, the Gantt chart and the source', async () => {
    const runId = (await store.db.selectFrom('dag_run').select('run_id').where('dag_id', '=', 'ui_demo').executeTakeFirstOrThrow()).run_id;
    await page.locator('.crumbs').getByRole('link', { name: 'ui_demo' }).click();
    await page.getByRole('navigation', { name: 'DAG views' }).getByRole('link', { name: 'Graph' }).click();
    await page.locator('.graph-wrap[data-ready]').waitFor();
    expect(await page.locator('a.g-node[data-state="success"]').count()).toBe(4);
    expect(await page.locator('.g-group').count()).toBe(1);
    await shot('07-graph');
    // Collapsing the group draws it as one node summarising its tasks.
    await page.getByRole('button', { name: /Collapse group transform/ }).click();
    expect(await page.locator('a.g-node').count()).toBe(3);
    await page.getByRole('button', { name: /Expand group transform/ }).click();

    await page.goto(`${server.url}/dags/ui_demo/runs/${encodeURIComponent(runId)}`);
    await page.locator('.gantt-track i.bar').nth(3).waitFor();
    expect(await page.locator('.gantt-track i.bar[data-state="success"]').count()).toBe(4);
    await shot('08-gantt');

    await page.goto(`${server.url}/dags/ui_demo/code`);
    await page.locator('pre.src').filter({ hasText: 'loading line 1' }).waitFor();
    await shot('09-code');
  }, 60_000);

  it('is usable with the keyboard: skip link, arrow keys across the grid, visible focus, Escape closes dialogs', async () => {
    await page.goto(`${server.url}/dags/ui_demo/grid`);
    await page.locator('.grid-wrap[data-ready]').waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await page.locator('button.cell[data-task="extract"]').first().focus();
    await page.keyboard.press('ArrowDown');
    await page.waitForFunction(() => (document.activeElement as HTMLElement | null)?.dataset.task?.endsWith('clean'));
    expect(await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle)).toBe('solid');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: /clean$/ }).waitFor();
    await page.getByRole('button', { name: 'Mark failed' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('dialog').waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'hidden' });
  }, 60_000);

  it('creates a variable, a pool and a connection whose password is never shown', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Variables' }).click();
    await page.getByRole('button', { name: '+ Add variable' }).click();
    const dlg = page.getByRole('dialog');
    await dlg.getByLabel('Key').fill('feature_store_url');
    await dlg.getByLabel('Value').fill('s3://ml-features/prod');
    await dlg.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('cell', { name: 'feature_store_url', exact: true }).waitFor();
    await shot('10-variables');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Pools' }).click();
    await page.getByRole('button', { name: '+ Add pool' }).click();
    await dlg.getByLabel('Name').fill('gpu');
    await dlg.getByLabel('Slots').fill('4');
    await dlg.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('cell', { name: 'gpu', exact: true }).waitFor();
    await shot('11-pools');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Connections' }).click();
    await page.getByRole('button', { name: '+ Add connection' }).click();
    await dlg.getByLabel('Connection id').fill('warehouse');
    await dlg.getByLabel('Type').fill('postgres');
    await dlg.getByLabel('Host').fill('db.internal');
    await dlg.getByLabel('Password').fill('s3cret-pw');
    await dlg.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('cell', { name: 'warehouse', exact: true }).waitFor();
    expect(await page.content()).not.toContain('s3cret-pw');
    await shot('12-connections');
    expect(problems).toEqual([]);
  }, 60_000);
});
