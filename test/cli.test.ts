/** The `windsock` command as a user runs it: real processes, the example DAGs, JSON output. */
import { describe, expect, it } from 'vitest';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { dagFolder } from './support/instance.ts';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'apps/cli/bin/windsock.js');
const EXAMPLES = join(ROOT, 'examples/dags');

function windsock(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, cwd: ROOT, timeout: 100_000 }, (err, stdout, stderr) => {
      res({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

// Each command starts a process with an embedded database and a Python parser pool: seconds each, more on a
// busy machine.
describe('windsock CLI', { timeout: 120_000 }, () => {
  it('dags list --output json prints the DAGs with the REST API field names', async () => {
    const r = await windsock(['dags', 'list', '-S', EXAMPLES, '-o', 'json']);
    expect(r.code).toBe(0);
    const dags = JSON.parse(r.stdout) as { dag_id: string; fileloc: string; tags: { name: string }[] }[];
    expect(dags.map((d) => d.dag_id)).toContain('example_chain');
    expect(dags.find((d) => d.dag_id === 'example_k8s')?.tags).toContainEqual({ name: 'repo:sample_repo' });
  });

  it('dags test runs a run to completion, prints states as JSON and exits 1 when the run failed', async () => {
    const r = await windsock(['dags', 'test', 'example_trigger_rules', '2024-02-01', '-S', EXAMPLES, '-o', 'json']);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { dag_id: string; run_id: string; state: string; task_instances: { task_id: string; state: string; try_number: number; duration: number | null }[] };
    expect(out).toMatchObject({ dag_id: 'example_trigger_rules', run_id: 'manual__2024-02-01T00:00:00+00:00', state: 'failed' });
    const states = Object.fromEntries(out.task_instances.map((t) => [t.task_id, t.state]));
    expect(states).toEqual({ prepare: 'success', fails: 'failed', cleanup: 'success', alert: 'success', report: 'upstream_failed' });
    const ok = await windsock(['dags', 'test', 'example_chain', '-S', EXAMPLES]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/\[SUCCESS\] load/);
    expect(ok.stdout).toMatch(/DAG run manual__.* of example_chain: SUCCESS/);
  });

  it('tasks test runs one task, and tasks list prints Task objects', async () => {
    const t = await windsock(['tasks', 'test', 'example_chain', 'transform', '2024-05-06', '-S', EXAMPLES]);
    expect(t.code).toBe(0);
    expect(t.stdout).toContain('transforming 20240506');
    const l = await windsock(['tasks', 'list', 'example_trigger_rules', '-S', EXAMPLES, '-o', 'json']);
    const tasks = JSON.parse(l.stdout) as { task_id: string; trigger_rule: string; downstream_task_ids: string[]; operator_name: string }[];
    expect(tasks.find((x) => x.task_id === 'cleanup')).toMatchObject({ trigger_rule: 'all_done', operator_name: 'BashOperator' });
    expect(tasks.find((x) => x.task_id === 'fails')?.downstream_task_ids.sort()).toEqual(['alert', 'cleanup', 'report']);
  });

  it('a broken file is an import error with file and line, and never stops the other files', async () => {
    const folder = await dagFolder({
      'good.yaml': 'good:\n  schedule: null\n  default_args: {start_date: 2024-01-01}\n  tasks:\n    - task_id: a\n      operator: airflow.operators.bash.BashOperator\n      bash_command: echo a\n',
      'broken.yaml': 'broken:\n  tasks:\n    - task_id: a\n      operator: airflow.operators.bash.BashOperator\n      bash_command: [unclosed\n',
    });
    const e = await windsock(['dags', 'list-import-errors', '-S', folder, '-o', 'json']);
    expect(e.code).toBe(1);
    const errs = JSON.parse(e.stdout) as { filename: string; line: number | null; error: string }[];
    expect(errs).toHaveLength(1);
    expect(errs[0]!.filename).toBe('broken.yaml');
    expect(errs[0]!.line).toBeGreaterThan(0);
    const l = await windsock(['dags', 'list', '-S', folder, '-o', 'json']);
    expect((JSON.parse(l.stdout) as { dag_id: string }[]).map((d) => d.dag_id)).toEqual(['good']);
  });

  it('an unknown WINDSOCK__ setting is a configuration error, not ignored', async () => {
    const r = await windsock(['dags', 'list', '-S', EXAMPLES], { WINDSOCK__CORE__DAGS_FOLDR: '/x' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown setting [core] dags_foldr');
  });

  it('standalone starts on an embedded database, runs the examples and stops cleanly on SIGTERM', async () => {
    const home = await mkdtemp(join(tmpdir(), 'windsock-home-'));
    const child = spawn(process.execPath, [BIN, 'standalone', '--dags', EXAMPLES], { env: { ...process.env, WINDSOCK_HOME: home, WINDSOCK__LOGGING__LEVEL: 'warn' }, cwd: ROOT });
    let stdout = '';
    await new Promise<void>((res, rej) => {
      const t = setTimeout(() => rej(new Error(`standalone did not start: ${stdout}`)), 100_000);
      child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); if (stdout.includes('Press Ctrl+C')) { clearTimeout(t); res(); } });
      child.once('exit', (code) => { clearTimeout(t); rej(new Error(`standalone exited with ${code}: ${stdout}`)); });
    });
    expect(stdout).toMatch(/DAG folder: .*\(9 DAGs, 8 unpaused\)/);
    expect(stdout).toContain(`embedded PGlite in ${join(home, 'db')}`);
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const [code, signal] = await new Promise<[number | null, string | null]>((res) => { child.once('exit', (c, s) => res([c, s])); child.kill('SIGTERM'); });
    expect({ code, signal, stderr }).toEqual({ code: 0, signal: null, stderr: '' });
  }, 150_000);
});
