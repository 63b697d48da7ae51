/**
 * One writer per embedded store, as a user meets it: a standalone runs (a real process, a temp WINDSOCK_HOME, a
 * free port); `windsock users create` in another process creates the user through that instance (the server
 * sees it at once: the user signs in), `windsock db migrate` is refused with a message saying what to do, and the
 * store is intact: the standalone keeps working, and after a restart the user is still there.
 */
import { describe, expect, it } from 'vitest';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { dagFolder } from './support/instance.ts';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'apps/cli/bin/windsock.js');
const YAML_DAG = 'lock_dag:\n  schedule: null\n  default_args: {start_date: 2024-01-01}\n  tasks:\n    - task_id: a\n      operator: airflow.operators.bash.BashOperator\n      bash_command: echo a\n';

function windsock(args: string[], home: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, WINDSOCK_HOME: home }, cwd: ROOT, timeout: 150_000 }, (err, stdout, stderr) => {
      res({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

/** Starts `windsock standalone` on port 0 and resolves with the process and its URL once it serves. */
async function standalone(home: string, dags: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [BIN, 'standalone', '--dags', dags, '--port', '0'], {
    env: { ...process.env, WINDSOCK_HOME: home, WINDSOCK__LOGGING__LEVEL: 'warn' }, cwd: ROOT,
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (b: Buffer) => { err += b.toString(); });
  const url = await new Promise<string>((res, rej) => {
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /webserver: +(http:\/\/\S+)/.exec(out);
      if (m && out.includes('Press Ctrl+C')) res(m[1]!);
    });
    child.on('exit', (code) => rej(new Error(`standalone exited (${code}): ${out}${err}`)));
  });
  return { child, url };
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  child.kill('SIGTERM');
  await exited;
}

async function signIn(url: string, username: string, password: string): Promise<number> {
  const r = await fetch(`${url}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  return r.status;
}

describe('one writer per embedded store', { timeout: 600_000 }, () => {
  it('a second process goes through the running standalone or is refused, and the store stays intact', async () => {
    const home = join(await mkdtemp(join(tmpdir(), 'windsock-lock-home-')), 'home');
    const dags = await dagFolder({ 'lock.yaml': YAML_DAG });
    let { child, url } = await standalone(home, dags);
    try {
      expect(existsSync(join(home, 'db.lock'))).toBe(true);
      // A second standalone on the same store stops at once with a clear message.
      const second = await windsock(['standalone', '--dags', dags, '--port', '0'], home);
      expect(second.code).toBe(1);
      expect(second.stderr).toContain(`is in use by windsock standalone (pid ${child.pid}, serving ${url}`);
      expect(second.stderr).toContain('stop it first');

      const made = await windsock(['users', 'create', '-u', 'alice', '-p', 's3cret', '-r', 'User'], home);
      expect(made.code, made.stderr).toBe(0);
      expect(made.stdout).toContain(`User "alice" created with role User (through the running instance at ${url})`);
      expect(await signIn(url, 'alice', 's3cret')).toBe(201); // the server sees the user at once
      const again = await windsock(['users', 'create', '-u', 'alice', '-p', 'x', '-r', 'User'], home);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain('user "alice" already exists');
      const bad = await windsock(['users', 'create', '-u', 'bob', '-p', 'x', '-r', 'Wizard'], home);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain('"Wizard" is not a role');

      const migrate = await windsock(['db', 'migrate'], home);
      expect(migrate.code).toBe(1);
      expect(migrate.stderr).toMatch(/the embedded store .*db is in use by windsock standalone \(pid \d+, serving http/);
      // The standalone keeps working.
      expect(await signIn(url, 'alice', 's3cret')).toBe(201);
      expect((await fetch(`${url}/api/v2/monitor/health`)).status).toBe(200);

      await stop(child);
      expect(existsSync(join(home, 'db.lock'))).toBe(false);
      ({ child, url } = await standalone(home, dags));
      expect(await signIn(url, 'alice', 's3cret')).toBe(201); // kept in the store across the restart
    } finally {
      if (child.exitCode === null) await stop(child);
    }
    // No instance runs now: the CLI writes the store itself.
    const direct = await windsock(['users', 'create', '-u', 'carol', '-p', 'pw', '-r', 'Viewer'], home);
    expect(direct.code, direct.stderr).toBe(0);
    expect(direct.stdout).toContain('User "carol" created with role Viewer\n');
  });
});
