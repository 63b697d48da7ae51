/**
 * The `process` runtime: each sandbox's scheduler is a child process of the control plane (`windsock
 * sandbox-scheduler` with the sandbox's settings in its environment), its output in `<stateDir>/<name>.log`. The
 * child says `ready` over IPC once its DAGs are synced; an exit is reported with the log's last lines.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, closeSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '@windsock/config';
import type { HostState, SchedulerHost, SchedulerLaunch } from './host.ts';
import type { SandboxRow } from './types.ts';

interface Child { proc: ChildProcess; ready: boolean; exit: string | null; stopping: boolean; log: string }

export interface ProcessHostOptions {
  /** The command that runs a sandbox scheduler, e.g. `[process.execPath, '<cli>/bin/windsock.js', 'sandbox-scheduler']`. */
  command: string[];
  /** The control plane's own environment the child starts from (Windsock's own process: its settings pass). */
  baseEnv: Record<string, string | undefined>;
  stateDir: string;
  /** Seconds a stopping child has before SIGKILL. */
  stopGraceMs?: number;
  logger: Logger;
  /** A scheduler became ready or exited: the control plane looks now rather than at its next pass. */
  onChange?: () => void;
}

function tail(file: string, lines: number): string {
  try { return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n'); } catch { return ''; }
}

export class ProcessHost implements SchedulerHost {
  readonly kind = 'process' as const;
  readonly #o: ProcessHostOptions;
  readonly #children = new Map<string, Child>();

  constructor(o: ProcessHostOptions) { this.#o = o; mkdirSync(o.stateDir, { recursive: true }); }

  async ensure(sb: SandboxRow, launch: SchedulerLaunch): Promise<void> {
    const have = this.#children.get(sb.name);
    if (have && have.exit === null) return;
    const log = join(this.#o.stateDir, `${sb.name}.log`);
    const fd = openSync(log, 'w', 0o600);
    const [cmd, ...args] = this.#o.command;
    const proc = spawn(cmd!, args, { env: { ...this.#o.baseEnv, ...launch.env }, stdio: ['ignore', fd, fd, 'ipc'] });
    closeSync(fd);
    const child: Child = { proc, ready: false, exit: null, stopping: false, log };
    this.#children.set(sb.name, child);
    proc.on('message', (m: unknown) => { if ((m as { type?: string }).type === 'ready') { child.ready = true; this.#o.onChange?.(); } });
    proc.on('exit', (code, signal) => {
      const last = tail(log, 5);
      child.exit = `the sandbox scheduler exited (${signal ?? `code ${code}`})${last ? `: ${last}` : ''}`;
      if (!child.stopping) { this.#o.logger.warn({ sandbox: sb.name, code, signal }, 'sandbox scheduler exited'); this.#o.onChange?.(); }
    });
    proc.on('error', (err) => { child.exit = `the sandbox scheduler could not start: ${err.message}`; });
    this.#o.logger.info({ sandbox: sb.name, pid: proc.pid, log }, 'sandbox scheduler started');
  }

  async state(sb: SandboxRow): Promise<HostState> {
    const c = this.#children.get(sb.name);
    if (!c) return { state: 'absent' };
    if (c.exit !== null) return c.stopping ? { state: 'absent' } : { state: 'failed', reason: c.exit };
    return { state: c.ready ? 'running' : 'starting' };
  }

  async stop(sb: SandboxRow): Promise<void> {
    const c = this.#children.get(sb.name);
    if (!c) return;
    c.stopping = true;
    if (c.exit === null) {
      const gone = new Promise<void>((resolve) => c.proc.once('exit', () => resolve()));
      c.proc.kill('SIGTERM');
      const timer = setTimeout(() => c.proc.kill('SIGKILL'), this.#o.stopGraceMs ?? 15_000);
      await gone;
      clearTimeout(timer);
    }
    this.#children.delete(sb.name);
  }

  async close(): Promise<void> {
    await Promise.all([...this.#children.keys()].map((name) => this.stop({ name } as SandboxRow)));
  }
}
