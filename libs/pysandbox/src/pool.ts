/**
 * SandboxPool: PySandbox child processes on demand, for many callers.
 *
 *  - Starts ONE process (start(), or the first call) and grows, up to `size`, only while calls wait.
 *  - A process idle for `idleReleaseMs` is stopped: an idle pool holds no interpreter.
 *  - Each call has `timeoutMs` (Python is interrupted where it stands, the process stays) and
 *    `graceMs` more before its process is killed; the next waiting call gets a fresh process.
 *  - A process whose memory is above its ceiling after a call leaves (the sandbox's child does this
 *    itself), so the memory a call took returns to the system.
 *  - Fairness: a call whose `key` timed out last time is "slow": it waits in a lane of its own and
 *    may hold at most size - 1 processes, so calls of other keys always find one (with size 1 it
 *    runs only when no other call waits).
 */
import { PySandboxError } from './errors.ts';
import { PySandbox, type CallOutcome, type PySandboxOptions } from './sandbox.ts';

export interface SandboxPoolOptions {
  sandbox: PySandboxOptions;
  /** Most processes at once. */
  size: number;
  timeoutMs: number;
  graceMs: number;
  /** Stop a process idle this long; 0 keeps them. */
  idleReleaseMs: number;
  /** Told when a process starts, leaves or is replaced (for logs and tests). */
  onEvent?: (event: PoolEvent) => void;
}

export type PoolEvent =
  | { type: 'started'; pid: number | undefined; bootMs: number; netIsolated: boolean; fromSnapshot: boolean; phases: Record<string, number> }
  | { type: 'stopped'; pid: number | undefined; reason: 'idle' | 'timeout' | 'memory' | 'crashed' | 'closed' };

interface Job {
  fn: string;
  args: unknown[];
  key: string | null;
  slow: boolean;
  resolve: (o: CallOutcome) => void;
  reject: (e: Error) => void;
}

interface Slot {
  sandbox: PySandbox | null;
  job: Job | null;
  idleTimer: NodeJS.Timeout | null;
  /** When its last call ended: calls go to the process idle longest, which has finished restoring its clean state. */
  freeSince: number;
}

export class SandboxPool {
  readonly #opts: SandboxPoolOptions;
  readonly #slots = new Set<Slot>();
  readonly #normal: Job[] = [];
  readonly #slow: Job[] = [];
  readonly #slowKeys = new Set<string>();
  #closed = false;
  /** Set when no process has ever started and one failed to: every start would fail the same way. */
  #failure: PySandboxError | null = null;
  #everStarted = false;
  #readyWaiters: { resolve: () => void; reject: (e: Error) => void }[] = [];

  constructor(opts: SandboxPoolOptions) {
    if (!Number.isInteger(opts.size) || opts.size < 1) throw new PySandboxError('INVALID_OPTION', `size must be an integer >= 1, got ${opts.size}`);
    this.#opts = opts;
  }

  /** Starts one process (if none runs) and resolves when it is ready. */
  start(): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure);
    if ([...this.#slots].some((s) => s.sandbox)) return Promise.resolve();
    if (this.#slots.size === 0) this.#spawn();
    return new Promise((resolve, reject) => this.#readyWaiters.push({ resolve, reject }));
  }

  call(fn: string, args: unknown[], opts: { key?: string } = {}): Promise<CallOutcome> {
    if (this.#closed) return Promise.reject(new PySandboxError('CLOSED', 'the Python sandbox pool is closed'));
    if (this.#failure) return Promise.reject(this.#failure);
    const key = opts.key ?? null;
    return new Promise((resolve, reject) => {
      const job: Job = { fn, args, key, slow: key !== null && this.#slowKeys.has(key), resolve, reject };
      (job.slow ? this.#slow : this.#normal).push(job);
      this.#dispatch();
    });
  }

  /** The processes now: for metrics and tests. */
  get processes(): { pid: number | undefined; busy: boolean; rssBytes: number | null; starting: boolean }[] {
    return [...this.#slots].map((s) => ({
      pid: s.sandbox?.pid, busy: s.job !== null, rssBytes: s.sandbox?.stats?.rssBytes ?? null, starting: s.sandbox === null,
    }));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const closed = new PySandboxError('CLOSED', 'the Python sandbox pool was closed');
    for (const job of [...this.#normal.splice(0), ...this.#slow.splice(0)]) job.reject(closed);
    for (const w of this.#readyWaiters.splice(0)) w.reject(closed);
    const slots = [...this.#slots];
    this.#slots.clear();
    await Promise.all(slots.map((s) => {
      if (s.idleTimer) clearTimeout(s.idleTimer);
      s.job?.reject(closed);
      s.job = null;
      return s.sandbox?.kill();
    }));
  }

  #spawn(): void {
    const slot: Slot = { sandbox: null, job: null, idleTimer: null, freeSince: 0 };
    this.#slots.add(slot);
    PySandbox.start(this.#opts.sandbox).then((sandbox) => {
      if (this.#closed || !this.#slots.has(slot)) {
        void sandbox.kill();
        return;
      }
      slot.sandbox = sandbox;
      this.#everStarted = true;
      this.#opts.onEvent?.({ type: 'started', pid: sandbox.pid, bootMs: sandbox.bootMs, netIsolated: sandbox.netIsolated,
        fromSnapshot: sandbox.fromSnapshot, phases: sandbox.bootPhases });
      sandbox.onExit(() => this.#onExit(slot));
      for (const w of this.#readyWaiters.splice(0)) w.resolve();
      this.#dispatch();
    }, (err: Error) => {
      this.#slots.delete(slot);
      if (this.#closed) return;
      const failure = err instanceof PySandboxError ? err : new PySandboxError('START_FAILED', err.message, { cause: err });
      if (!this.#everStarted) this.#failure = failure;
      // Calls waiting for a process get the reason; with other processes running, the rest go on.
      if ([...this.#slots].every((s) => !s.sandbox)) {
        for (const job of [...this.#normal.splice(0), ...this.#slow.splice(0)]) job.reject(failure);
        for (const w of this.#readyWaiters.splice(0)) w.reject(failure);
      }
    });
  }

  #onExit(slot: Slot): void {
    if (!this.#slots.delete(slot)) return;
    if (slot.idleTimer) clearTimeout(slot.idleTimer);
    if (!this.#closed) this.#dispatch();
  }

  #slowRunning(): number {
    return [...this.#slots].filter((s) => s.job?.slow).length;
  }

  #next(): Job | undefined {
    if (this.#normal.length > 0) return this.#normal.shift();
    if (this.#slow.length > 0 && (this.#slowRunning() < this.#opts.size - 1 || this.#opts.size === 1)) return this.#slow.shift();
    return undefined;
  }

  #dispatch(): void {
    if (this.#closed) return;
    const idle = [...this.#slots].filter((s) => s.sandbox && !s.job && s.sandbox.alive).sort((a, b) => a.freeSince - b.freeSince);
    for (const slot of idle) {
      const job = this.#next();
      if (!job) break;
      this.#run(slot, job);
    }
    // Grow while calls wait that no starting process will take, up to the size.
    const starting = [...this.#slots].filter((s) => !s.sandbox).length;
    const slowAllowed = this.#slow.length > 0 && (this.#slowRunning() < this.#opts.size - 1 || this.#opts.size === 1) ? this.#slow.length : 0;
    let waiting = this.#normal.length + slowAllowed - starting;
    while (waiting > 0 && this.#slots.size < this.#opts.size && !this.#failure) {
      this.#spawn();
      waiting--;
    }
    if (this.#opts.idleReleaseMs > 0) {
      for (const slot of this.#slots) {
        if (!slot.sandbox || slot.job || slot.idleTimer) continue;
        slot.idleTimer = setTimeout(() => this.#retire(slot, 'idle'), this.#opts.idleReleaseMs);
        slot.idleTimer.unref();
      }
    }
  }

  #run(slot: Slot, job: Job): void {
    const sandbox = slot.sandbox!;
    if (slot.idleTimer) clearTimeout(slot.idleTimer);
    slot.idleTimer = null;
    slot.job = job;
    sandbox.call(job.fn, job.args, { timeoutMs: this.#opts.timeoutMs, graceMs: this.#opts.graceMs }).then((outcome) => {
      slot.job = null;
      slot.freeSince = performance.now();
      const timedOut = outcome.kind === 'killed' || (outcome.kind !== 'crashed' && outcome.interrupted);
      if (job.key !== null) {
        if (timedOut) this.#slowKeys.add(job.key);
        else this.#slowKeys.delete(job.key);
      }
      job.resolve(outcome);
      if (outcome.kind === 'killed') this.#retire(slot, 'timeout');
      else if (sandbox.retiring) this.#retire(slot, 'memory');
      else if (!sandbox.alive || outcome.kind === 'crashed') this.#retire(slot, 'crashed');
      this.#dispatch();
    }, (err: Error) => {
      slot.job = null;
      job.reject(err);
      this.#retire(slot, 'crashed');
      this.#dispatch();
    });
  }

  #retire(slot: Slot, reason: 'idle' | 'timeout' | 'memory' | 'crashed'): void {
    if (slot.job) return; // picked up meanwhile
    if (!this.#slots.delete(slot)) return;
    if (slot.idleTimer) clearTimeout(slot.idleTimer);
    this.#opts.onEvent?.({ type: 'stopped', pid: slot.sandbox?.pid, reason });
    void slot.sandbox?.kill();
  }
}
