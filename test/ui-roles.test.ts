/**
 * The role matrix in Chromium: a Viewer, a User, an Op and an Admin each see exactly the actions their role may
 * take (Airflow's roles: Viewer reads; User also pauses, triggers, marks and clears; Op also manages variables,
 * connections and pools; Admin also users, which the UI does not manage). An action the role may not take is
 * disabled and says why on hover; pages the role may not read are not offered. Screenshots: test/artifacts/roles-*.png.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import type { Metastore } from '@windsock/metastore';
import { createUser } from '@windsock/webserver';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { dagFolder, startInstance, type TestInstance } from './support/instance.ts';
import { signedInAs } from './support/ui.ts';
import { ensureUiBuilt, launchChromium, startUiServer, type UiServer } from '../bench/ui-harness.ts';

const ART = 'test/artifacts';
let db: TestDatabase, store: Metastore, inst: TestInstance, server: UiServer, browser: Browser, dags: string, runId: string;

const ROLES = ['Viewer', 'User', 'Op', 'Admin'] as const;
type Role = typeof ROLES[number];
const RUNS_DAGS: Role[] = ['User', 'Op', 'Admin'];
const MANAGES: Role[] = ['Op', 'Admin'];

/** Each action: where it is, and which roles may take it. */
const ACTIONS: { name: string; page: () => string; find: (p: Page) => Locator; roles: Role[] }[] = [
  { name: 'pause (DAG list)', page: () => '/dags', find: (p) => p.getByRole('switch', { name: 'Pause roles_dag' }), roles: RUNS_DAGS },
  { name: 'trigger (DAG list)', page: () => '/dags', find: (p) => p.getByRole('button', { name: 'Trigger roles_dag' }), roles: RUNS_DAGS },
  { name: 'pause (DAG page)', page: () => '/dags/roles_dag/grid', find: (p) => p.locator('.page-head').getByRole('switch'), roles: RUNS_DAGS },
  { name: 'trigger (DAG page)', page: () => '/dags/roles_dag/grid', find: (p) => p.getByRole('button', { name: '▶ Trigger' }), roles: RUNS_DAGS },
  { name: 'clear run', page: () => '/dags/roles_dag/grid', find: (p) => p.getByRole('button', { name: 'Clear run' }), roles: RUNS_DAGS },
  { name: 'mark run success', page: () => '/dags/roles_dag/grid', find: (p) => p.getByRole('button', { name: 'Mark run success' }), roles: RUNS_DAGS },
  { name: 'mark run failed', page: () => '/dags/roles_dag/grid', find: (p) => p.getByRole('button', { name: 'Mark run failed' }), roles: RUNS_DAGS },
  { name: 'clear task', page: () => `/dags/roles_dag/runs/${encodeURIComponent(runId)}/tasks/only`, find: (p) => p.getByRole('button', { name: 'Clear', exact: true }), roles: RUNS_DAGS },
  { name: 'mark task success', page: () => `/dags/roles_dag/runs/${encodeURIComponent(runId)}/tasks/only`, find: (p) => p.getByRole('button', { name: 'Mark success' }), roles: RUNS_DAGS },
  { name: 'mark task failed', page: () => `/dags/roles_dag/runs/${encodeURIComponent(runId)}/tasks/only`, find: (p) => p.getByRole('button', { name: 'Mark failed' }), roles: RUNS_DAGS },
  { name: 'add pool', page: () => '/pools', find: (p) => p.getByRole('button', { name: '+ Add pool' }), roles: MANAGES },
  { name: 'edit pool', page: () => '/pools', find: (p) => p.getByRole('button', { name: 'Edit default_pool' }), roles: MANAGES },
  { name: 'add variable', page: () => '/variables', find: (p) => p.getByRole('button', { name: '+ Add variable' }), roles: MANAGES },
  { name: 'add connection', page: () => '/connections', find: (p) => p.getByRole('button', { name: '+ Add connection' }), roles: MANAGES },
];
/** Pages in the top bar, and which roles are offered them. */
const NAV: { name: string; roles: Role[] }[] = [
  { name: 'DAGs', roles: [...ROLES] }, { name: 'Pools', roles: [...ROLES] },
  { name: 'Variables', roles: MANAGES }, { name: 'Connections', roles: MANAGES },
];

beforeAll(async () => {
  ensureUiBuilt(true);
  await mkdir(ART, { recursive: true });
  db = await freshDatabase();
  store = await db.open();
  dags = await dagFolder({
    'roles_dag.yaml': 'roles_dag:\n  schedule: null\n  start_date: 2024-01-01\n  tasks:\n    - task_id: only\n      operator: airflow.operators.empty.EmptyOperator\n',
  });
  inst = await startInstance({ store, dagsFolder: dags });
  server = await startUiServer(store, inst.events);
  for (const role of ROLES) await createUser(store.db, { username: `u_${role.toLowerCase()}`, password: 'pw', role });
  runId = (await inst.runDag('roles_dag')).runId;
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

describe('each role sees exactly the actions it may take', () => {
  for (const role of ROLES) {
    it(`${role}`, async () => {
      const { page, context, problems } = await signedInAs(browser, server.url, { username: `u_${role.toLowerCase()}`, password: 'pw' });
      // The role is known once the top bar shows it; until then actions wait, disabled.
      await page.locator('.user', { hasText: role }).waitFor();
      const seen: Record<string, boolean> = {};
      const want: Record<string, boolean> = {};
      const nav = page.getByRole('navigation', { name: 'Main' });
      for (const n of NAV) {
        seen[`nav ${n.name}`] = (await nav.getByRole('link', { name: n.name, exact: true }).count()) === 1;
        want[`nav ${n.name}`] = n.roles.includes(role);
      }
      let at = '';
      for (const a of ACTIONS) {
        want[a.name] = a.roles.includes(role);
        if (!want[a.name] && (a.name === 'add variable' || a.name === 'add connection')) {
          // Not offered in the bar; opened by address, the page says the role may not read it.
          await page.goto(`${server.url}${a.page()}`);
          await page.locator('.error', { hasText: 'Not allowed' }).waitFor();
          seen[a.name] = !(await a.find(page).isDisabled());
          continue;
        }
        if (a.page() !== at) { at = a.page(); await page.goto(`${server.url}${at}`); await page.locator('.user', { hasText: role }).waitFor(); }
        const el = a.find(page);
        await el.waitFor();
        // Enabled once the role is known (or for good when it may not), never the other way round.
        await page.waitForFunction(() => ![...document.querySelectorAll('button')].some((b) => b.title.startsWith('Checking what your role')));
        seen[a.name] = !(await el.isDisabled());
        if (!seen[a.name]) expect(await el.getAttribute('title'), a.name).toMatch(new RegExp(`^Your role \\(${role}\\) may not `));
        if (a.name === 'mark task failed') await page.screenshot({ path: join(ART, `roles-${role.toLowerCase()}-task.png`) });
        if (a.name === 'edit pool') await page.screenshot({ path: join(ART, `roles-${role.toLowerCase()}-pools.png`) });
      }
      expect(seen).toEqual(want);
      expect(problems).toEqual([]);
      await context.close();
    }, 90_000);
  }
});
