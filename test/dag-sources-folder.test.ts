/**
 * A folder DAG source filled by a git-sync sidecar (v4's layout: `.worktrees/<commit>` behind a swapped `current`
 * link), through the real DAG processor: its DAGs carry the commit git-sync published; when the sidecar's folder
 * vanishes the DAGs stay active (never deleted for a source that cannot be read) and the error is recorded; when it
 * comes back at a new commit, the DAGs follow.
 */
import { until as waitUntil } from './support/wait.ts';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mkdir, mkdtemp, rename, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileConfig, silentLogger } from '@windsock/config';
import type { Metastore } from '@windsock/metastore';
import { LocalEventBus } from '@windsock/queue';
import { startDagProcessing, type DagProcessing } from '../apps/cli/src/runtime/dag-processing.ts';
import { freshDatabase, type TestDatabase } from './support/db.ts';

const yamlDag = (id: string) => `${id}:\n  schedule: null\n  default_args: {start_date: 2024-01-01}\n  tasks:\n    - task_id: t\n      operator: airflow.operators.empty.EmptyOperator\n`;
const C1 = '1'.repeat(40), C2 = '2'.repeat(40);

let root: string, base: string, tdb: TestDatabase, store: Metastore, processing: DagProcessing;

/** What git-sync does on a new commit: a worktree, then the link swapped with one rename. */
async function publish(commit: string, files: Record<string, string>) {
  const tree = join(base, '.worktrees', commit);
  for (const [p, c] of Object.entries(files)) { await mkdir(join(tree, p, '..'), { recursive: true }); await writeFile(join(tree, p), c); }
  await symlink(`.worktrees/${commit}`, join(base, 'next'));
  await rename(join(base, 'next'), join(base, 'current'));
}

/** The shared wait with the argument order these tests read best in. */
const until = <T>(fn: () => Promise<T | null | undefined | false>, what: string, ms = 15_000): Promise<T> => waitUntil(what, fn, ms);

const dag = (id: string) => store.db.selectFrom('dag').select(['is_active', 'fileloc', 'bundle_name', 'bundle_version']).where('dag_id', '=', id).executeTakeFirst();
const source = () => store.db.selectFrom('dag_source').selectAll().where('name', '=', 'team-c').executeTakeFirst();

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'ws-folder-src-'));
  base = join(root, '.sources', 'team-c');
  await mkdir(base, { recursive: true });
  await publish(C1, { 'dags/c.yaml': yamlDag('c_dag') });
  tdb = await freshDatabase();
  store = await tdb.open();
  const config = compileConfig({ WINDSOCK__DAG_SOURCES__SOURCES: JSON.stringify({ 'team-c': { folder: '.sources/team-c/current', subdir: 'dags', sync_interval_sec: 0.2 } }) });
  processing = await startDagProcessing({ config, db: store.db, events: new LocalEventBus(), dagsFolder: root, logger: silentLogger, lazyPython: true });
  processing.start();
});

afterAll(async () => {
  await processing?.stop();
  await store?.close();
  await tdb?.drop();
  if (root) await rm(root, { recursive: true, force: true });
});

it('follows a git-sync sidecar, and keeps the DAGs of a folder that vanished', async () => {
  expect(await dag('c_dag')).toEqual({ is_active: true, fileloc: 'team-c/c.yaml', bundle_name: 'team-c', bundle_version: C1 });
  expect(await source()).toMatchObject({ kind: 'folder', commit: C1, error: null });

  await unlink(join(base, 'current')); // the sidecar's volume is gone
  await processing.syncOnce(); // a scan at once, as a file-system event would start
  const broken = await until(async () => { const s = await source(); return s?.error ? s : null; }, 'the folder source\'s error');
  expect(broken).toMatchObject({ error_code: 'SUBDIR_MISSING', commit: C1 });
  await processing.syncOnce();
  expect(await dag('c_dag')).toMatchObject({ is_active: true, bundle_version: C1 });

  await publish(C2, { 'dags/c.yaml': yamlDag('c_dag'), 'dags/c2.yaml': yamlDag('c2_dag') });
  await until(async () => (await dag('c2_dag'))?.bundle_version === C2, 'the new commit\'s DAG');
  expect(await dag('c_dag')).toMatchObject({ is_active: true, bundle_version: C2 });
  expect(await until(async () => { const s = await source(); return s?.error === null ? s : null; }, 'the error cleared')).toMatchObject({ commit: C2 });
});
