/**
 * The local executor: each try is a process in its own process group, so cancelling or timing out kills the
 * whole tree (a bash script's children too). Output lines go to the log sink as they come.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionHandle, ExecutionResult, Executor, LogSink, TaskLaunch } from '../types.ts';
import { ExecutorError } from '../types.ts';
import { localCommandFor } from './command.ts';
import { LineSplitter } from './line-splitter.ts';
import { PYTHON_RUNNER_PATH } from '../python/spec.ts';

export interface LocalExecutorOptions {
  /** Time between SIGTERM and SIGKILL when stopping a task. */
  killGraceMs?: number;
  /** Base environment for tasks (defaults to this process's). */
  baseEnv?: Record<string, string | undefined>;
  /** Interpreter for Python callables (default python3 on PATH). */
  pythonBin?: string;
  /** Folders put on Python tasks' sys.path: the DAG folder (for its helper modules) and the `airflow` shim. */
  pythonPath?: string[];
}



export class LocalExecutor implements Executor {
  readonly name = 'local';
  private readonly killGraceMs: number;
  private readonly baseEnv: Record<string, string | undefined>;
  private readonly running = new Set<ExecutionHandle>();
  private readonly pythonBin: string;
  private readonly pythonPath: string[];

  constructor(opts: LocalExecutorOptions = {}) {
    this.killGraceMs = opts.killGraceMs ?? 5_000;
    this.baseEnv = opts.baseEnv ?? process.env;
    this.pythonBin = opts.pythonBin ?? 'python3';
    this.pythonPath = opts.pythonPath ?? [];
  }

  async start(launch: TaskLaunch, log: LogSink): Promise<ExecutionHandle> {
    // EmptyOperator runs nothing: no working folder to make and remove.
    if (launch.task.kind === 'empty') return { result: Promise.resolve({ outcome: 'success', exitCode: null, reason: null }), cancel: async () => {}, externalId: null };
    const dir = await mkdtemp(join(tmpdir(), 'windsock-task-'));
    let command;
    try {
      command = localCommandFor(launch, { dir, pythonBin: this.pythonBin, runnerPath: PYTHON_RUNNER_PATH, pythonPath: this.pythonPath });
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
    if (command === null) {
      await rm(dir, { recursive: true, force: true });
      return { result: Promise.resolve({ outcome: 'success', exitCode: null, reason: null }), cancel: async () => {}, externalId: null };
    }
    for (const n of command.notes) log.write(n);
    for (const [name, content] of Object.entries(command.files ?? {})) await writeFile(join(dir, name), content);
    const xcomPath = join(dir, 'return.json');
    const env: Record<string, string | undefined> = {
      ...(command.inheritEnv ? this.baseEnv : { PATH: this.baseEnv.PATH }),
      ...command.env,
      ...launch.env,
      WINDSOCK_XCOM_PATH: xcomPath,
    };
    const child = spawn(command.file, command.args, { cwd: command.cwd ?? dir, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let lastLine: string | undefined;
    const out = new LineSplitter((l) => { log.write(l); if (l.trim() !== '') lastLine = l; });
    const err = new LineSplitter((l) => log.write(l));
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));

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
      child.once('error', (e) => {
        const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
        log.write(missing ? `could not start ${command.file}: it was not found on PATH${launch.task.kind === 'python' ? ' (Python tasks need a Python interpreter on this machine)' : ''}` : `could not start ${command.file}: ${e.message}`);
        finish(resolve, { outcome: 'failed', exitCode: null, reason: 'launch_failed' });
      });
      // 'close' (not 'exit') so every line of output has been read.
      child.once('close', (code, signal) => {
        out.end();
        err.end();
        // The leader is gone; make sure nothing it started outlives it when we stopped it.
        if (stopReason !== null) signalGroup(child.pid, 'SIGKILL');
        void (async () => {
          let xcom: unknown;
          try {
            xcom = JSON.parse(await readFile(xcomPath, 'utf8'));
          } catch (e) {
            if ((e as NodeJS.ErrnoException).code !== 'ENOENT') log.write(`ignoring ${'WINDSOCK_XCOM_PATH'}: not valid JSON (${(e as Error).message})`);
          }
          if (stopReason !== null) {
            finish(resolve, { outcome: 'failed', exitCode: code, reason: stopReason });
          } else if (code === 0) {
            if (xcom === undefined && command.pushLastLine && lastLine !== undefined) xcom = lastLine;
            finish(resolve, { outcome: 'success', exitCode: 0, reason: null, ...(xcom !== undefined ? { xcom } : {}) });
          } else {
            if (signal) log.write(`Process was killed by ${signal}`);
            else log.write(`Command exited with return code ${code}`);
            finish(resolve, { outcome: 'failed', exitCode: code, reason: signal ?? null });
          }
        })();
      });
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

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

export { ExecutorError };
