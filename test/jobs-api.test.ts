/**
 * The jobs API's contract (`/api/windsock/v1/jobs`) against a real webserver, scheduler and worker (local
 * executor) on a throwaway Postgres: a job is a single-task run of a built-in DAG that no file declares (its run,
 * task instance and log are Airflow's, checked against the v2 document); bad bodies are 400s naming the field and
 * change nothing; submitting takes create:job (a Viewer is refused); users see and cancel only their own jobs,
 * admins all; a failing command fails the job with the reason; cancelling stops the running process; the reserved
 * DAG ids can be neither triggered through /api/v2 nor declared by a DAG file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Metastore } from '@windsock/metastore';
import { createUser } from '@windsock/webserver';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { dagFolder, startInstance, type TestInstance } from './support/instance.ts';
import { PASSWORD, SpecValidator, startApi, type ApiHarness } from './support/api.ts';

let tdb: TestDatabase; let store: Metastore; let inst: TestInstance; let api: ApiHarness; let v2: SpecValidator;
let alice: string; let bob: string;

const HIJACK = `windsock_jobs:
  schedule: null
  default_args: {start_date: 2024-01-01}
  tasks:
    - task_id: job
      operator: airflow.operators.bash.BashOperator
      bash_command: 'echo stolen'
`;

beforeAll(async () => {
  tdb = await freshDatabase();
  store = await tdb.open();
  inst = await startInstance({ store, dagsFolder: await dagFolder({ 'hijack.yaml': HIJACK }) });
  api = await startApi(store, inst.events);
  v2 = new SpecValidator('v2');
  for (const u of ['alice', 'bob']) await createUser(store.db, { username: u, password: PASSWORD, role: 'User' });
  const token = async (username: string) => ((await api.call('POST', '/auth/token', { body: { username, password: PASSWORD } })).body as { access_token: string }).access_token;
  alice = await token('alice');
  bob = await token('bob');
}, 120_000);
afterAll(async () => { await api?.close(); await inst?.stop(); await store?.close(); await tdb?.drop(); });

interface Job { job_id: string; kind: string; owner: string; state: string; task_state: string | null; try_number: number; reason: string | null; spec: Record<string, unknown>; dag_id: string; dag_run_id: string; task_id: string; ui_path: string; name: string | null }

const jobs = (path = '') => `/api/windsock/v1/jobs${path}`;

async function waitJob(token: string, id: string, until: (j: Job) => boolean, timeoutMs = 30_000): Promise<Job> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const r = await api.call('GET', jobs(`/${id}`), { token });
    expect(r.status, r.text).toBe(200);
    const j = r.body as Job;
    if (until(j)) return j;
    if (Date.now() > end) throw new Error(`job ${id} still ${j.state}/${j.task_state}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}
const ended = (j: Job) => j.state === 'success' || j.state === 'failed';

async function logText(token: string, j: Job, tryNumber = 1): Promise<string> {
  const r = await api.call('GET', `/api/v2/dags/${j.dag_id}/dagRuns/${j.dag_run_id}/taskInstances/${j.task_id}/logs/${tryNumber}?full_content=true`, { token, headers: { accept: 'application/json' } });
  expect(r.status, r.text).toBe(200);
  return (r.body as { content: Array<{ event: string }> }).content.map((c) => c.event).join('\n');
}

describe('jobs API', { timeout: 120_000 }, () => {
  it('a container job is a run of windsock_jobs with one task instance, its log and the spec as submitted', async () => {
    const r = await api.call('POST', jobs(), { token: alice, body: { image_tag: 'team.demo.tools', cmd: 'echo "hello from $WHO"; echo done', env: { WHO: 'a job' }, env_from_secrets: ['db-creds'], cpu: '500m', memory: '256Mi', name: 'greet' } });
    expect(r.status, r.text).toBe(201);
    const job = r.body as Job;
    expect(job).toMatchObject({ kind: 'container', owner: 'alice', name: 'greet', dag_id: 'windsock_jobs', task_id: 'job', spec: { image_tag: 'team.demo.tools', cpu: '500m', env: { WHO: 'a job' } } });
    expect(job.job_id).toMatch(/^job_\d{8}T\d{6}_[0-9a-f]{6}$/);
    expect(job.ui_path).toBe(`/dags/windsock_jobs/runs/${job.job_id}/tasks/job`);
    const row = await store.db.selectFrom('dag_run').select('conf').where('run_id', '=', job.job_id).executeTakeFirstOrThrow();
    expect((row.conf as Record<string, unknown>).windsock_job).toEqual({
      image_tag: 'team.demo.tools', cmd: 'echo "hello from $WHO"; echo done', resources: { cpu: '500m', memory: '256Mi' },
      env_vars: { WHO: 'a job' }, from_env_secret: ['db-creds'],
    });
    const done = await waitJob(alice, job.job_id, ended);
    expect(done).toMatchObject({ state: 'success', task_state: 'success', try_number: 1, reason: null });
    const log = await logText(alice, done);
    expect(log).toContain('hello from a job');
    expect(log).toContain('done');
    // Airflow's own objects, valid against Airflow 3's document: the DAG, the run, the task instance.
    const run = await api.call('GET', `/api/v2/dags/windsock_jobs/dagRuns/${job.job_id}`, { token: alice });
    v2.check('GET', '/api/v2/dags/{dag_id}/dagRuns/{dag_run_id}', 200, run.body);
    expect(run.body).toMatchObject({ dag_id: 'windsock_jobs', state: 'success', run_type: 'manual' });
    const ti = await api.call('GET', `/api/v2/dags/windsock_jobs/dagRuns/${job.job_id}/taskInstances/job`, { token: alice });
    v2.check('GET', '/api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}', 200, ti.body);
    expect(ti.body).toMatchObject({ operator: 'K8sOperator', state: 'success', try_number: 1 });
    const dag = await api.call('GET', '/api/v2/dags/windsock_jobs', { token: alice });
    expect(dag.body).toMatchObject({ dag_id: 'windsock_jobs', is_paused: false });
  });

  it('a command that fails fails the job, with the reason (exit code) in the job and its log', async () => {
    const r = await api.call('POST', jobs(), { token: alice, body: { image_tag: 'team.demo.tools', cmd: 'no-such-command-xyz --now' } });
    expect(r.status, r.text).toBe(201);
    const job = await waitJob(alice, (r.body as Job).job_id, ended);
    expect(job.state).toBe('failed');
    expect(job.reason).toMatch(/^Task failed.*exit code 127/);
    expect(await logText(alice, job)).toMatch(/no-such-command-xyz: command not found/);
  });

  it('a job retries as many times as its spec says, each try with its own log', async () => {
    const r = await api.call('POST', jobs(), { token: alice, body: { image_tag: 'team.demo.tools', cmd: 'echo "try $AIRFLOW_CTX_TRY_NUMBER"; exit 4', retries: 1 } });
    expect(r.status, r.text).toBe(201);
    const id = (r.body as Job).job_id;
    const ti = await store.db.selectFrom('task_instance').select(['max_tries', 'state']).where('run_id', '=', id).executeTakeFirstOrThrow();
    expect(ti).toEqual({ max_tries: 1, state: null });
    const job = await waitJob(alice, id, ended, 60_000);
    expect(job).toMatchObject({ state: 'failed', task_state: 'failed', try_number: 2 });
    expect(job.reason).toMatch(/exit code 4/);
    expect(await logText(alice, job, 1)).toContain('Marking task as UP_FOR_RETRY');
    expect(await logText(alice, job, 2)).toContain('Marking task as FAILED');
  });

  it('bad bodies are 400 problems naming the field, and create nothing', async () => {
    const before = (await api.call('GET', jobs('?limit=100'), { token: alice }).then((x) => x.body as { total_entries: number })).total_entries;
    const cases: Array<[string, unknown, RegExp]> = [
      [jobs(), { image_tag: 'a.b.c' }, /cmd/],
      [jobs(), { image_tag: 'a.b.c', cmd: 'x', cmdd: 'y' }, /cmdd: Extra inputs are not permitted/],
      [jobs(), { image_tag: 'bad tag', cmd: 'x' }, /image_tag/],
      [jobs(), { image_tag: 'a.b.c', cmd: 'x', memory: 'lots' }, /memory: "lots" is not a quantity/],
      [jobs(), { image_tag: 'a.b.c', cmd: 'x', env: { 'BAD NAME': '1' } }, /env: "BAD NAME" is not an environment variable name/],
      [jobs(), { image_tag: 'a.b.c', cmd: 'x', gpu: -1 }, /gpu/],
      [jobs(), { image_tag: 'a.b.c', cmd: 'x', retries: 11 }, /retries/],
      [jobs('/spark'), { image_tag: 'a.b.c' }, /code_path/],
      [jobs('/spark'), { image_tag: 'a.b.c', code_path: '/app/m.py', executors: 3, dynamic_allocation: true }, /executors: give a fixed number of executors or dynamic_allocation, not both/],
      [jobs('/spark'), { image_tag: 'a.b.c', code_path: '/app/m.py', dynamic_allocation: { min_executors: 5, max_executors: 2 } }, /min_executors \(5\) is above max_executors \(2\)/],
      [jobs('/spark'), { image_tag: 'a.b.c', code_path: '/app/m.py', main_class: 'org.Main' }, /main_class: is for a JVM application/],
      [jobs('/spark'), { image_tag: 'a.b.c', code_path: '/app/m.py', deps: { eggs: ['x'] } }, /deps.*eggs/],
      [jobs('/spark'), { image_tag: 'a.b.c', code_path: '/app/m.py', executor: { memory: 'lots' } }, /executor.memory: "lots" is not a Spark memory size/],
    ];
    for (const [path, body, detail] of cases) {
      const r = await api.call('POST', path, { token: alice, body });
      expect(r.status, `${JSON.stringify(body)}: ${r.text}`).toBe(400);
      expect(r.headers.get('content-type')).toContain('application/problem+json');
      expect((r.body as { detail: string }).detail).toMatch(detail);
    }
    const after = (await api.call('GET', jobs('?limit=100'), { token: alice }).then((x) => x.body as { total_entries: number })).total_entries;
    expect(after).toBe(before);
  });

  it('a Spark job carries the SparK8sOperator arguments its flags map to', async () => {
    const r = await api.call('POST', jobs('/spark'), { token: alice, body: {
      image_tag: 'team.demo.spark', code_path: '/app/job.jar', main_class: 'org.example.Main', arguments: ['--day', '2024-01-01'],
      conf: { 'spark.sql.shuffle.partitions': '8' }, dynamic_allocation: { min_executors: 2, max_executors: 6 }, driver: { cores: 2, memory: '2g' },
      executor: { memory: '4g' }, deps: { jars: ['local:///opt/extra.jar'] }, spark_version: '3.5.1',
    } });
    expect(r.status, r.text).toBe(201);
    const job = r.body as Job;
    expect(job).toMatchObject({ kind: 'spark', dag_id: 'windsock_spark_jobs', task_id: 'job' });
    expect(job.job_id).toMatch(/^spark_/);
    const row = await store.db.selectFrom('dag_run').select('conf').where('run_id', '=', job.job_id).executeTakeFirstOrThrow();
    expect((row.conf as Record<string, unknown>).windsock_job).toEqual({
      image_tag: 'team.demo.spark', code_path: '/app/job.jar', main_class: 'org.example.Main', arguments: ['--day', '2024-01-01'],
      spark_conf: { 'spark.sql.shuffle.partitions': '8' }, dynamic_allocation: { min_executors: 2, max_executors: 6 },
      driver: { cores: 2, memory: '2g' }, executor: { memory: '4g' }, deps: { jars: ['local:///opt/extra.jar'] }, spark_version: '3.5.1',
    });
    // No Spark here (local executor): cancel it so it does not linger.
    await api.call('POST', jobs(`/${job.job_id}/cancel`), { token: alice });
  });

  it('permissions: no token 401, a Viewer may not submit (403); users see only their own jobs, admins all', async () => {
    expect((await api.call('POST', jobs(), { body: { image_tag: 'a.b.c', cmd: 'true' } })).status).toBe(401);
    const viewer = await api.call('POST', jobs(), { token: api.tokens.Viewer, body: { image_tag: 'a.b.c', cmd: 'true' } });
    expect(viewer.status).toBe(403);
    expect((viewer.body as { detail: string }).detail).toBe('Role Viewer may not create job');
    const mine = await api.call('POST', jobs(), { token: bob, body: { image_tag: 'team.demo.tools', cmd: 'true', name: 'bobs' } });
    expect(mine.status).toBe(201);
    const id = (mine.body as Job).job_id;
    expect((await api.call('GET', jobs(`/${id}`), { token: alice })).status).toBe(404);
    expect((await api.call('POST', jobs(`/${id}/cancel`), { token: alice })).status).toBe(404);
    const aliceList = (await api.call('GET', jobs(), { token: alice })).body as { jobs: Job[]; total_entries: number };
    expect(aliceList.jobs.length).toBeGreaterThan(0);
    expect(aliceList.jobs.every((j) => j.owner === 'alice')).toBe(true);
    expect(aliceList.total_entries).toBe(aliceList.jobs.length);
    const bobList = (await api.call('GET', jobs(), { token: bob })).body as { jobs: Job[] };
    expect(bobList.jobs.map((j) => j.job_id)).toEqual([id]);
    const all = (await api.call('GET', jobs(), { token: api.tokens.Admin })).body as { jobs: Job[] };
    expect(new Set(all.jobs.map((j) => j.owner))).toEqual(new Set(['alice', 'bob']));
    const onlyBob = (await api.call('GET', jobs('?owner=bob'), { token: api.tokens.Admin })).body as { jobs: Job[] };
    expect(onlyBob.jobs.map((j) => j.job_id)).toEqual([id]);
    expect((await api.call('GET', jobs(`/${id}`), { token: api.tokens.Admin })).status).toBe(200);
    await waitJob(bob, id, ended);
  });

  it('cancel stops a running job (its process ends, the job fails at once); a second cancel is 409', async () => {
    const r = await api.call('POST', jobs(), { token: alice, body: { image_tag: 'team.demo.tools', cmd: 'echo started; sleep 60; echo never' } });
    const id = (r.body as Job).job_id;
    const running = await waitJob(alice, id, (j) => j.task_state === 'running');
    const until = Date.now() + 10_000;
    while (!(await logText(alice, running)).includes('started') && Date.now() < until) await new Promise((res) => setTimeout(res, 100));
    const t0 = Date.now();
    const c = await api.call('POST', jobs(`/${id}/cancel`), { token: alice });
    expect(c.status, c.text).toBe(202);
    expect((c.body as Job).state).toBe('failed');
    const done = await waitJob(alice, id, (j) => j.task_state === 'failed', 10_000);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(await logText(alice, done)).not.toContain('never');
    const again = await api.call('POST', jobs(`/${id}/cancel`), { token: alice });
    expect(again.status).toBe(409);
    expect((again.body as { detail: string }).detail).toBe(`Job ${id} already ended (failed)`);
  });

  it('the reserved DAG ids cannot be triggered through /api/v2 nor declared by a DAG file', async () => {
    const t = await api.call('POST', '/api/v2/dags/windsock_jobs/dagRuns', { token: alice, body: { logical_date: null, conf: { windsock_job: { cmd: 'evil' } } } });
    expect(t.status).toBe(400);
    expect(t.text).toContain('/api/windsock/v1/jobs');
    const errors = await api.call('GET', '/api/v2/importErrors', { token: alice });
    const hijack = (errors.body as { import_errors: Array<{ filename: string; stack_trace: string }> }).import_errors.find((e) => e.filename.endsWith('hijack.yaml'));
    expect(hijack?.stack_trace).toContain("dag_id 'windsock_jobs' is reserved");
    const ser = await store.db.selectFrom('serialized_dag').select(['fileloc']).where('dag_id', '=', 'windsock_jobs').executeTakeFirstOrThrow();
    expect(ser.fileloc).toBe('<windsock>/jobs');
    // Nor deleted: the DAG holds every user's jobs.
    const del = await api.call('DELETE', '/api/v2/dags/windsock_jobs', { token: api.tokens.Admin });
    expect(del.status).toBe(400);
    expect(del.text).toContain('cannot be deleted');
    expect((await api.call('GET', '/api/v2/dags/windsock_jobs', { token: alice })).status).toBe(200);
  });
});
