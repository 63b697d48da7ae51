/**
 * The CLI against a real running Windsock: a webserver on a throwaway Postgres metastore with one user per role,
 * a scheduler and a worker (local executor) running real DAGs, and the built `windsock` command as a child
 * process: login (the file it writes, a wrong password), a Viewer's refused trigger, `dags trigger` and
 * `tasks logs --follow` of a real run, the output formats, and the errors' exit codes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Metastore } from '@windsock/metastore';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { dagFolder, startInstance, type TestInstance } from './support/instance.ts';
import { PASSWORD, startApi, type ApiHarness } from './support/api.ts';
import { BIN, ROOT, windsock, windsockInTerminal } from './support/cli-run.ts';

let tdb: TestDatabase; let store: Metastore; let inst: TestInstance; let api: ApiHarness;
let home: string; let file: string;
/** No token or URL from the test's own environment: each test says what it uses. */
let base: Record<string, string | undefined>;

const DAGS = {
  'lines.yaml': `cli_lines:
  schedule: null
  default_args: {start_date: 2024-01-01}
  tasks:
    - task_id: talk
      operator: airflow.operators.bash.BashOperator
      bash_command: 'for i in 1 2 3 4 5 6; do echo "line $i of 6"; sleep 0.8; done'
`,
  'fails.yaml': `cli_fails:
  schedule: null
  default_args: {start_date: 2024-01-01, retries: 0}
  tasks:
    - task_id: boom
      operator: airflow.operators.bash.BashOperator
      bash_command: 'echo going down; exit 3'
`,
};

beforeAll(async () => {
  tdb = await freshDatabase();
  store = await tdb.open();
  inst = await startInstance({ store, dagsFolder: await dagFolder(DAGS) });
  api = await startApi(store, inst.events);
  home = await mkdtemp(join(tmpdir(), 'windsock-cli-remote-'));
  file = join(home, 'config', 'windsock', 'cli.yaml');
  base = { HOME: home, XDG_CONFIG_HOME: join(home, 'config'), WINDSOCK_CLI_CONFIG: undefined, WINDSOCK_API_URL: undefined, WINDSOCK_API_TOKEN: undefined, WINDSOCK_SANDBOX: undefined, WINDSOCK_CLI_POLL_MS: '200' };
});
afterAll(async () => { await api?.close(); await inst?.stop(); await store?.close(); await tdb?.drop(); });

const withToken = (role: keyof ApiHarness['tokens']) => ({ ...base, WINDSOCK_API_URL: api.url, WINDSOCK_API_TOKEN: api.tokens[role] });

describe('windsock login', { timeout: 120_000 }, () => {
  it('signs in with --password-stdin and keeps URL, user and token in a 0600 file that later commands use', async () => {
    const r = await windsock(['login', '--api-url', api.url, '--username', 'user', '--password-stdin'], base, `${PASSWORD}\n`);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`Logged in to ${api.url} as user`);
    expect(r.stdout).toBe('');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const saved = parseYaml(await readFile(file, 'utf8')) as { api_url: string; username: string; token: string; expires_at: string };
    expect(saved).toMatchObject({ api_url: api.url, username: 'user' });
    expect(saved.token.split('.')).toHaveLength(3); // a JWT
    expect(Date.parse(saved.expires_at)).toBeGreaterThan(Date.now());
    // The saved token works: no flag, no environment.
    const t = await windsock(['dags', 'trigger', 'cli_lines', '-o', 'json'], base);
    expect(t.code, t.stderr).toBe(0);
    expect(JSON.parse(t.stdout)).toMatchObject({ dag_id: 'cli_lines', state: 'queued' });
    await waitRunsDone();
  });

  it('a wrong password is exit 4 with a message; the saved login is left as it was', async () => {
    const before = await readFile(file, 'utf8');
    const r = await windsock(['login', '--api-url', api.url, '--username', 'user', '--password-stdin'], base, 'not the password\n');
    expect(r.code).toBe(4);
    expect(r.stderr.trim()).toBe(`windsock: sign-in refused for user at ${api.url}: wrong user name or password`);
    expect(await readFile(file, 'utf8')).toBe(before);
  });

  it('on a terminal it asks for the password without echoing it', async () => {
    const r = await windsockInTerminal(['login', '--api-url', api.url, '--username', 'op'], base, 120, { after: 'Password for', text: `${PASSWORD}\r` });
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain(`Password for op at ${api.url}: `);
    expect(r.output).toContain(`Logged in to ${api.url} as op`);
    expect(r.output).not.toContain(PASSWORD);
    expect(parseYaml(await readFile(file, 'utf8'))).toMatchObject({ api_url: api.url, username: 'op' });
  });

  it('without a terminal and without --password-stdin it says what to do (exit 2)', async () => {
    const r = await windsock(['login', '--api-url', api.url, '--username', 'user'], base);
    expect([r.code, r.stderr.trim()]).toEqual([2, 'windsock: no terminal to ask for the password: use --password-stdin']);
  });

  it('logout forgets the token; then the server says to log in (exit 4)', async () => {
    const o = await windsock(['logout'], base);
    expect(o.code).toBe(0);
    expect(parseYaml(await readFile(file, 'utf8'))).toEqual({ api_url: api.url, username: 'op' });
    const t = await windsock(['dags', 'trigger', 'cli_lines'], base);
    expect(t.code).toBe(4);
    expect(t.stderr).toContain('not logged in or the token expired: run windsock login');
  });

  it('--sandbox sends the sign-in to {url}/sandboxes/NAME (none here: 404, exit 3)', async () => {
    const r = await windsock(['login', '--api-url', api.url, '--sandbox', 'alice-dev', '--username', 'user', '--password-stdin'], base, PASSWORD);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`${api.url}/sandboxes/alice-dev/auth/token does not exist`);
  });
});

async function waitRunsDone(): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const open = await store.db.selectFrom('dag_run').select('id').where('state', 'in', ['queued', 'running']).execute();
    if (open.length === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('runs did not finish');
}

describe('dags trigger and tasks logs', { timeout: 120_000 }, () => {
  it('a Viewer may not trigger: exit 4 and the server\'s message naming the role; no run made', async () => {
    const before = (await store.db.selectFrom('dag_run').select('id').execute()).length;
    const r = await windsock(['dags', 'trigger', 'cli_lines'], withToken('Viewer'));
    expect(r.code).toBe(4);
    expect(r.stderr.trim()).toBe('windsock: permission denied: Role Viewer may not create dag_run');
    expect(await store.db.selectFrom('dag_run').select('id').execute()).toHaveLength(before);
  });

  it('trigger with conf and run id, then tasks logs --follow prints each line once, in order, until the task ends', async () => {
    const env = withToken('User');
    const t = await windsock(['dags', 'trigger', 'cli_lines', '--conf', '{"who": "cli"}', '--run-id', 'cli_follow_1', '-o', 'json'], env);
    expect(t.code, t.stderr).toBe(0);
    expect(JSON.parse(t.stdout)).toMatchObject({ dag_id: 'cli_lines', dag_run_id: 'cli_follow_1', conf: { who: 'cli' } });
    // Follow as a child process, noting when each line arrives.
    const arrived = new Map<string, number>();
    let stdout = '';
    const child = spawn(process.execPath, [BIN, 'tasks', 'logs', 'cli_lines', 'cli_follow_1', 'talk', '--follow'], { env: { ...process.env, ...env }, cwd: ROOT });
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      for (const l of stdout.split('\n')) if (/^line \d of 6$/.test(l) && !arrived.has(l)) arrived.set(l, Date.now());
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    expect(code, stderr).toBe(0);
    const talk = stdout.split('\n').filter((l) => /^line \d of 6$/.test(l));
    expect(talk).toEqual([1, 2, 3, 4, 5, 6].map((i) => `line ${i} of 6`));
    // It printed lines while the task ran (the task takes 4.8 s), not all at its end.
    expect(arrived.get('line 6 of 6')! - arrived.get('line 1 of 6')!, JSON.stringify([...arrived])).toBeGreaterThan(800);
    // It returned because the task instance had finished.
    const ti = await store.db.selectFrom('task_instance').innerJoin('dag_run', 'dag_run.id', 'task_instance.dag_run_id').select('task_instance.state')
      .where('dag_run.run_id', '=', 'cli_follow_1').where('task_instance.task_id', '=', 'talk').executeTakeFirstOrThrow();
    expect(ti.state).toBe('success');
    // Read again without --follow: the same lines, and as JSON lines with -o json.
    const again = await windsock(['tasks', 'logs', 'cli_lines', 'cli_follow_1', 'talk', '--try', '1'], env);
    expect(again.stdout.split('\n').filter((l) => /^line \d of 6$/.test(l))).toEqual(talk);
    const j = await windsock(['tasks', 'logs', 'cli_lines', 'cli_follow_1', 'talk', '-o', 'json'], env);
    const events = j.stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: string; timestamp: string });
    expect(events.filter((e) => e.event.startsWith('line ')).map((e) => e.event)).toEqual(talk);
    expect(Number.isNaN(Date.parse(events[0]!.timestamp))).toBe(false);
  });

  it('tasks logs reads a long log to its end: past the 2000 chunks one answer holds', async () => {
    const ti = await store.db.selectFrom('task_instance').innerJoin('dag_run', 'dag_run.id', 'task_instance.dag_run_id').select('task_instance.id')
      .where('dag_run.run_id', '=', 'cli_follow_1').where('task_instance.task_id', '=', 'talk').executeTakeFirstOrThrow();
    await store.db.insertInto('task_log').values(Array.from({ length: 2100 }, (_, i) => ({ task_instance_id: ti.id, try_number: 1, chunk: `extra ${i + 1}\n` }))).execute();
    const r = await windsock(['tasks', 'logs', 'cli_lines', 'cli_follow_1', 'talk', '-o', 'plain'], withToken('Viewer'));
    expect(r.code, r.stderr).toBe(0);
    const extra = r.stdout.split('\n').filter((l) => l.startsWith('extra '));
    expect(extra).toHaveLength(2100);
    expect(extra.at(-1)).toBe('extra 2100');
    expect(new Set(extra).size).toBe(2100);
  });

  it('trigger --wait follows the run: exit 0 and the run as YAML on success; exit 1 when it failed', async () => {
    const ok = await windsock(['dags', 'trigger', 'cli_lines', '--wait', '-o', 'yaml'], withToken('Op'));
    expect(ok.code, ok.stderr).toBe(0);
    expect(parseYaml(ok.stdout)).toMatchObject({ dag_id: 'cli_lines', state: 'success' });
    expect(ok.stderr).toMatch(/^run manual__\S+ of cli_lines: (queued|running) \(\d+s\)$/m);
    const bad = await windsock(['dags', 'trigger', 'cli_fails', '--wait'], withToken('Op'));
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/^dag_id +\| dag_run_id +\| state +\| logical_date/);
    expect(bad.stdout).toMatch(/cli_fails +\| manual__\S+ +\| failed/);
    expect(bad.stderr).toMatch(/windsock: run manual__\S+ of cli_fails failed: see windsock tasks logs cli_fails manual__\S+ TASK_ID/);
    const runId = /cli_fails +\| (manual__\S+)/.exec(bad.stdout)![1]!;
    const log = await windsock(['tasks', 'logs', 'cli_fails', runId, 'boom', '-o', 'plain'], withToken('Op'));
    expect(log.stdout).toContain('going down');
  });

  it('table and plain output of trigger; a missing DAG is exit 3 with the server\'s detail', async () => {
    const t = await windsock(['dags', 'trigger', 'cli_lines', '-r', 'cli_table_1', '-o', 'table'], withToken('User'));
    const lines = t.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^dag_id +\| dag_run_id +\| state +\| logical_date +\| run_after +\| conf$/);
    expect(lines[2]).toMatch(/^cli_lines +\| cli_table_1 +\| queued +\|/);
    const p = await windsock(['dags', 'trigger', 'cli_lines', '-r', 'cli_plain_1', '-o', 'plain'], withToken('User'));
    expect(p.stdout.split('\t').slice(0, 3)).toEqual(['cli_lines', 'cli_plain_1', 'queued']);
    const dup = await windsock(['dags', 'trigger', 'cli_lines', '-r', 'cli_plain_1'], withToken('User'));
    expect(dup.code).toBe(1);
    expect(dup.stderr).toContain('already exists');
    const missing = await windsock(['dags', 'trigger', 'no_such_dag'], withToken('User'));
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/^windsock: .*no_such_dag.*$/m);
    const badConf = await windsock(['dags', 'trigger', 'cli_lines', '--conf', '[1]'], withToken('User'));
    expect([badConf.code, badConf.stderr.trim()]).toEqual([2, 'windsock: --conf must be a JSON object, e.g. \'{"key": "value"}\'']);
    await waitRunsDone();
  });

  it('an API URL where nothing listens: exit 1, is it running?', async () => {
    const srv = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => srv.once('listening', r));
    const { port } = srv.address() as AddressInfo;
    await new Promise((r) => srv.close(r));
    const r = await windsock(['dags', 'trigger', 'cli_lines', '--api-url', `http://127.0.0.1:${port}`, '--token', 'x'], base);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(`windsock: cannot reach Windsock at http://127.0.0.1:${port}: is it running? (set --api-url or WINDSOCK_API_URL) [ECONNREFUSED]`);
  });
});
