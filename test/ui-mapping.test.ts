/**
 * Mapped task instances in headless Chromium (issue 19), on a run the real scheduler and worker made: the grid shows
 * the mapped task as one row whose cell counts its three instances, and its task-instance page lists them and opens
 * each one. Screenshots: test/artifacts/mapping-*.png.
 */
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { Metastore } from '@windsock/metastore';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { startInstance, type TestInstance } from './support/instance.ts';
import { signedInAs } from './support/ui.ts';
import { ADMIN, ensureUiBuilt, launchChromium, startUiServer, type UiServer } from '../bench/ui-harness.ts';

const ART = 'test/artifacts';
let db: TestDatabase, store: Metastore, inst: TestInstance, server: UiServer, browser: Browser, runId: string;

beforeAll(async () => {
  ensureUiBuilt(true);
  await mkdir(ART, { recursive: true });
  db = await freshDatabase();
  store = await db.open();
  inst = await startInstance({ store, dagsFolder: resolve(import.meta.dirname, 'fixtures/mapping') });
  server = await startUiServer(store, inst.events);
  const run = await inst.runDag('map_sum');
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
});

describe('mapped tasks in the UI', () => {
  it('the grid: one row for the mapped task, its cell counting 3 instances', async () => {
    const w = await signedInAs(browser, server.url, ADMIN, { path: '/dags/map_sum/grid' });
    const cell = w.page.locator('button.cell[data-task="add_one"]');
    await cell.first().waitFor({ timeout: 30_000 });
    expect(await cell.count()).toBe(1);
    expect(await cell.getAttribute('data-mapped')).toBe('3');
    expect(await cell.getAttribute('data-state')).toBe('success');
    expect(await cell.getAttribute('title')).toContain('3 mapped: 3 success');
    expect(await cell.innerText()).toBe('3');
    await w.page.screenshot({ path: join(ART, 'mapping-grid.png') });
    expect(w.problems).toEqual([]);
    await w.context.close();
  }, 60_000);

  it('the task-instance page lists the mapped instances and opens each', async () => {
    const w = await signedInAs(browser, server.url, ADMIN, { path: `/dags/map_sum/runs/${encodeURIComponent(runId)}/tasks/add_one` });
    const links = w.page.locator('nav.mapped a.map-link');
    await links.first().waitFor({ timeout: 30_000 });
    expect(await links.allInnerTexts()).toEqual(['[0] success', '[1] success', '[2] success']);
    await links.nth(2).click();
    await w.page.locator('h1', { hasText: 'add_one [2]' }).waitFor({ timeout: 10_000 });
    await w.page.getByRole('link', { name: /XCom/ }).click();
    await w.page.getByText('4', { exact: true }).first().waitFor({ timeout: 10_000 });
    await w.page.screenshot({ path: join(ART, 'mapping-ti.png') });
    expect(w.problems).toEqual([]);
    await w.context.close();
  }, 60_000);
});
