/**
 * Sandboxes whose DAGs come from a branch of a git repository, end to end: real Postgres and Redis, the control
 * plane and webserver in-process, the sandbox's scheduler a child process that clones the branch over HTTP (a
 * fixture repository behind `git http-backend`, with Basic auth from `[sandboxes] git_credentials_file`) and
 * follows it: a commit pushed to the branch shows up in the sandbox's API within the sync interval. A branch that
 * does not exist fails the sandbox with a reason naming it; the API refuses URLs that are not http(s).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { compileConfig, silentLogger } from '@windsock/config';
import { generateFernetKey, type Metastore } from '@windsock/metastore';
import { LocalEventBus } from '@windsock/queue';
import { createUser, startWebserver, type Webserver } from '@windsock/webserver';
import { startControlPlane, type ControlPlane } from '../apps/cli/src/runtime/control-plane.ts';
import { freshDatabase, REDIS_URL, type TestDatabase } from './support/db.ts';
import { fixtureRepo, serveGit, type GitHttpServer } from './support/git-http.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON of many shapes, read by the assertions
type Json = any;
const PASSWORD = 'sandbox pass';
const GIT_AUTH = { username: 'ci-bot', password: `tok-${randomBytes(6).toString('hex')}` };
const dag = (dagId: string) => `${dagId}:
  schedule: null
  is_paused_upon_creation: false
  default_args: { start_date: 2024-01-01 }
  tasks:
    - task_id: hello
      operator: airflow.operators.bash.BashOperator
      bash_command: 'echo hello from ${dagId}'
`;

let tdb: TestDatabase, store: Metastore, web: Webserver, control: ControlPlane, home: string, repos: string, git: GitHttpServer;
let repo: ReturnType<typeof fixtureRepo>;
let token = '';
const prefix = `wstest${randomBytes(3).toString('hex')}`;

async function call(path: string, o: { method?: string; body?: unknown } = {}): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${web.url}${path}`, {
    method: o.method ?? 'GET',
    headers: { authorization: `Bearer ${token}`, ...(o.body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: o.body === undefined ? undefined : JSON.stringify(o.body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const statusOf = async (name: string) => (await call(`/api/windsock/v1/sandboxes/${name}`)).body;
const dagIds = async (name: string): Promise<string[]> => ((await call(`/sandboxes/${name}/api/v2/dags`)).body.dags as { dag_id: string }[]).map((d) => d.dag_id).sort();

let scratch: string;

beforeAll(async () => {
  tdb = await freshDatabase();
  store = await tdb.open(5);
  home = await mkdtemp(join(tmpdir(), 'ws-sbgit-home-'));
  // The sandbox schedulers (children) keep their checkouts in a temporary folder of this file's own: leftovers of
  // another run on this machine are not counted.
  scratch = await mkdtemp(join(tmpdir(), 'ws-sbgit-tmp-'));
  process.env.TMPDIR = scratch;
  repos = await mkdtemp(join(tmpdir(), 'ws-sbgit-repos-'));
  repo = fixtureRepo(repos, 'team-dags');
  repo.commit('dev', { 'dags/first.yaml': dag('first_dag'), 'README.md': 'not a DAG\n' }, 'first DAG');
  git = await serveGit(repos, { auth: GIT_AUTH });
  const credentials = join(home, 'git-credentials.yaml');
  await writeFile(credentials, `${git.url}/: { username: ${GIT_AUTH.username}, password: ${GIT_AUTH.password} }\n`, { mode: 0o600 });
  const config = compileConfig({
    WINDSOCK__DATABASE__URL: tdb.url, WINDSOCK__QUEUE__REDIS_URL: REDIS_URL, WINDSOCK__QUEUE__PREFIX: prefix, WINDSOCK__CORE__FERNET_KEY: generateFernetKey(),
    WINDSOCK__SANDBOXES__DAGS_ROOT: home, WINDSOCK__API_AUTH__JWT_SECRET: randomBytes(32).toString('hex'), WINDSOCK__LOGGING__LEVEL: 'warn',
    WINDSOCK__SANDBOXES__IDLE_SLEEP_SEC: '3', WINDSOCK__WORKER__SHUTDOWN_GRACE_SEC: '2',
    WINDSOCK__SANDBOXES__GIT_SYNC_INTERVAL_SEC: '1', WINDSOCK__SANDBOXES__GIT_CREDENTIALS_FILE: credentials,
  });
  control = await startControlPlane({ config, db: store.db, home, logger: silentLogger });
  web = await startWebserver({ db: store.db, events: new LocalEventBus(), config, logger: silentLogger, fernetKey: config.core.fernet_key, port: 0, host: '127.0.0.1', sandboxes: control.web });
  await createUser(store.db, { username: 'alice', password: PASSWORD, role: 'User' });
  token = (await call('/auth/token', { method: 'POST', body: { username: 'alice', password: PASSWORD } })).body.access_token;
}, 60_000);

afterAll(async () => {
  await web?.close();
  await control?.stop();
  await git?.close();
  await store?.close();
  await tdb?.drop();
  for (const dir of [repos, home]) if (dir) await rm(dir, { recursive: true, force: true });
});

describe('sandboxes from a git branch', { timeout: 180_000 }, () => {
  it('the API refuses sources that are not an http(s) branch it can check out', async () => {
    const create = (git: Record<string, unknown>) => call('/api/windsock/v1/sandboxes', { method: 'POST', body: { name: 'alice-bad', dag_source: { git } } });
    for (const [git, field] of [
      [{ url: 'file:///etc', branch: 'dev' }, 'url'],
      [{ url: 'ssh://git@example.com/x.git', branch: 'dev' }, 'url'],
      [{ url: 'https://bot:secret@example.com/x.git', branch: 'dev' }, 'url'],
      [{ url: 'https://example.com/x.git', branch: 'a..b' }, 'branch'],
      [{ url: 'https://example.com/x.git', branch: 'dev', subdir: '../../etc' }, 'subdir'],
    ] as const) {
      const r = await create(git);
      expect(r.status, JSON.stringify(git)).toBe(400);
      expect(r.body.detail).toContain(`dag_source.git.${field}`);
      expect(JSON.stringify(r.body)).not.toContain('secret');
    }
    expect((await call('/api/windsock/v1/sandboxes/alice-bad')).status).toBe(404);
  });

  it('runs the DAGs of a branch, and follows the commits pushed to it', async () => {
    const url = `${git.url}/team-dags.git`;
    const t0 = Date.now();
    const c = await call('/api/windsock/v1/sandboxes', { method: 'POST', body: { name: 'alice-git', dag_source: { git: { url, branch: 'dev', subdir: './dags/' } } } });
    expect(c.status).toBe(201);
    expect(c.body.dag_source).toEqual({ git: { url, branch: 'dev', subdir: 'dags' } });
    await until('alice-git ready', async () => {
      const s = await statusOf('alice-git');
      if (s.status === 'failed') throw new Error(`sandbox failed: ${s.reason}`);
      return s.status === 'ready';
    });
    console.log(`alice-git ready ${Date.now() - t0} ms after create`);
    expect(await dagIds('alice-git')).toEqual(['first_dag']);

    repo.commit('dev', { 'dags/second.yaml': dag('second_dag') }, 'second DAG');
    const pushed = Date.now();
    await until('second_dag listed', async () => (await dagIds('alice-git')).includes('second_dag'), 30_000);
    console.log(`second_dag listed ${Date.now() - pushed} ms after the push (sync interval 1 s)`);
    expect(await dagIds('alice-git')).toEqual(['first_dag', 'second_dag']);

    // The new DAG runs from the checkout.
    const run = await call('/sandboxes/alice-git/api/v2/dags/second_dag/dagRuns', { method: 'POST', body: { logical_date: null } });
    expect(run.status).toBe(200);
    const runPath = `/sandboxes/alice-git/api/v2/dags/second_dag/dagRuns/${encodeURIComponent(run.body.dag_run_id as string)}`;
    await until('second_dag run success', async () => (await call(runPath)).body.state === 'success');
  });

  it('a sleeping git sandbox wakes when its branch moves on the server', async () => {
    // Idle (no call to its API), it sleeps; its branch's head is checked at most every 30 s meanwhile.
    await until('alice-git asleep', async () => (await statusOf('alice-git')).scheduler === 'asleep', 60_000);
    repo.commit('dev', { 'dags/third.yaml': dag('third_dag') }, 'third DAG');
    const pushed = Date.now();
    await until('alice-git woken', async () => (await statusOf('alice-git')).scheduler !== 'asleep', 90_000);
    console.log(`alice-git woken ${Date.now() - pushed} ms after the push`);
    await until('third_dag listed', async () => (await dagIds('alice-git')).includes('third_dag'), 60_000);
  });

  it('a branch that does not exist fails the sandbox, the reason naming the branch', async () => {
    const url = `${git.url}/team-dags.git`;
    const c = await call('/api/windsock/v1/sandboxes', { method: 'POST', body: { name: 'alice-nobranch', dag_source: { git: { url, branch: 'no-such-branch', subdir: 'dags' } } } });
    expect(c.status).toBe(201);
    const failed = await until('alice-nobranch failed', async () => {
      const s = await statusOf('alice-nobranch');
      return s.status === 'failed' ? s : null;
    });
    expect(failed.reason).toMatch(/branch "no-such-branch" of http:\/\/127\.0\.0\.1:\d+\/team-dags\.git: the branch does not exist/);
    expect(failed.reason).not.toContain(GIT_AUTH.password);
  });

  it('deleting a git sandbox stops its scheduler and removes its checkout', async () => {
    // The scheduler clones into a temporary folder of its own (a pod's disk is its own too), removed when it stops.
    const checkouts = async () => (await readdir(scratch)).filter((f) => f.startsWith('windsock-git-alice-git-'));
    // It may have gone to sleep (checkout removed) while the previous test ran: a call to its API wakes it.
    await until('alice-git awake with one checkout', async () => {
      await dagIds('alice-git');
      return (await statusOf('alice-git')).scheduler === 'running' && (await checkouts()).length === 1;
    });
    expect((await call('/api/windsock/v1/sandboxes/alice-git', { method: 'DELETE' })).status).toBe(202);
    await until('alice-git gone', async () => (await call('/api/windsock/v1/sandboxes/alice-git')).status === 404);
    expect(await checkouts()).toEqual([]);
  });
});
