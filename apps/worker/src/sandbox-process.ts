/**
 * A child process that evaluates untrusted input with nothing worth stealing: started with an empty environment,
 * under Node's permission model (reads only of the folders it is given; no writes, child processes, workers,
 * addons or WASI), with code generation from strings disabled. The parent sends it one request at a time over
 * the IPC channel and waits for its reply; the child is started on the first request (or `start()`), killed when
 * a request outlives its time limit or after `idleReleaseMs` without requests, and started again when needed.
 *
 * The child is any module that answers this protocol (see template-child.ts): it sends `{type: 'ready'}` when it
 * has booted (or `{type: 'failed', message}`), then one `{type: 'reply', id, body}` per `{id, body}` it receives.
 * Bodies are strings, so the protocol is the same whatever the child evaluates.
 */
import { fork, type ChildProcess } from 'node:child_process';

export interface SandboxProcessOptions {
  /** Absolute path of the child's module. */
  entry: string;
  args?: string[];
  /** Files and folders the child may read (its own module must be among them). */
  readPaths: string[];
  /** A request still running after this is failed, and its child killed. */
  requestTimeoutMs: number;
  /** The child's start-up may take this long. */
  bootTimeoutMs: number;
  /** An idle child is killed after this, so an idle worker holds no interpreter (0 = never). */
  idleReleaseMs: number;
}

export type SandboxProcessErrorCode = 'BOOT_FAILED' | 'TIMEOUT' | 'CRASHED' | 'CLOSED';

export class SandboxProcessError extends Error {
  readonly code: SandboxProcessErrorCode;
  constructor(code: SandboxProcessErrorCode, message: string) {
    super(message);
    this.name = 'SandboxProcessError';
    this.code = code;
  }
}

type ChildMessage = { type: 'ready'; bootMs: number; phases?: Record<string, number> } | { type: 'failed'; message: string } | { type: 'reply'; id: number; body: string };

interface Job { body: string; resolve: (body: string) => void; reject: (err: Error) => void }

interface Running {
  child: ChildProcess;
  ready: Promise<void>;
  stderr: string;
  /** A request has been taken from the queue and not yet answered (it may wait for the boot). */
  busy: boolean;
  /** The request sent to the child, with its id. */
  current: { id: number; job: Job; timer: NodeJS.Timeout } | null;
}

export class SandboxProcess {
  readonly #opts: SandboxProcessOptions;
  #running: Running | null = null;
  readonly #queue: Job[] = [];
  #nextId = 1;
  #idleTimer: NodeJS.Timeout | null = null;
  #closed = false;
  /** Figures for logs and benchmarks. */
  readonly stats: { boots: number; lastBootMs: number; lastBootPhases: Record<string, number>; requests: number } = { boots: 0, lastBootMs: 0, lastBootPhases: {}, requests: 0 };

  constructor(opts: SandboxProcessOptions) {
    this.#opts = opts;
  }

  get running(): boolean { return this.#running !== null; }

  /** Starts the child now (optional: request() starts it) and waits until it is ready. */
  start(): Promise<void> {
    if (this.#closed) return Promise.reject(new SandboxProcessError('CLOSED', 'the sandbox process was closed'));
    return (this.#running ??= this.#spawn()).ready;
  }

  /** Sends one request; requests are answered one at a time, in order. */
  request(body: string): Promise<string> {
    if (this.#closed) return Promise.reject(new SandboxProcessError('CLOSED', 'the sandbox process was closed'));
    return new Promise<string>((resolve, reject) => {
      this.#queue.push({ body, resolve, reject });
      this.#pump();
    });
  }

  /** Kills the child (the next request starts another). Requests waiting in line stay queued. */
  kill(): void {
    const r = this.#running;
    if (!r) return;
    this.#running = null;
    if (r.current) {
      clearTimeout(r.current.timer);
      r.current.job.reject(new SandboxProcessError('CRASHED', 'the sandbox process was stopped'));
    }
    r.child.kill('SIGKILL');
    this.#clearIdle();
  }

  /** Kills the child and refuses further requests. */
  close(): void {
    this.#closed = true;
    for (const job of this.#queue.splice(0)) job.reject(new SandboxProcessError('CLOSED', 'the sandbox process was closed'));
    this.kill();
  }

  #spawn(): Running {
    const o = this.#opts;
    const started = performance.now();
    const child = fork(o.entry, o.args ?? [], {
      env: {},
      execArgv: ['--permission', ...o.readPaths.map((p) => `--allow-fs-read=${p}`), '--disallow-code-generation-from-strings'],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'json',
    });
    this.stats.boots++;
    const running: Running = { child, ready: Promise.resolve(), stderr: '', busy: false, current: null };
    child.stderr?.on('data', (chunk: Buffer) => { running.stderr = (running.stderr + chunk.toString()).slice(-2000); });
    running.ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => fail(new SandboxProcessError('BOOT_FAILED', `the sandbox process did not start within ${o.bootTimeoutMs} ms`)), o.bootTimeoutMs);
      const fail = (err: Error) => {
        clearTimeout(timer);
        if (this.#running === running) this.kill();
        reject(err);
      };
      child.on('message', (m: ChildMessage) => {
        if (m.type === 'ready') {
          clearTimeout(timer);
          this.stats.lastBootMs = performance.now() - started;
          this.stats.lastBootPhases = m.phases ?? {};
          resolve();
        } else if (m.type === 'failed') {
          fail(new SandboxProcessError('BOOT_FAILED', `the sandbox process could not start: ${m.message}`));
        } else if (m.type === 'reply' && running.current?.id === m.id) {
          const { job, timer: t } = running.current;
          clearTimeout(t);
          running.current = null;
          running.busy = false;
          job.resolve(m.body);
          this.#pump();
        }
      });
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        if (this.#running !== running) return;
        this.#running = null;
        const why = `the sandbox process exited (${signal ?? `code ${code}`})${running.stderr ? `: ${lastLine(running.stderr)}` : ''}`;
        reject(new SandboxProcessError('BOOT_FAILED', why));
        if (running.current) {
          clearTimeout(running.current.timer);
          running.current.job.reject(new SandboxProcessError('CRASHED', why));
        }
        this.#pump();
      });
      child.on('error', (err) => fail(new SandboxProcessError('BOOT_FAILED', `the sandbox process could not start: ${err.message}`)));
    });
    running.ready.catch(() => {}); // the caller of request()/start() sees it
    // The child must not keep its parent alive; #pump refs the channel while a request is in flight.
    child.unref();
    child.channel?.unref();
    return running;
  }

  #pump(): void {
    if (this.#running?.busy) return;
    if (this.#queue.length === 0) {
      this.#armIdle();
      return;
    }
    this.#clearIdle();
    const running = (this.#running ??= this.#spawn());
    const job = this.#queue.shift()!;
    running.busy = true;
    running.child.channel?.ref();
    running.ready.then(() => {
      if (this.#running !== running) { this.#queue.unshift(job); this.#pump(); return; }
      const id = this.#nextId++;
      const timer = setTimeout(() => {
        if (running.current?.id !== id) return;
        running.current = null;
        running.busy = false;
        job.reject(new SandboxProcessError('TIMEOUT', `the sandbox process did not answer within ${this.#opts.requestTimeoutMs} ms and was stopped`));
        if (this.#running === running) this.kill();
        this.#pump();
      }, this.#opts.requestTimeoutMs);
      running.current = { id, job, timer };
      this.stats.requests++;
      running.child.send({ id, body: job.body });
    }, (err: unknown) => {
      running.busy = false;
      job.reject(err as Error);
      this.#pump();
    });
  }

  #armIdle(): void {
    this.#running?.child.channel?.unref();
    if (!this.#running || this.#opts.idleReleaseMs <= 0 || this.#idleTimer) return;
    this.#idleTimer = setTimeout(() => { this.#idleTimer = null; this.kill(); }, this.#opts.idleReleaseMs);
    this.#idleTimer.unref();
  }

  #clearIdle(): void {
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#idleTimer = null;
  }
}

function lastLine(text: string): string {
  return text.trim().split('\n').filter(Boolean).slice(-3).join(' | ');
}
