/**
 * The local executor: each try is a process in its own process group, so cancelling or timing out kills the
 * whole tree (a bash script's children too). Output lines go to the log sink as they come. A small `sh` watchdog
 * leads each group: when the worker dies (even by kill -9), it stops the task — SIGTERM, then SIGKILL after the
 * grace period — so a task never runs on, unseen, while the scheduler retries it elsewhere.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { chown, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionHandle, ExecutionResult, Executor, LogSink, TaskLaunch } from '../types.ts';
import { ExecutorError } from '../types.ts';
import { localCommandFor, type LocalCommand } from './command.ts';
import { LineSplitter } from './line-splitter.ts';
import { PYTHON_RUNNER_PATH } from '../python/spec.ts';
import { DEFAULT_TASK_ENV_ALLOWLIST, taskEnv } from './task-env.ts';
import { resolveOsUser, type OsUser } from './os-user.ts';

export interface LocalExecutorOptions {
  /** Time between SIGTERM and SIGKILL when stopping a task. */
  killGraceMs?: number;
  /** The worker's environment, of which tasks inherit only the allow-listed part (defaults to this process's). */
  baseEnv?: Record<string, string | undefined>;
  /** Names (or `PREFIX*`) of `baseEnv` a task inherits ([worker] task_env_allowlist); Windsock's own never pass. */
  taskEnvAllowlist?: readonly string[];
  /** OS user (name or uid) tasks run as ([core] default_impersonation); needs Windsock to run as root. */
  runAsUser?: string;
  /** Where user names are looked up (tests). */
  passwdFile?: string;
  /** Interpreter for Python callables (default python3 on PATH). */
  pythonBin?: string;
  /** Folders put on Python tasks' sys.path: the DAG folder (for its helper modules) and the `airflow` shim. */
  pythonPath?: string[];
}

/**
 * Runs "$@" (after the grace period in seconds) in the background and waits for it, exiting with its code. A
 * second background job blocks reading fd 3, a socket whose other end only the worker holds: it reads end-of-file
 * when the worker is gone, and then stops the whole process group (itself included; it ignores the SIGTERM it sends).
 * It holds neither stdout nor stderr, so the task's output closing still marks the task's end. The leading shell
 * catches SIGTERM (a caught signal, unlike an ignored one, is not passed on to the task) and waits on until the task
 * has ended, so the task is always reaped by its own parent and never left a zombie for init to collect.
 */
const WATCHDOG = `grace=$1; shift
trap : TERM
"$@" 3<&- &
task=$!
(trap '' TERM; read -r _ <&3; kill -TERM 0; sleep "$grace"; kill -KILL 0) >/dev/null 2>&1 &
watch=$!
exec 3<&-
while :; do wait "$task"; code=$?; kill -0 "$task" 2>/dev/null || break; done
kill -KILL "$watch" 2>/dev/null
exit "$code"`;

/** What a try runs: its working folder, command, user and environment. */
interface Prepared { dir: string; command: LocalCommand; runAs: OsUser | null; env: Record<string, string>; xcomPath: string }

const nothingToRun = (): ExecutionHandle => ({ result: Promise.resolve({ outcome: 'success', exitCode: null, reason: null }), cancel: async () => {}, externalId: null });

export class LocalExecutor implements Executor {
  readonly name = 'local';
  private readonly killGraceMs: number;
  private readonly baseEnv: Record<string, string | undefined>;
  private readonly running = new Set<ExecutionHandle>();
  private readonly pythonBin: string;
  private readonly pythonPath: string[];
  private readonly allow: readonly string[];
  private readonly runAs: OsUser | null;
  private readonly passwd: string;

  constructor(opts: LocalExecutorOptions = {}) {
    this.killGraceMs = opts.killGraceMs ?? 5_000;
    this.baseEnv = opts.baseEnv ?? process.env;
    this.allow = opts.taskEnvAllowlist ?? DEFAULT_TASK_ENV_ALLOWLIST;
    this.runAs = opts.runAsUser ? resolveOsUser(opts.runAsUser) : null;
    this.passwd = opts.passwdFile ?? '/etc/passwd';
    this.pythonBin = opts.pythonBin ?? 'python3';
    this.pythonPath = opts.pythonPath ?? [];
  }

  /**
   * The user a try runs as: its task's run_as_user, else [core] default_impersonation, else Windsock's own. With
   * impersonation configured, a task may not name root: the operator chose to keep tasks unprivileged.
   */
  private userFor(launch: TaskLaunch): OsUser | null {
    const own = launch.task.run_as_user;
    if (own === undefined) return this.runAs;
    const user = resolveOsUser(own, this.passwd, process.getuid?.(), `task ${launch.task.task_id}: run_as_user=${own}`);
    if (user.uid === 0 && this.runAs !== null && this.runAs.uid !== 0) {
      throw new ExecutorError('LAUNCH_FAILED', `task ${launch.task.task_id}: run_as_user=${own} is root, and [core] default_impersonation (${this.runAs.name}) keeps tasks unprivileged`);
    }
    return user;
  }

  /**
   * The try's working folder (its files written, owned by the user it runs as), command and environment; null when
   * there is nothing to run. The folder is removed again when this throws.
   */
  private async prepare(launch: TaskLaunch, log: LogSink): Promise<Prepared | null> {
    const dir = await mkdtemp(join(tmpdir(), 'windsock-task-'));
    const gone = () => rm(dir, { recursive: true, force: true });
    let command;
    try {
      command = localCommandFor(launch, { dir, pythonBin: this.pythonBin, runnerPath: PYTHON_RUNNER_PATH, pythonPath: this.pythonPath });
    } catch (err) {
      await gone();
      throw err;
    }
    if (command === null) {
      await gone();
      return null;
    }
    for (const n of command.notes) log.write(n);
    for (const [name, content] of Object.entries(command.files ?? {})) await writeFile(join(dir, name), content);
    const xcomPath = join(dir, 'return.json');
    let runAs: OsUser | null;
    try {
      runAs = this.userFor(launch);
    } catch (err) {
      await gone();
      throw err;
    }
    if (runAs) for (const p of [dir, ...Object.keys(command.files ?? {}).map((n) => join(dir, n))]) await chown(p, runAs.uid, runAs.gid);
    const env = taskEnv({
      base: this.baseEnv, allow: this.allow, inherit: command.inheritEnv, operatorEnv: command.env,
      identity: runAs ? { USER: runAs.name, LOGNAME: runAs.name, HOME: runAs.home } : undefined,
      windsockEnv: { ...launch.env, WINDSOCK_XCOM_PATH: xcomPath },
    });
    return { dir, command, runAs, env, xcomPath };
  }

  async start(launch: TaskLaunch, log: LogSink): Promise<ExecutionHandle> {
    // EmptyOperator runs nothing: no working folder to make and remove.
    if (launch.task.kind === 'empty') return nothingToRun();
    const prepared = await this.prepare(launch, log);
    if (prepared === null) return nothingToRun();
    const { dir, command, runAs, env, xcomPath } = prepared;
    if (runAs) log.write(`Running as user ${runAs.name} (uid ${runAs.uid})`);
    const child = spawn('/bin/sh', ['-c', WATCHDOG, 'windsock-task', String(Math.ceil(this.killGraceMs / 1000)), command.file, ...command.args],
      { cwd: command.cwd ?? dir, env, detached: true, stdio: ['ignore', 'pipe', 'pipe', 'pipe'], ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}) });
    let lastLine: string | undefined;
    const out = new LineSplitter((l) => { log.write(l); if (l.trim() !== '') lastLine = l; });
    const err = new LineSplitter((l) => log.write(l));
    child.stdout!.on('data', (c: Buffer) => out.push(c));
    child.stderr!.on('data', (c: Buffer) => err.push(c));

    let stopReason: string | null = null;
    let killTimer: NodeJS.Timeout | undefined;
    const stop = (reason: string): void => {
      if (stopReason !== null || child.exitCode !== null || child.signalCode !== null) return;
      stopReason = reason;
      signalGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => signalGroup(child.pid, 'SIGKILL'), this.killGraceMs);
      killTimer.unref();
    };
    const timeout = launch.timeoutMs !== null ? setTimeout(() => {
      log.write(`Task exceeded its execution_timeout of ${launch.timeoutMs! / 1000} s; stopping it.`);
      stop('timeout');
    }, launch.timeoutMs) : undefined;

    const result = new Promise<ExecutionResult>((resolve) => {
      const notFound = `could not start ${command.file}: it was not found on PATH${launch.task.kind === 'python' ? ' (Python tasks need a Python interpreter on this machine)' : ''}`;
      child.once('error', (e) => {
        const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
        log.write(missing ? `could not start /bin/sh: it was not found` : `could not start ${command.file}: ${e.message}`);
        finish(resolve, { outcome: 'failed', exitCode: null, reason: 'launch_failed' });
      });
      // The end: the leader has exited and its stdout and stderr are closed, so every line of output has been read.
      // (Not 'close', which also waits for the watchdog's fd 3: the watchdog outlives a leader stopped by a signal.)
      let exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
      let open = 2;
      const ended = (): void => { if (exited !== null && open === 0) onEnd(exited.code, exited.signal); };
      child.stdout!.once('close', () => { open--; ended(); });
      child.stderr!.once('close', () => { open--; ended(); });
      child.once('exit', (code, signal) => { exited = { code, signal }; ended(); });
      const onEnd = (code: number | null, signal: NodeJS.Signals | null): void => {
        out.end();
        err.end();
        // Closing our end of fd 3 tells the watchdog, if it still runs, to stop what is left of the group.
        (child.stdio[3] as { destroy?: () => void } | null)?.destroy?.();
        // The leader is gone; make sure nothing it started outlives it when we stopped it.
        if (stopReason !== null) signalGroup(child.pid, 'SIGKILL');
        void readXCom(xcomPath, log).then((xcom) => {
          const pushed = xcom === undefined && command.pushLastLine ? lastLine : xcom;
          finish(resolve, outcomeOf({ stopReason, code, signal, xcom: pushed, missing: code === 127 && missingCommand(command.file, env.PATH) }, log, notFound));
        });
      };
    });
    const finish = (resolve: (r: ExecutionResult) => void, r: ExecutionResult): void => {
      clearTimeout(timeout);
      clearTimeout(killTimer);
      this.running.delete(handle);
      void rm(dir, { recursive: true, force: true });
      resolve(r);
    };
    const handle: ExecutionHandle = {
      result,
      externalId: child.pid !== undefined ? `pid:${child.pid}` : null,
      cancel: async (reason: string) => {
        stop(`cancelled: ${reason}`);
        await result;
      },
    };
    this.running.add(handle);
    if (child.pid === undefined) await result;
    return handle;
  }

  async close(): Promise<void> {
    await Promise.all([...this.running].map((h) => h.cancel('executor shutting down')));
  }
}

/** The return value a task wrote to WINDSOCK_XCOM_PATH, if any. */
async function readXCom(path: string, log: LogSink): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') log.write(`ignoring ${'WINDSOCK_XCOM_PATH'}: not valid JSON (${(e as Error).message})`);
    return undefined;
  }
}

/**
 * How a try's process ended, as a result: stopped (cancelled, timed out), its command missing, success with its
 * return value, or failed with its exit code or signal; the line saying so goes to `log`.
 */
function outcomeOf(e: { stopReason: string | null; code: number | null; signal: NodeJS.Signals | null; xcom: unknown; missing: boolean }, log: LogSink, notFound: string): ExecutionResult {
  if (e.stopReason !== null) return { outcome: 'failed', exitCode: e.code, reason: e.stopReason };
  if (e.missing) {
    log.write(notFound);
    return { outcome: 'failed', exitCode: null, reason: 'launch_failed' };
  }
  if (e.code === 0) return { outcome: 'success', exitCode: 0, reason: null, ...(e.xcom !== undefined ? { xcom: e.xcom } : {}) };
  if (e.signal) log.write(`Process was killed by ${e.signal}`);
  else log.write(`Command exited with return code ${e.code}`);
  return { outcome: 'failed', exitCode: e.code, reason: e.signal ?? null };
}

/** Whether `file` cannot be run: the watchdog's shell exits 127 for it, as for a command the task itself misses. */
function missingCommand(file: string, path: string | undefined): boolean {
  const candidates = file.includes('/') ? [file] : (path ?? '').split(':').filter(Boolean).map((d) => join(d, file));
  return !candidates.some((c) => { try { accessSync(c, constants.X_OK); return true; } catch { return false; } });
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

export { ExecutorError };
