/**
 * `[dag_sources]` end to end, with two real git repositories served over smart HTTP (one behind credentials read
 * from a file, one pinned to an annotated tag): every DAG is tagged `repo:<name>` and carries its source's commit,
 * a run records the commit it ran, a new commit and a force-push are picked up, a duplicate dag_id across sources
 * is an import error naming both files, each source's `.airflowignore` applies within it, an unreachable remote
 * keeps serving its last good commit with the error visible in /api/windsock/v1/dag-sources, and the first clone
 * logs its progress.
 */
import { until as waitUntil } from './support/wait.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileConfig, type Logger } from '@windsock/config';
import { insertManualRun, type Metastore } from '@windsock/metastore';
import { LocalEventBus } from '@windsock/queue';
import { openMetrics, type Metrics } from '@windsock/metrics';
import { startDagProcessing, type DagProcessing } from '../apps/cli/src/runtime/dag-processing.ts';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { fixtureRepo, serveGit, type GitHttpServer } from './support/git-http.ts';
import { startApi, type ApiHarness } from './support/api.ts';

const yamlDag = (id: string, extra = '') => `${id}:\n  schedule: null\n  default_args: {start_date: 2024-01-01}\n  tags: [team]\n  tasks:\n    - task_id: t\n      operator: airflow.operators.empty.EmptyOperator\n${extra}`;
const PY_DAG = 'from airflow import DAG\nfrom airflow.operators.empty import EmptyOperator\nwith DAG("py_dag", schedule=None, tags=["py"]) as dag:\n    EmptyOperator(task_id="t")\n';
const AUTH = { username: 'bot', password: 'b-secret-token' };

let srvRootA: string, srvRootB: string, root: string, tdb: TestDatabase, store: Metastore, api: ApiHarness;
let serverA: GitHttpServer, serverB: GitHttpServer, processing: DagProcessing;
let repoA: ReturnType<typeof fixtureRepo>, repoB: ReturnType<typeof fixtureRepo>;
const lines: { level: string; obj: Record<string, unknown>; msg: string }[] = [];
const logger: Logger = Object.fromEntries(['debug', 'info', 'warn', 'error'].map((level) => [level, (obj: object | string, msg?: string) => {
  lines.push({ level, obj: typeof obj === 'string' ? {} : obj as Record<string, unknown>, msg: typeof obj === 'string' ? obj : msg ?? '' });
}])) as unknown as Logger;
const events = new LocalEventBus();
let commitA1: string, commitB1: string;

/** The shared wait with the argument order these tests read best in. */
const until = <T>(fn: () => Promise<T | null | undefined | false>, what: string, ms = 15_000): Promise<T> => waitUntil(what, fn, ms);

const dag = (id: string) => store.db.selectFrom('dag').select(['dag_id', 'is_active', 'fileloc', 'bundle_name', 'bundle_version', 'has_import_errors']).where('dag_id', '=', id).executeTakeFirst();
const tags = async (id: string) => (await store.db.selectFrom('dag_tag').select('name').where('dag_id', '=', id).execute()).map((r) => r.name).sort();

let metrics: Metrics;

beforeAll(async () => {
  srvRootA = await mkdtemp(join(tmpdir(), 'ws-src-a-'));
  srvRootB = await mkdtemp(join(tmpdir(), 'ws-src-b-'));
  root = await mkdtemp(join(tmpdir(), 'ws-sources-'));
  repoA = fixtureRepo(srvRootA, 'team-a');
  commitA1 = repoA.commit('main', {
    'dags/a.yaml': yamlDag('a_dag'), 'dags/py_dag.py': PY_DAG, 'dags/skipped/x.yaml': yamlDag('ignored_dag'), 'dags/.airflowignore': 'skipped\n', 'README.md': 'not DAGs\n',
  });
  repoB = fixtureRepo(srvRootB, 'team-b');
  repoB.commit('main', { 'b.yaml': yamlDag('b_dag') });
  commitB1 = repoB.tag('v1', 'main');
  serverA = await serveGit(srvRootA);
  serverB = await serveGit(srvRootB, { auth: AUTH });
  const credentials = join(root, '..', `ws-creds-${process.pid}.yaml`);
  await writeFile(credentials, `${serverB.url}/: { username: ${AUTH.username}, token: ${AUTH.password} }\n`);
  tdb = await freshDatabase();
  store = await tdb.open();
  const sources = [
    { name: 'team-a', git: `${serverA.url}/team-a.git`, branch: 'main', subdir: 'dags', sync_interval_sec: 0.2 },
    { name: 'team-b', git: `${serverB.url}/team-b.git`, tag: 'v1', sync_interval_sec: 0.2 },
  ];
  const config = compileConfig({ WINDSOCK__DAG_SOURCES__SOURCES: JSON.stringify(sources), WINDSOCK__DAG_SOURCES__CREDENTIALS_FILE: credentials });
  metrics = await openMetrics({ prometheus: true, statsd: null });
  processing = await startDagProcessing({ config, db: store.db, events, dagsFolder: root, logger, lazyPython: true, metrics });
  api = await startApi(store, events);
});

afterAll(async () => {
  await processing?.stop();
  await api?.close();
  await store?.close();
  await tdb?.drop();
  await serverA?.close();
  await serverB?.close();
  for (const d of [srvRootA, srvRootB, root]) if (d) await rm(d, { recursive: true, force: true });
});

describe('DAG sources', () => {
  it('tags each DAG with its repository and commit, with each source\'s .airflowignore applied', async () => {
    expect(await dag('a_dag')).toMatchObject({ is_active: true, fileloc: 'team-a/a.yaml', bundle_name: 'team-a', bundle_version: commitA1 });
    expect(await dag('b_dag')).toMatchObject({ is_active: true, fileloc: 'team-b/b.yaml', bundle_name: 'team-b', bundle_version: commitB1 });
    expect(await tags('a_dag')).toEqual(expect.arrayContaining(['repo:team-a', 'team']));
    expect(await tags('a_dag')).not.toContain('repo:team-b');
    expect(await tags('b_dag')).toEqual(expect.arrayContaining(['repo:team-b', 'team']));
    expect(await dag('ignored_dag')).toBeUndefined();
    // Python files are parsed in the sandbox that mounts the root, through the source's link.
    expect(await dag('py_dag')).toMatchObject({ is_active: true, fileloc: 'team-a/py_dag.py', bundle_version: commitA1 });
    expect(await tags('py_dag')).toEqual(['py', 'repo:team-a']);
    // The first clone said how far it was, phase by phase.
    expect(lines.some((l) => l.msg.startsWith('cloning DAG source team-a') && typeof l.obj.phase === 'string')).toBe(true);
  });

  it('records the commit a run ran, and shows it in /api/v2', async () => {
    const run = await insertManualRun(store.db, { dagId: 'a_dag', dagHash: 'h', timetable: { schedule: { kind: 'none' }, timezone: 'UTC' }, logicalDate: new Date(), triggeredBy: 'test' });
    expect(run?.bundle_version).toBe(commitA1);
    const res = await api.call('GET', `/api/v2/dags/a_dag/dagRuns/${encodeURIComponent(run!.run_id)}`, { token: api.tokens.Viewer });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ bundle_version: commitA1 });
    const d = await api.call('GET', '/api/v2/dags/a_dag', { token: api.tokens.Viewer });
    expect(d.body).toMatchObject({ bundle_name: 'team-a', bundle_version: commitA1, relative_fileloc: 'a.yaml' });
  });

  it('follows a new commit, then a force-push, stamping the unchanged DAGs with the new commit too', async () => {
    processing.start();
    const c2 = repoA.commit('main', { 'dags/a2.yaml': yamlDag('a2_dag') });
    expect(await until(async () => (await dag('a2_dag'))?.bundle_version === c2, 'a2_dag at the new commit')).toBe(true);
    expect(await dag('a_dag')).toMatchObject({ bundle_version: c2 });
    const c3 = repoA.forcePush('main', { 'dags/a3.yaml': yamlDag('a3_dag') });
    await until(async () => (await dag('a3_dag'))?.bundle_version === c3, 'a3_dag after the force-push');
    // The rewritten history dropped a2 (its file is deactivated right after the new files are stored).
    await until(async () => (await dag('a2_dag'))?.is_active === false, 'a2_dag deactivated');
    expect(await dag('a_dag')).toMatchObject({ is_active: true, bundle_version: c3 });
    const run = await insertManualRun(store.db, { dagId: 'a_dag', dagHash: 'h', timetable: { schedule: { kind: 'none' }, timezone: 'UTC' }, logicalDate: new Date(Date.now() + 1000), triggeredBy: 'test' });
    expect(run?.bundle_version).toBe(c3);
  });

  it('makes a dag_id declared by two sources an import error naming both files; the first keeps it', async () => {
    repoB.commit('main', { 'dup.yaml': yamlDag('a_dag') });
    const moved = repoB.tag('v1', 'main'); // a tag moved by force is a new commit
    const err = await until(() => store.db.selectFrom('import_error').selectAll().where('filename', '=', 'team-b/dup.yaml').executeTakeFirst(), 'the duplicate\'s import error');
    expect(err.message).toContain('team-a/a.yaml');
    expect(err.message).toContain('a_dag');
    expect(await dag('a_dag')).toMatchObject({ fileloc: 'team-a/a.yaml', bundle_name: 'team-a' });
    await until(async () => (await dag('b_dag'))?.bundle_version === moved, 'b_dag at the moved tag');
    const errors = await api.call('GET', '/api/v2/importErrors', { token: api.tokens.Viewer });
    expect(JSON.stringify(errors.body)).toContain('team-b/dup.yaml');
  });

  it('keeps serving the last good commit of an unreachable source, with its error in the API', async () => {
    const before = await dag('a_dag');
    await serverA.close();
    // (A request cut off by the close may first read as an empty answer; the next one is refused outright.)
    await until(() => store.db.selectFrom('dag_source').selectAll().where('name', '=', 'team-a').where('error_code', '=', 'UNREACHABLE').executeTakeFirst(), 'the sync error');
    expect(await dag('a_dag')).toEqual(before);
    expect(await dag('a3_dag')).toMatchObject({ is_active: true });
    const res = await api.call('GET', '/api/windsock/v1/dag-sources', { token: api.tokens.Viewer });
    expect(res.status).toBe(200);
    const listed = (res.body as { dag_sources: Record<string, unknown>[] }).dag_sources;
    expect(listed.map((s) => s.name)).toEqual(['team-a', 'team-b']);
    expect(listed[0]).toMatchObject({ kind: 'git', ref: 'main', subdir: 'dags', commit: before!.bundle_version, error_code: 'UNREACHABLE', dag_count: 3 });
    expect(String(listed[0]!.error)).toContain('cannot reach');
    // The metric a platform team alerts on.
    const text = (await metrics.scrape())!.body;
    expect(text).toMatch(/^airflow_windsock_dag_source_sync_failing\{source="team-a"\} 1$/m);
    expect(text).toMatch(/^airflow_windsock_dag_source_sync_failing\{source="team-b"\} 0$/m);
    expect(listed[1]).toMatchObject({ kind: 'git', ref: 'tag:v1', error: null, dag_count: 1 });
    expect(JSON.stringify(listed)).not.toContain(AUTH.password);
    expect((await api.call('GET', '/api/windsock/v1/dag-sources')).status).toBe(401);
    // The UI's DAG list carries the banner's data; the grid, the commit each run ran.
    const list = await api.call('GET', '/ui/dags', { token: api.tokens.Viewer });
    expect((list.body as { source_errors: unknown[] }).source_errors).toEqual([expect.objectContaining({ name: 'team-a', commit: before!.bundle_version })]);
    const grid = await api.call('GET', '/ui/grid/a_dag', { token: api.tokens.Viewer });
    expect((grid.body as { runs: { bundle_version: string }[] }).runs.map((r) => r.bundle_version).sort()).toEqual([commitA1, before!.bundle_version].sort());
  });
});
