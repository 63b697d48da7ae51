/**
 * The CLI's Airflow verbs as a person drives them from a terminal, against a running `windsock standalone` (a real
 * child process on its embedded store, started as a user starts it): log in, unpause, trigger with conf, tail a
 * task's log live while following the run to its end, clear a failed task after the preview and the question,
 * mark, pause by regex, list runs, and the variables / pools / connections verbs with Airflow's import and export
 * files, then the errors scripts rely on (exit codes, a 403 naming the role, a 401 saying to log in again).
 * Every pseudo-terminal session is kept as a screenshot (SVG) and text in test/artifacts/cli-verbs/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { BIN, ROOT, windsock, windsockInTerminal } from './support/cli-run.ts';
import { dagFolder } from './support/instance.ts';
import { saveTerminalShot, screenText } from './support/terminal-shot.ts';

const ART = join(ROOT, 'test/artifacts/cli-verbs');
const SPINNER = /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/;
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[\d;]*m/;
const strip = (s: string) => s.replace(new RegExp(ANSI.source, 'g'), '');

let standalone: ChildProcess; let url = ''; let adminPassword = '';
let work: string; let flag: string;
let env: Record<string, string>;
const session: { args: string[]; output: string }[] = [];

/** The command in a pseudo-terminal, its screen kept for the artifacts. */
async function tty(name: string, args: string[], o: { columns?: number; typed?: { after: string; text: string }; env?: Record<string, string> } = {}) {
  const r = await windsockInTerminal(args, { ...env, ...o.env }, o.columns ?? 120, o.typed);
  session.push({ args, output: r.output });
  saveTerminalShot(ART, name, `$ windsock ${args.join(' ')}\r\n${r.output}`, `windsock ${args.join(' ')}`);
  // `screen`: what the terminal shows (colours dropped, a spinner's line rewritten in place).
  return { ...r, screen: screenText(r.output) };
}
const reEscape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const cli = (args: string[], extra: Record<string, string> = {}, input?: string) => windsock(args, { ...env, ...extra }, input);

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'windsock-cli-verbs-'));
  flag = join(work, 'flag');
  const dags = await dagFolder({
    'verbs_conf.yaml': `verbs_conf:
  schedule: null
  default_args: {start_date: 2024-01-01}
  tasks:
    - task_id: greet
      operator: airflow.operators.bash.BashOperator
      bash_command: 'for i in 1 2 3 4 5; do echo "hello {{ dag_run.conf[''who''] }} $i of 5"; sleep 0.7; done'
    - task_id: after
      operator: airflow.operators.bash.BashOperator
      bash_command: 'echo after'
      dependencies: [greet]
`,
    'verbs_flaky.yaml': `verbs_flaky:
  schedule: null
  default_args: {start_date: 2024-01-01, retries: 0}
  tasks:
    - task_id: check
      operator: airflow.operators.bash.BashOperator
      bash_command: 'if [ -f ${flag} ]; then echo "flag found"; else echo "no flag yet"; exit 1; fi'
    - task_id: report
      operator: airflow.operators.bash.BashOperator
      bash_command: 'echo reported'
      dependencies: [check]
`,
  });
  standalone = spawn(process.execPath, [BIN, 'standalone', '--dags', dags, '--port', '0'], {
    env: { ...process.env, WINDSOCK_HOME: join(work, 'home'), WINDSOCK_CONFIG: '', WINDSOCK__LOGGING__LEVEL: 'warn', WINDSOCK__DATABASE__URL: '' }, cwd: ROOT,
  });
  let out = '';
  await new Promise<void>((res, rej) => {
    const t = setTimeout(() => rej(new Error(`standalone did not start: ${out}`)), 110_000);
    standalone.stdout!.on('data', (d: Buffer) => { out += d.toString(); if (out.includes('Press Ctrl+C')) { clearTimeout(t); res(); } });
    standalone.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
    standalone.once('exit', (code) => { clearTimeout(t); rej(new Error(`standalone exited with ${code}: ${out}`)); });
  });
  url = /webserver: +(http:\/\/\S+) /.exec(out)![1]!;
  adminPassword = /sign in as admin with password (\S+)/.exec(out)![1]!;
  env = { HOME: work, WINDSOCK_CLI_CONFIG: join(work, 'cli.yaml'), WINDSOCK_API_URL: '', WINDSOCK_API_TOKEN: '', WINDSOCK_SANDBOX: '', WINDSOCK_CLI_POLL_MS: '200', COLUMNS: '' };
}, 120_000);

afterAll(async () => {
  if (session.length) {
    saveTerminalShot(ART, 'session', session.map((s) => `$ windsock ${s.args.join(' ')}\r\n${s.output}`).join(''), 'windsock: a terminal session against a standalone');
  }
  if (standalone && standalone.exitCode === null) {
    await new Promise((r) => { standalone.once('exit', r); standalone.kill('SIGTERM'); });
  }
  await rm(work, { recursive: true, force: true });
});

describe('windsock from a terminal, against a running standalone', { timeout: 180_000 }, () => {
  it('login asks for the password on the terminal; the token is kept in a 0600 file', async () => {
    const r = await tty('01-login', ['login', '--api-url', url, '--username', 'admin'], { typed: { after: 'Password for', text: `${adminPassword}\r` } });
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain(`Logged in to ${url} as admin`);
    expect(r.output).not.toContain(adminPassword);
  });

  it('unpause, trigger with conf; tail the log live while following the run to its end', async () => {
    const u = await cli(['dags', 'unpause', 'verbs_conf']);
    expect(u.code, u.stderr).toBe(0);
    expect(u.stdout).toMatch(/^dag_id +\| is_paused\n=+=\+=+\nverbs_conf +\| false$/m);
    const t = await tty('02-trigger', ['dags', 'trigger', 'verbs_conf', '--conf', '{"who": "terminal"}', '--run-id', 'conf_1']);
    expect(t.code, t.output).toBe(0);
    expect(t.screen).toMatch(/verbs_conf +\| conf_1 +\| queued/);
    expect(t.output).toContain('{"who":"terminal"}');
    // The log, tailed while the task runs, and the run followed to its end (a spinner on the terminal), at once.
    const started = Date.now();
    const [logs, follow] = await Promise.all([
      tty('03-logs-follow', ['tasks', 'logs', 'verbs_conf', 'conf_1', 'greet', '--follow']),
      tty('04-run-wait', ['runs', 'get', 'verbs_conf', 'conf_1', '--wait']),
    ]);
    expect(logs.code, logs.output).toBe(0);
    const hello = logs.output.split(/\r?\n/).filter((l) => /^hello terminal \d of 5$/.test(l));
    expect(hello).toEqual([1, 2, 3, 4, 5].map((i) => `hello terminal ${i} of 5`));
    expect(follow.code, follow.output).toBe(0);
    expect(follow.output).toMatch(SPINNER);
    expect(follow.output).toContain('run conf_1 of verbs_conf: success');
    expect(follow.screen).toMatch(/^state +\| success$/m);
    expect(Date.now() - started).toBeGreaterThan(3000); // it followed a run that takes ~3.5 s, not a finished one
    // Colour on the terminal only.
    expect(follow.output).toMatch(ANSI);
    const piped = await cli(['runs', 'get', 'verbs_conf', 'conf_1']);
    expect(piped.stdout).not.toMatch(ANSI);
    expect(piped.stdout).toMatch(/^state +\| success$/m);
  });

  let failedRun = '';
  it('a failed task: its state, then clear it (and downstream) after the preview and a yes', async () => {
    expect((await cli(['dags', 'unpause', 'verbs_flaky'])).code).toBe(0);
    const bad = await cli(['dags', 'trigger', 'verbs_flaky', '--wait', '-o', 'json']);
    expect(bad.code).toBe(1);
    failedRun = (JSON.parse(bad.stdout) as { dag_run_id: string; state: string }).dag_run_id;
    expect(JSON.parse(bad.stdout)).toMatchObject({ state: 'failed' });
    expect((await cli(['tasks', 'state', 'verbs_flaky', 'check', failedRun])).stdout).toBe('failed\n');
    expect((await cli(['tasks', 'state', 'verbs_flaky', 'report', failedRun])).stdout).toBe('upstream_failed\n');

    // A script without --yes is told to say so (exit 2); nothing is cleared.
    const noYes = await cli(['tasks', 'clear', 'verbs_flaky', '-t', '^check$', '--downstream']);
    expect([noYes.code, noYes.stderr.trim()]).toEqual([2, 'windsock: no terminal to confirm the clear: pass --yes to clear without asking, or --dry-run to list what would be cleared']);
    const dry = await cli(['tasks', 'clear', 'verbs_flaky', '-t', '^check$', '--downstream', '--only-failed', '--dry-run', '-o', 'json']);
    expect((JSON.parse(dry.stdout) as { task_instances: { task_id: string; state: string }[] }).task_instances.map((t) => [t.task_id, t.state])).toEqual([['check', 'failed'], ['report', 'upstream_failed']]);
    expect((await cli(['tasks', 'state', 'verbs_flaky', 'check', failedRun])).stdout).toBe('failed\n');

    // Answering no on the terminal clears nothing (exit 1). With -o json the preview is shown too (on stderr).
    const no = await tty('05-clear-no', ['tasks', 'clear', 'verbs_flaky', '-t', '^check$', '--downstream', '--only-failed', '-o', 'json'], { typed: { after: '[y/N]', text: 'n\r' } });
    expect(no.code).toBe(1);
    expect(no.screen).toMatch(new RegExp(`${reEscape(failedRun)} +\\| report +\\| -1 +\\| upstream_failed`));
    expect(no.output).toContain('cancelled: nothing was cleared');
    expect((await cli(['tasks', 'state', 'verbs_flaky', 'check', failedRun])).stdout).toBe('failed\n');

    await writeFile(flag, 'ok');
    const yes = await tty('06-clear', ['tasks', 'clear', 'verbs_flaky', '-t', '^check$', '--downstream', '--only-failed'], { typed: { after: '[y/N]', text: 'y\r' } });
    expect(yes.code, yes.output).toBe(0);
    expect(yes.screen).toMatch(/dag_run_id +\| task_id +\| map_index +\| state +\| try_number/);
    expect(yes.screen).toMatch(new RegExp(`${reEscape(failedRun)} +\\| check +\\| -1 +\\| failed`));
    expect(yes.screen).toMatch(new RegExp(`${reEscape(failedRun)} +\\| report +\\| -1 +\\| upstream_failed`));
    expect(yes.output).toContain('Clear 2 task instances of verbs_flaky? [y/N] y');
    expect(yes.output).toContain('Cleared 2 task instances of verbs_flaky');
    const again = await tty('07-run-wait-after-clear', ['runs', 'get', 'verbs_flaky', failedRun, '--wait']);
    expect(again.code, again.output).toBe(0);
    expect(again.output).toContain(`run ${failedRun} of verbs_flaky: success`);
    expect((await cli(['tasks', 'logs', 'verbs_flaky', failedRun, 'check', '-o', 'plain'])).stdout).toContain('flag found');
  });

  it('tasks mark sets a state (with a dry run first); tasks state reads it back', async () => {
    const dry = await cli(['tasks', 'mark', 'verbs_flaky', failedRun, 'check', '--state', 'failed', '--downstream', '--dry-run', '-o', 'json']);
    expect(dry.code, dry.stderr).toBe(0);
    expect((JSON.parse(dry.stdout) as { task_instances: { task_id: string }[] }).task_instances.map((t) => t.task_id).sort()).toEqual(['check', 'report']);
    expect((await cli(['tasks', 'state', 'verbs_flaky', 'report', failedRun])).stdout).toBe('success\n');
    const m = await cli(['tasks', 'mark', 'verbs_flaky', failedRun, 'report', '--state', 'failed']);
    expect(m.code, m.stderr).toBe(0);
    expect(m.stdout).toMatch(new RegExp(`${reEscape(failedRun)} +\\| report +\\| -1 +\\| failed`));
    const s = await cli(['tasks', 'state', 'verbs_flaky', 'report', failedRun, '-o', 'json']);
    expect(JSON.parse(s.stdout)).toMatchObject({ task_id: 'report', state: 'failed' });
    expect((await cli(['tasks', 'state', 'verbs_flaky', 'check', failedRun])).stdout).toBe('success\n');
    const bad = await cli(['tasks', 'mark', 'verbs_flaky', failedRun, 'report', '--state', 'running']);
    expect([bad.code, bad.stderr.trim()]).toEqual([2, 'windsock: --state must be one of success, failed, skipped (got "running")']);
    const missing = await cli(['tasks', 'state', 'verbs_flaky', 'nope', failedRun]);
    expect(missing.code).toBe(3);
  });

  it('runs list newest first, with state filters; pause and unpause by regex', async () => {
    const all = await cli(['dags', 'list-runs', 'verbs_flaky', '-o', 'json']);
    expect(all.code, all.stderr).toBe(0);
    expect((JSON.parse(all.stdout) as { dag_runs: { dag_run_id: string }[] }).dag_runs.map((r) => r.dag_run_id)).toEqual([failedRun]);
    await cli(['dags', 'trigger', 'verbs_conf', '-r', 'conf_2', '--conf', '{"who": "again"}', '--wait']);
    const runs = await cli(['runs', 'list', 'verbs_conf', '-o', 'plain']);
    expect(runs.stdout.trim().split('\n').map((l) => l.split('\t').slice(1, 3))).toEqual([['conf_2', 'success'], ['conf_1', 'success']]);
    const everyDag = await cli(['runs', 'list', '--state', 'failed', '-o', 'json']);
    expect((JSON.parse(everyDag.stdout) as { dag_runs: unknown[] }).dag_runs).toEqual([]);
    const limited = await cli(['dags', 'runs', 'verbs_conf', '--limit', '1']);
    expect(limited.stdout).toMatch(/conf_2/);
    expect(limited.stdout).not.toMatch(/conf_1/);
    expect(limited.stderr).toContain('(1 of 2 runs; see more with --limit)');
    // tasks state takes a run's logical date instead of its id, as Airflow's.
    const dated = await cli(['dags', 'trigger', 'verbs_conf', '-r', 'conf_3', '--conf', '{"who": "dated"}', '-l', '2024-06-01T00:00:00Z', '--wait']);
    expect(dated.code, dated.stderr).toBe(0);
    expect((await cli(['tasks', 'state', 'verbs_conf', 'greet', '2024-06-01T00:00:00+00:00'])).stdout).toBe('success\n');
    const noRun = await cli(['tasks', 'state', 'verbs_conf', 'greet', '2024-06-02']);
    expect([noRun.code, noRun.stderr.trim()]).toEqual([3, 'windsock: DAG verbs_conf has no run with id or logical date 2024-06-02']);
    const shot = await tty('08-runs-list', ['runs', 'list'], { columns: 100 });
    expect(shot.output).toMatch(ANSI);
    for (const line of shot.output.split(/\r?\n/)) expect(strip(line).length).toBeLessThanOrEqual(100);

    const p = await cli(['dags', 'pause', '^verbs_', '--treat-dag-id-as-regex', '--yes', '-o', 'json']);
    expect(p.code, p.stderr).toBe(0);
    expect((JSON.parse(p.stdout) as { dag_id: string; is_paused: boolean }[]).map((d) => [d.dag_id, d.is_paused])).toEqual([['verbs_conf', true], ['verbs_flaky', true]]);
    const ask = await cli(['dags', 'unpause', '^verbs_', '--treat-dag-id-as-regex']);
    expect(ask.code).toBe(2);
    expect(ask.stderr).toContain('pass --yes to go ahead without asking');
    const one = await tty('09-unpause-regex', ['dags', 'unpause', 'flaky$', '--treat-dag-id-as-regex'], { typed: { after: '[y/N]', text: 'y\r' } });
    expect(one.code, one.output).toBe(0);
    expect(one.output).toContain('You are about to unpause 1 DAG:');
    expect(one.screen).toMatch(/verbs_flaky +\| false/);
    const none = await cli(['dags', 'pause', '^nothing', '--treat-dag-id-as-regex', '-y']);
    expect([none.code, none.stderr.trim()]).toEqual([3, 'windsock: no DAG matches the regular expression "^nothing"']);
  });

  it('variables: set, get (-j), list, export, delete, import: the file round-trips', async () => {
    expect((await cli(['variables', 'set', 'greeting', 'hello world', '--description', 'said first'])).stdout).toBe('Variable greeting created\n');
    expect((await cli(['variables', 'set', 'settings', '{"retries": 3, "regions": ["eu", "us"]}', '-j'])).code).toBe(0);
    expect((await cli(['variables', 'set', 'greeting', 'hello again'])).stdout).toBe('Variable greeting updated\n');
    expect((await cli(['variables', 'get', 'greeting'])).stdout).toBe('hello again\n');
    expect(JSON.parse((await cli(['variables', 'get', 'settings', '-j'])).stdout)).toEqual({ retries: 3, regions: ['eu', 'us'] });
    const missing = await cli(['variables', 'get', 'nope']);
    expect([missing.code, missing.stderr.trim()]).toEqual([3, 'windsock: Variable nope does not exist (set it with windsock variables set nope VALUE)']);
    expect(await cli(['variables', 'get', 'nope', '-d', 'fallback'])).toMatchObject({ code: 0, stdout: 'fallback\n' });
    const list = await cli(['variables', 'list', '-o', 'yaml']);
    expect((parseYaml(list.stdout) as { variables: { key: string; description: string | null }[] }).variables.map((v) => [v.key, v.description])).toEqual([['greeting', 'said first'], ['settings', null]]);

    const file = join(work, 'vars.json');
    const ex = await cli(['variables', 'export', file]);
    expect(ex.stdout).toBe(`2 variables successfully exported to ${file}\n`);
    const exported = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    expect(exported).toEqual({ greeting: { value: 'hello again', description: 'said first' }, settings: { retries: 3, regions: ['eu', 'us'] } });
    for (const k of ['greeting', 'settings']) expect((await cli(['variables', 'delete', k])).stdout).toBe(`Variable ${k} deleted\n`);
    expect((await cli(['variables', 'delete', 'greeting'])).code).toBe(3);
    const im = await cli(['variables', 'import', file]);
    expect(im.stdout).toBe('2 of 2 variables successfully updated (2 created, 0 overwritten, 0 skipped)\n');
    await cli(['variables', 'export', join(work, 'vars2.json')]);
    expect(JSON.parse(await readFile(join(work, 'vars2.json'), 'utf8'))).toEqual(exported);
    // An existing key: skipped, or a failure (exit 1) naming it.
    await writeFile(join(work, 'more.json'), JSON.stringify({ greeting: 'changed', fresh: 1 }));
    expect((await cli(['variables', 'import', join(work, 'more.json'), '-a', 'skip'])).stdout).toContain('(1 created, 0 overwritten, 1 skipped)');
    expect((await cli(['variables', 'get', 'greeting'])).stdout).toBe('hello again\n');
    const fail = await cli(['variables', 'import', join(work, 'more.json'), '-a', 'fail']);
    expect(fail.code).toBe(1);
    expect(fail.stderr).toContain('greeting: Variable greeting already exists');
    // A long value is cut to the terminal's width.
    await cli(['variables', 'set', 'long', 'x'.repeat(300)]);
    const narrow = await tty('10-variables-list-narrow', ['variables', 'list'], { columns: 60 });
    const rows = narrow.output.split(/\r?\n/).map((l) => strip(l)).filter((l) => l.includes('|'));
    expect(rows.length).toBeGreaterThan(3);
    for (const l of rows) expect(l.length).toBeLessThanOrEqual(60);
    expect(narrow.output).toContain('…');
  });

  it('pools: set, get, list, export, import, delete', async () => {
    const s = await cli(['pools', 'set', 'gpu', '2', 'the GPUs', '-o', 'json']);
    expect(JSON.parse(s.stdout)).toMatchObject({ name: 'gpu', slots: 2, description: 'the GPUs', include_deferred: false });
    expect((await cli(['pools', 'set', 'gpu', '4', 'more GPUs'])).stdout).toMatch(/^gpu +\| 4 +\|/m);
    expect((await cli(['pools', 'get', 'gpu', '-o', 'plain'])).stdout.split('\t').slice(0, 2)).toEqual(['gpu', '4']);
    const file = join(work, 'pools.json');
    expect((await cli(['pools', 'export', file])).stdout).toBe(`Exported 2 pools to ${file}\n`);
    const exported = JSON.parse(await readFile(file, 'utf8')) as Record<string, { slots: number; description: string }>;
    expect(exported.gpu).toEqual({ slots: 4, description: 'more GPUs', include_deferred: false });
    expect(Object.keys(exported).sort()).toEqual(['default_pool', 'gpu']);
    expect((await cli(['pools', 'delete', 'gpu'])).stdout).toBe('Pool gpu deleted\n');
    await writeFile(file, JSON.stringify({ ...exported, cpu: { slots: 8, description: 'CPUs' } }));
    expect((await cli(['pools', 'import', file])).stdout).toBe('Uploaded 3 pools\n');
    const list = await cli(['pools', 'list', '-o', 'json']);
    expect((JSON.parse(list.stdout) as { pools: { name: string; slots: number }[] }).pools.map((p) => [p.name, p.slots])).toEqual([['cpu', 8], ['default_pool', exported.default_pool!.slots], ['gpu', 4]]);
    const def = await cli(['pools', 'delete', 'default_pool']);
    expect([def.code, def.stderr.trim()]).toEqual([1, 'windsock: the server refused the request: Default Pool can\'t be deleted']);
    expect((await cli(['pools', 'set', 'x', 'many', 'd'])).code).toBe(2);
  });

  it('connections: add (URI and fields), get, list, export (json, env), delete, import', async () => {
    const a = await cli(['connections', 'add', 'warehouse', '--conn-uri', 'postgresql://ana:s3cr%40t@db.internal:5432/analytics?sslmode=require', '--conn-description', 'the warehouse']);
    expect([a.code, a.stdout]).toEqual([0, 'Successfully added `conn_id`=warehouse : postgres://db.internal:5432\n']);
    expect((await cli(['connections', 'add', 'api', '--conn-type', 'http', '--conn-host', 'api.example.com', '--conn-port', '443', '--conn-extra', '{"timeout": "5"}'])).code).toBe(0);
    const dup = await cli(['connections', 'add', 'api', '--conn-type', 'http']);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toContain('already exists');
    // set replaces it whole; on a new id it adds.
    expect((await cli(['connections', 'set', 'api', '--conn-type', 'http', '--conn-host', 'old.example.com'])).stdout).toBe('Successfully replaced `conn_id`=api : http://old.example.com\n');
    expect(JSON.parse((await cli(['connections', 'get', 'api', '-o', 'json'])).stdout)).toMatchObject({ host: 'old.example.com', port: null, extra: null });
    expect((await cli(['connections', 'set', 'api', '--conn-type', 'http', '--conn-host', 'api.example.com', '--conn-port', '443', '--conn-extra', '{"timeout": "5"}'])).code).toBe(0);
    const g = await cli(['connections', 'get', 'warehouse', '-o', 'json']);
    expect(JSON.parse(g.stdout)).toMatchObject({ connection_id: 'warehouse', conn_type: 'postgres', host: 'db.internal', port: 5432, schema: 'analytics', login: 'ana', password: '***', extra: '{"sslmode":"require"}', description: 'the warehouse' });
    const table = await cli(['connections', 'get', 'warehouse']);
    expect(table.stdout).toMatch(/^password +\| \*\*\*$/m);
    expect((await cli(['connections', 'list', '-o', 'plain'])).stdout.split('\n').filter(Boolean).map((l) => l.split('\t')[0])).toEqual(['api', 'warehouse']);
    expect((await cli(['connections', 'list', '--conn-id', 'api', '-o', 'json'])).stdout).toMatch(/"total_entries": 1/);

    const json = join(work, 'conns.json');
    const ex = await cli(['connections', 'export', json]);
    expect(ex.stderr).toContain('warning: passwords are not exported (the server never returns them): warehouse');
    expect(JSON.parse(await readFile(json, 'utf8'))).toEqual({
      api: { conn_type: 'http', description: null, login: null, password: null, host: 'api.example.com', port: 443, schema: null, extra: '{"timeout":"5"}' },
      warehouse: { conn_type: 'postgres', description: 'the warehouse', login: 'ana', password: null, host: 'db.internal', port: 5432, schema: 'analytics', extra: '{"sslmode":"require"}' },
    });
    const envFile = join(work, 'conns.env');
    await cli(['connections', 'export', envFile]);
    expect(await readFile(envFile, 'utf8')).toBe('api=http://api.example.com:443/?timeout=5\nwarehouse=postgres://ana@db.internal:5432/analytics?sslmode=require\n');

    expect((await cli(['connections', 'delete', 'api'])).stdout).toBe('Successfully deleted connection with `conn_id`=api\n');
    expect((await cli(['connections', 'delete', 'api'])).code).toBe(3);
    await writeFile(envFile, 'api=http://api.example.com:8443/?timeout=9\nwarehouse=postgres://other@db2/x\n');
    const im = await cli(['connections', 'import', envFile]);
    expect(im.stdout).toBe('Imported connection api\n1 of 2 connections imported\n');
    expect(im.stderr).toContain('Could not import connection warehouse: connection already exists (pass --overwrite to replace it)');
    expect(JSON.parse((await cli(['connections', 'get', 'api', '-o', 'json'])).stdout)).toMatchObject({ port: 8443, extra: '{"timeout":"9"}' });
    expect(JSON.parse((await cli(['connections', 'get', 'warehouse', '-o', 'json'])).stdout)).toMatchObject({ host: 'db.internal' });
    await cli(['connections', 'import', envFile, '--overwrite']);
    expect(JSON.parse((await cli(['connections', 'get', 'warehouse', '-o', 'json'])).stdout)).toMatchObject({ host: 'db2', login: 'other', schema: 'x', password: null, description: null });
  });

  it('errors scripts rely on: a 403 names the role and the permission, a 401 says to log in again, a missing sandbox is 3', async () => {
    const saved = parseYaml(await readFile(join(work, 'cli.yaml'), 'utf8')) as { token: string };
    const made = await fetch(`${url}/api/v1/users`, {
      method: 'POST', headers: { authorization: `Bearer ${saved.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'viewer', password: 'viewer-password', roles: [{ name: 'Viewer' }] }),
    });
    expect(made.status).toBe(200);
    const tok = await fetch(`${url}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'viewer', password: 'viewer-password' }) });
    const viewer = { WINDSOCK_API_TOKEN: ((await tok.json()) as { access_token: string }).access_token };
    // A Viewer reads runs, and is refused variables (as Airflow's Viewer) and clearing, with the reason.
    expect((await cli(['runs', 'list', 'verbs_conf', '-o', 'plain'], viewer)).stdout).toContain('conf_2');
    const denied = await cli(['variables', 'get', 'greeting'], viewer);
    expect([denied.code, denied.stderr.trim()]).toEqual([4, 'windsock: permission denied: Role Viewer may not read variable']);
    const clear = await cli(['tasks', 'clear', 'verbs_flaky', '--yes'], viewer);
    expect([clear.code, clear.stderr.trim()]).toEqual([4, 'windsock: permission denied: Role Viewer may not edit task_instance']);
    const sb = await cli(['variables', 'list', '--sandbox', 'nobody-here']);
    expect(sb.code).toBe(3);

    expect((await cli(['logout'])).code).toBe(0);
    const out = await tty('11-logged-out', ['runs', 'list']);
    expect(out.code).toBe(4);
    expect(out.output).toContain('windsock: not logged in or the token expired: run windsock login');
  });
});
