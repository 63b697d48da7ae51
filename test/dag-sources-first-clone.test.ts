/**
 * A first clone that outlasts the wait (a large repository) does not hold the DAG processor back: openDagSources
 * returns, and when the clone lands its state is recorded and a rescan is asked for.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileConfig, silentLogger } from '@windsock/config';
import type { Metastore } from '@windsock/metastore';
import { openDagSources } from '../apps/cli/src/runtime/dag-sources.ts';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { fixtureRepo, serveGit, type GitHttpServer } from './support/git-http.ts';

let srv: string, root: string, tdb: TestDatabase, store: Metastore, server: GitHttpServer;
beforeAll(async () => {
  srv = await mkdtemp(join(tmpdir(), 'ws-first-srv-'));
  root = await mkdtemp(join(tmpdir(), 'ws-first-root-'));
  fixtureRepo(srv, 'big').commit('main', { 'd.yaml': 'd:\n  tasks: []\n' });
  server = await serveGit(srv);
  tdb = await freshDatabase();
  store = await tdb.open();
});
afterAll(async () => {
  await store?.close();
  await tdb?.drop();
  await server?.close();
  for (const d of [srv, root]) if (d) await rm(d, { recursive: true, force: true });
});

it('returns before a slow first sync ends, then records it and asks for a rescan', async () => {
  const config = compileConfig({ WINDSOCK__DAG_SOURCES__SOURCES: JSON.stringify([{ name: 'big', git: `${server.url}/big.git`, sync_interval_sec: 60 }]) });
  const sources = await openDagSources({ config, root, db: store.db, logger: silentLogger, firstSyncWaitMs: 0 });
  expect(await store.db.selectFrom('dag_source').selectAll().execute()).toEqual([]); // not synced yet
  const rescanned = new Promise<void>((resolve) => sources.start(async () => { resolve(); }));
  await rescanned;
  const row = await store.db.selectFrom('dag_source').selectAll().where('name', '=', 'big').executeTakeFirstOrThrow();
  expect(row).toMatchObject({ kind: 'git', ref: 'main', error: null });
  expect(row.commit).toMatch(/^[0-9a-f]{40}$/);
  await sources.stop();
});
