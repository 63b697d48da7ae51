/**
 * The pool of parser workers (worker.ts): a fixed number of threads, each with one warm Pyodide
 * interpreter, taking files from one FIFO queue.
 *
 * Time limit: when a file has run `timeoutMs`, the pool raises SIGINT in its interpreter through the
 * shared interrupt buffer; Python stops with a KeyboardInterrupt at the line it had reached (the
 * traceback says where) and the worker stays warm. A file that swallows the interrupt is given
 * `graceMs` more, then its thread is terminated and a fresh one started. Either way the file's
 * outcome is a timeout and the other files go on.
 */
import { Worker } from 'node:worker_threads';
import { PythonParserError } from './errors.ts';
import type { ParseRequest, RunnerResult, WorkerInit, WorkerMessage } from './protocol.ts';

export interface PoolOptions {
  size: number;
  timeoutMs: number;
  graceMs: number;
  init: Omit<WorkerInit, 'interruptBuffer'>;
}

export type JobOutcome =
  | { kind: 'result'; result: RunnerResult; parseMs: number }
  /** `result` is there when the interpreter stopped at the interrupt (it has the line and traceback). */
  | { kind: 'timeout'; result: RunnerResult | null }
  | { kind: 'crashed'; message: string };

interface Job {
  relPath: string;
  text: string;
  variables: Record<string, string> | null;
  resolve: (outcome: JobOutcome) => void;
  reject: (err: Error) => void;
}

interface Slot {
  worker: Worker;
  interrupt: Int32Array;
  ready: boolean;
  job: Job | null;
  jobId: number;
  timer: NodeJS.Timeout | null;
  grace: NodeJS.Timeout | null;
  timedOut: boolean;
  /** The variables object last sent to this worker (sent again only when another one comes). */
  variablesSent: Record<string, string> | null;
}

const WORKER_URL = new URL('./worker.ts', import.meta.url);

export class ParserPool {
  readonly #opts: PoolOptions;
  readonly #slots = new Set<Slot>();
  readonly #queue: Job[] = [];
  #nextId = 1;
  #closed = false;
  #failure: PythonParserError | null = null;
  #readyWaiters: { resolve: () => void; reject: (err: Error) => void }[] = [];

  constructor(opts: PoolOptions) {
    this.#opts = opts;
  }

  /** Starts the workers (once) and resolves when all are ready: the warm-up. */
  start(): Promise<void> {
    this.#ensureStarted();
    if (this.#failure) return Promise.reject(this.#failure);
    if ([...this.#slots].every((s) => s.ready)) return Promise.resolve();
    return new Promise((resolve, reject) => this.#readyWaiters.push({ resolve, reject }));
  }

  run(relPath: string, text: string, variables: Record<string, string> | null): Promise<JobOutcome> {
    if (this.#closed) return Promise.reject(new PythonParserError('PARSER_CLOSED', 'the Python DAG parser is closed'));
    if (this.#failure) return Promise.reject(this.#failure);
    this.#ensureStarted();
    return new Promise((resolve, reject) => {
      this.#queue.push({ relPath, text, variables, resolve, reject });
      this.#dispatch();
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const closed = new PythonParserError('PARSER_CLOSED', 'the Python DAG parser was closed');
    for (const job of this.#queue.splice(0)) job.reject(closed);
    for (const waiter of this.#readyWaiters.splice(0)) waiter.reject(closed);
    const slots = [...this.#slots];
    this.#slots.clear();
    for (const slot of slots) {
      this.#clearTimers(slot);
      slot.job?.reject(closed);
      slot.job = null;
    }
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  #ensureStarted(): void {
    if (this.#slots.size > 0 || this.#closed || this.#failure) return;
    for (let i = 0; i < this.#opts.size; i++) this.#spawn();
  }

  #spawn(): void {
    const interruptBuffer = new SharedArrayBuffer(4);
    const worker = new Worker(WORKER_URL, { workerData: { ...this.#opts.init, interruptBuffer } satisfies WorkerInit });
    const slot: Slot = {
      worker, interrupt: new Int32Array(interruptBuffer), ready: false, job: null, jobId: 0,
      timer: null, grace: null, timedOut: false, variablesSent: null,
    };
    this.#slots.add(slot);
    worker.on('message', (msg: WorkerMessage) => this.#onMessage(slot, msg));
    worker.on('error', (err) => this.#onError(slot, err));
    worker.on('exit', () => this.#onExit(slot));
  }

  #onMessage(slot: Slot, msg: WorkerMessage): void {
    switch (msg.type) {
      case 'ready':
        slot.ready = true;
        if ([...this.#slots].every((s) => s.ready)) {
          for (const waiter of this.#readyWaiters.splice(0)) waiter.resolve();
        }
        this.#dispatch();
        return;
      case 'result': {
        if (msg.id !== slot.jobId) return;
        const result = JSON.parse(msg.json) as RunnerResult;
        // Stopped by our interrupt; a file that finished just as the time ran out keeps its result.
        const stopped = slot.timedOut && !result.ok && result.error.kind === 'interrupted';
        this.#finish(slot, stopped ? { kind: 'timeout', result } : { kind: 'result', result, parseMs: msg.parseMs });
        this.#dispatch();
        return;
      }
      case 'crashed':
        if (msg.id === slot.jobId) {
          this.#finish(slot, slot.timedOut
            ? { kind: 'timeout', result: null }
            : { kind: 'crashed', message: msg.message });
        }
        return; // the worker exits; #onExit starts another
      default: {
        const never: never = msg;
        throw new Error(`unexpected message from a parser worker: ${JSON.stringify(never)}`);
      }
    }
  }

  #onError(slot: Slot, err: Error): void {
    if (!slot.ready && !this.#closed) {
      // Booting failed: every worker would fail the same way (Pyodide missing, folder unmountable).
      this.#fail(new PythonParserError('WORKER_FAILED', `a Python parser worker could not start: ${err.message}`,
        { cause: err }));
      return;
    }
    if (slot.job) this.#finish(slot, { kind: 'crashed', message: err.message });
  }

  #onExit(slot: Slot): void {
    if (!this.#slots.delete(slot)) return; // closed, or already replaced
    this.#clearTimers(slot);
    if (!slot.ready) {
      this.#fail(new PythonParserError('WORKER_FAILED', 'a Python parser worker exited while starting'));
      return;
    }
    if (slot.job) this.#finish(slot, { kind: 'crashed', message: 'the parser worker exited' });
    if (!this.#closed && !this.#failure) {
      this.#spawn();
      this.#dispatch();
    }
  }

  #fail(failure: PythonParserError): void {
    if (this.#failure) return;
    this.#failure = failure;
    for (const job of this.#queue.splice(0)) job.reject(failure);
    for (const waiter of this.#readyWaiters.splice(0)) waiter.reject(failure);
    for (const slot of this.#slots) {
      slot.job?.reject(failure);
      slot.job = null;
      this.#clearTimers(slot);
      void slot.worker.terminate();
    }
    this.#slots.clear();
  }

  #dispatch(): void {
    for (const slot of this.#slots) {
      if (this.#queue.length === 0) break;
      if (!slot.ready || slot.job) continue;
      const job = this.#queue.shift()!;
      const req: ParseRequest = { type: 'parse', id: this.#nextId++, relPath: job.relPath, text: job.text };
      if (job.variables && job.variables !== slot.variablesSent) {
        req.variables = job.variables;
        slot.variablesSent = job.variables;
      }
      slot.job = job;
      slot.jobId = req.id;
      slot.timedOut = false;
      Atomics.store(slot.interrupt, 0, 0);
      slot.worker.ref();
      slot.worker.postMessage(req);
      slot.timer = setTimeout(() => this.#interrupt(slot), this.#opts.timeoutMs);
    }
    this.#refIdle();
  }

  #interrupt(slot: Slot): void {
    slot.timer = null;
    slot.timedOut = true;
    Atomics.store(slot.interrupt, 0, 2); // SIGINT: KeyboardInterrupt at the next bytecode
    slot.grace = setTimeout(() => {
      // The file did not stop: end the thread. #onExit starts a fresh worker.
      slot.grace = null;
      this.#finish(slot, { kind: 'timeout', result: null });
      this.#slots.delete(slot);
      void slot.worker.terminate();
      if (!this.#closed) {
        this.#spawn();
        this.#dispatch();
      }
    }, this.#opts.graceMs);
  }

  #finish(slot: Slot, outcome: JobOutcome): void {
    this.#clearTimers(slot);
    const job = slot.job;
    slot.job = null;
    slot.jobId = 0;
    job?.resolve(outcome);
    this.#refIdle();
  }

  #clearTimers(slot: Slot): void {
    if (slot.timer) clearTimeout(slot.timer);
    if (slot.grace) clearTimeout(slot.grace);
    slot.timer = null;
    slot.grace = null;
  }

  /**
   * A worker keeps the process alive only while there is work for it: a busy one, or every one
   * while files wait for a worker to boot. An idle pool does not hold the process open.
   */
  #refIdle(): void {
    const waiting = this.#queue.length > 0 || this.#readyWaiters.length > 0;
    for (const slot of this.#slots) {
      if (slot.job || (waiting && !slot.ready)) slot.worker.ref();
      else slot.worker.unref();
    }
  }
}
