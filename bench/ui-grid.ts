/**
 * UI benchmarks: the grid view for one DAG of 1,000 tasks (10 task groups of 100) × 25 runs with mixed states.
 *  - the grid's API call, GET /ui/grid/{dag_id} over HTTP on the real webserver (target <= 300 ms);
 *  - the grid page in headless Chromium, from navigation to the squares on screen (target <= 1 s).
 * Airflow 3's grid takes up to 30 s on large DAGs in users' reports. The metastore is PGlite (embedded, as
 * standalone runs), or Postgres with --postgres URL.
 * Usage: node bench/ui-grid.ts [--tasks 1000] [--runs 25] [--iterations 20] [--postgres URL] [--screenshot FILE] [--tiny]
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { migrateToLatest, openMetastore } from '@windsock/metastore';
import { LocalEventBus } from '@windsock/queue';
import { DagProcessorService } from '@windsock/scheduler';
import { DagFolderProcessor } from '@windsock/dag-parser';
import type { TiStateOrNone } from '@windsock/dag-model';
import { percentile } from './harness.ts';
import { ADMIN, ensureUiBuilt, launchChromium, signedInPage, startUiServer } from './ui-harness.ts';

export interface UiGridResult { tasks: number; runs: number; bytes: number; apiP50: number; apiP99: number; pageP50: number; pageMax: number }

function bigDag(dagId: string, tasks: number): string {
  const groups = Math.max(1, Math.round(tasks / 100));
  const per = Math.ceil(tasks / groups);
  let body = '';
  for (let i = 0; i < tasks; i++) {
    const g = Math.floor(i / per), k = i % per;
    // Each group is a chain of fan-outs: task k depends on k-1 and k-2 of its group.
    const ups = [k - 1, k - 2].filter((x) => x >= 0).map((x) => `t${g}_${x}`);
    body += `    - task_id: t${g}_${k}\n      operator: airflow.operators.empty.EmptyOperator\n      task_group_name: g${g}\n${ups.length ? `      dependencies: [${ups.join(', ')}]\n` : ''}`;
  }
  const tg = Array.from({ length: groups }, (_, g) => `    - group_name: g${g}\n`).join('');
  return `${dagId}:\n  schedule: null\n  start_date: 2024-01-01\n  task_groups:\n${tg}  tasks:\n${body}`;
}

const STATES: TiStateOrNone[] = ['success', 'success', 'success', 'success', 'failed', 'upstream_failed', 'skipped', 'running', 'queued', null];

export async function uiGrid(opts: { tasks: number; runs: number; iterations: number; databaseUrl?: string; screenshot?: string }): Promise<UiGridResult> {
  ensureUiBuilt();
  const folder = await mkdtemp(join(tmpdir(), 'windsock-ui-bench-'));
  await writeFile(join(folder, 'big.yaml'), bigDag('big', opts.tasks));
  const store = await openMetastore(opts.databaseUrl ? { kind: 'postgres', url: opts.databaseUrl } : { kind: 'pglite', dataDir: null });
  await migrateToLatest(store.db);
  const events = new LocalEventBus();
  const processor = new DagProcessorService({ db: store.db, events, processor: new DagFolderProcessor({ folder }), dagsFolder: folder, options: { pausedAtCreation: false } });
  await processor.syncOnce();
  processor.stop();
  const ser = await store.db.selectFrom('serialized_dag').select('data').where('dag_id', '=', 'big').executeTakeFirstOrThrow();
  const taskIds = ser.data.tasks.map((t) => t.task_id);
  for (let r = 0; r < opts.runs; r++) {
    const day = new Date(Date.UTC(2024, 0, 1 + r));
    const run = await store.db.insertInto('dag_run').values({
      dag_id: 'big', run_id: `scheduled__${day.toISOString()}`, run_type: 'scheduled', state: r === opts.runs - 1 ? 'running' : 'success',
      logical_date: day, run_after: day, start_date: day, end_date: r === opts.runs - 1 ? null : new Date(day.getTime() + 600_000 + r * 10_000), conf: '{}',
    }).returning('id').executeTakeFirstOrThrow();
    for (let i = 0; i < taskIds.length; i += 1000) {
      await store.db.insertInto('task_instance').values(taskIds.slice(i, i + 1000).map((task_id, j) => ({
        dag_run_id: run.id, dag_id: 'big', run_id: `scheduled__${day.toISOString()}`, task_id, state: STATES[(i + j + r) % STATES.length]!, try_number: 1,
      }))).execute();
    }
  }
  const server = await startUiServer(store, events);
  const browser = await launchChromium();
  try {
    const tok = await fetch(`${server.url}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN) });
    const { access_token } = await tok.json() as { access_token: string };
    const api: number[] = [];
    let bytes = 0;
    for (let i = 0; i < opts.iterations + 2; i++) {
      const t0 = performance.now();
      const res = await fetch(`${server.url}/ui/grid/big?limit=${opts.runs}`, { headers: { authorization: `Bearer ${access_token}` } });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`grid call answered ${res.status}: ${text.slice(0, 200)}`);
      if (i >= 2) api.push(performance.now() - t0); // two warm-up calls
      bytes = text.length;
    }
    const page = await signedInPage(browser, server.url);
    const pageMs: number[] = [];
    for (let i = 0; i < Math.max(3, Math.ceil(opts.iterations / 4)); i++) {
      const t0 = performance.now();
      await page.goto(`${server.url}/dags/big/grid`);
      await page.locator(`.grid-wrap[data-ready][data-tasks="${taskIds.length}"] button.cell`).first().waitFor();
      pageMs.push(performance.now() - t0);
    }
    if (opts.screenshot) await page.screenshot({ path: opts.screenshot });
    api.sort((a, b) => a - b);
    pageMs.sort((a, b) => a - b);
    return { tasks: taskIds.length, runs: opts.runs, bytes, apiP50: percentile(api, 50), apiP99: percentile(api, 99), pageP50: percentile(pageMs, 50), pageMax: pageMs[pageMs.length - 1]! };
  } finally {
    await browser.close();
    await server.close();
    await store.close();
    await rm(folder, { recursive: true, force: true });
  }
}

export function printUiGrid(r: UiGridResult, db: string): void {
  console.log(`UI grid ${r.tasks} tasks x ${r.runs} runs (${db}, ${(r.bytes / 1024).toFixed(0)} KiB JSON):`);
  console.log(`  GET /ui/grid p50 ${r.apiP50.toFixed(0)} ms, p99 ${r.apiP99.toFixed(0)} ms   (target <= 300 ms; Airflow 3: up to 30 s on large DAGs)`);
  console.log(`  grid page in Chromium, navigation to squares on screen: p50 ${r.pageP50.toFixed(0)} ms, max ${r.pageMax.toFixed(0)} ms   (target <= 1000 ms)`);
}

if (import.meta.main) {
  const { values } = parseArgs({ options: {
    tasks: { type: 'string', default: '1000' }, runs: { type: 'string', default: '25' }, iterations: { type: 'string', default: '20' },
    postgres: { type: 'string' }, screenshot: { type: 'string' }, tiny: { type: 'boolean', default: false },
  } });
  const common = { databaseUrl: values.postgres, screenshot: values.screenshot };
  const r = await uiGrid(values.tiny ? { tasks: 50, runs: 5, iterations: 3, ...common }
    : { tasks: Number(values.tasks), runs: Number(values.runs), iterations: Number(values.iterations), ...common });
  printUiGrid(r, values.postgres ? 'Postgres' : 'PGlite');
}
