/**
 * Every request the Kubernetes executors make goes through one gate: a token bucket (QPS and burst, as
 * client-go's rate limiter: a request waits for a token, never fails for want of one), a cap on creates in
 * flight, and retries with exponential backoff (honouring Retry-After) of what is transient: 429, 5xx, a
 * request timeout, a dropped connection. Streams (watches, followed logs) take a token to open and are not
 * retried here: their owners resume them.
 */
import { ApiException } from '@kubernetes/client-node';

export class TokenBucket {
  private tokens: number;
  private last: number;
  private readonly waiters: Array<() => void> = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly qps: number;
  private readonly burst: number;
  private readonly now: () => number;

  constructor(qps: number, burst: number, now: () => number = () => performance.now()) {
    this.qps = qps;
    this.burst = burst;
    this.now = now;
    this.tokens = burst;
    this.last = now();
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.qps);
    this.last = t;
  }

  /** Resolves when a token is taken (FIFO). */
  take(): Promise<void> {
    this.refill();
    if (this.waiters.length === 0 && this.tokens >= 1) {
      this.tokens -= 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.timer || this.waiters.length === 0) return;
    const wait = Math.max(0, ((1 - this.tokens) / this.qps) * 1000);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.refill();
      while (this.waiters.length > 0 && this.tokens >= 1) {
        this.tokens -= 1;
        this.waiters.shift()!();
      }
      this.schedule();
    }, Math.ceil(wait));
  }
}

export class Semaphore {
  private free: number;
  private readonly waiters: Array<() => void> = [];
  constructor(n: number) { this.free = n; }
  async acquire(): Promise<void> {
    if (this.free > 0) { this.free--; return; }
    await new Promise<void>((r) => this.waiters.push(r));
  }
  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.free++;
  }
}

/** The HTTP status of a failed request, or null when no answer came (connection cut, timeout). */
export function statusOf(err: unknown): number | null {
  if (err instanceof ApiException) return err.code;
  const code = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' ? code : null;
}

export class RequestTimeout extends Error {
  readonly code = 'REQUEST_TIMEOUT';
  constructor(ms: number) { super(`request timed out after ${ms} ms`); this.name = 'RequestTimeout'; }
}

function transient(err: unknown): boolean {
  const s = statusOf(err);
  return s === null || s === 429 || s >= 500;
}

function retryAfterMs(err: unknown): number | null {
  if (!(err instanceof ApiException)) return null;
  const h = (err.headers as Record<string, string> | undefined)?.['retry-after'];
  const n = h !== undefined ? Number(h) : NaN;
  return Number.isFinite(n) ? n * 1000 : null;
}

export interface GateOptions { qps: number; burst: number; maxConcurrentCreates: number; retries: number; timeoutMs: number }

export interface GateStats { requests: number; retries: number }

export class ApiGate {
  private readonly bucket: TokenBucket;
  private readonly creates: Semaphore;
  private readonly opts: GateOptions;
  readonly stats: GateStats = { requests: 0, retries: 0 };
  private closed = false;

  constructor(opts: GateOptions) {
    this.opts = opts;
    this.bucket = new TokenBucket(opts.qps, opts.burst);
    this.creates = new Semaphore(opts.maxConcurrentCreates);
  }

  close(): void { this.closed = true; }

  /** Takes a token for a stream about to open. */
  async token(): Promise<void> {
    await this.bucket.take();
    this.stats.requests++;
  }

  /** Runs one request with rate limit, create cap, timeout and retries. `fn` must be safe to repeat. */
  async call<T>(fn: () => Promise<T>, kind: 'read' | 'write' | 'create' = 'read'): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      await this.token();
      if (kind === 'create') await this.creates.acquire();
      let failure: unknown;
      try {
        return await withTimeout(fn(), this.opts.timeoutMs);
      } catch (err) {
        if (!transient(err) || attempt >= this.opts.retries || this.closed) throw err;
        failure = err;
      } finally {
        if (kind === 'create') this.creates.release();
      }
      this.stats.retries++;
      const backoff = Math.min(10_000, 200 * 2 ** attempt) * (0.5 + Math.random() / 2);
      await new Promise((r) => setTimeout(r, Math.max(backoff, retryAfterMs(failure) ?? 0)));
    }
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new RequestTimeout(ms)), ms); })])
    .finally(() => clearTimeout(timer));
}
