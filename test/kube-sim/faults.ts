/**
 * Fault injection and request accounting, keyed by verb and resource the way the API server's audit
 * and metrics are (`create pods`, `get pods/log`, `watch sparkapplications`...).
 *
 * - Latency rules add a delay before the request is handled (e.g. create pods +150 ms).
 * - Error rules answer the next N matching requests with 429 (Retry-After), 500, 503, or drop the
 *   connection, either before the request is handled or after it (the write happened but the client
 *   never hears: the case idempotent retries must survive).
 * - Counters: requests by `verb resource`, successful pod creates by namespace/name, API requests in
 *   flight now and at peak. Watches and followed logs are long-running requests and, as in the API
 *   server's max-in-flight filter, are not counted in flight (they have their own open-stream gauges).
 */
import { KubeSimError } from './errors.ts';

export const VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'] as const;
export type Verb = (typeof VERBS)[number];

export interface RequestInfo {
  verb: Verb;
  /** `pods`, `pods/log`, `pods/status`, `sparkapplications`, `namespaces`, `events`, ... */
  resource: string;
  namespace: string | undefined;
  name: string | undefined;
}

export interface FaultMatch {
  verb?: Verb | undefined;
  resource?: string | undefined;
  namespace?: string | undefined;
  name?: string | undefined;
}

export type InjectedError =
  | { status: 429; retryAfterSeconds?: number }
  | { status: 500 }
  | { status: 503; retryAfterSeconds?: number }
  /** `before`: the socket is destroyed without handling; `after`: handled, then destroyed without answering. */
  | { drop: 'before' | 'after' };

interface LatencyRule {
  match: FaultMatch;
  ms: number;
}

interface ErrorRule {
  match: FaultMatch;
  error: InjectedError;
  remaining: number;
}

export interface CountersSnapshot {
  /** `verb resource` → requests received (including faulted ones). */
  requests: Record<string, number>;
  /** `namespace/name` → pods successfully created under that name. */
  podCreates: Record<string, number>;
  inFlight: number;
  peakInFlight: number;
  totalRequests: number;
}

function matches(m: FaultMatch, info: RequestInfo): boolean {
  return (m.verb === undefined || m.verb === info.verb) && (m.resource === undefined || m.resource === info.resource) &&
    (m.namespace === undefined || m.namespace === info.namespace) && (m.name === undefined || m.name === info.name);
}

/** Validates a match given over the instrumentation API. */
export function checkMatch(m: unknown): FaultMatch {
  if (m === null || typeof m !== 'object' || Array.isArray(m)) throw new KubeSimError('INVALID_OPTIONS', 'a fault match must be an object');
  const out: FaultMatch = {};
  for (const [k, v] of Object.entries(m)) {
    if (!['verb', 'resource', 'namespace', 'name'].includes(k)) throw new KubeSimError('INVALID_OPTIONS', `unknown fault match field "${k}"`);
    if (typeof v !== 'string') throw new KubeSimError('INVALID_OPTIONS', `fault match field "${k}" must be a string`);
    if (k === 'verb' && !(VERBS as readonly string[]).includes(v)) throw new KubeSimError('INVALID_OPTIONS', `unknown verb "${v}" (one of ${VERBS.join(', ')})`);
    (out as Record<string, string>)[k] = v;
  }
  return out;
}

export function checkError(e: unknown): InjectedError {
  const bad = (): never => {
    throw new KubeSimError('INVALID_OPTIONS', `an injected error must be {status: 429|500|503, retryAfterSeconds?} or {drop: 'before'|'after'}, got ${JSON.stringify(e)}`);
  };
  if (e === null || typeof e !== 'object') return bad();
  const o = e as Record<string, unknown>;
  if ('drop' in o) return o['drop'] === 'before' || o['drop'] === 'after' ? { drop: o['drop'] } : bad();
  const retry = o['retryAfterSeconds'];
  if (retry !== undefined && (typeof retry !== 'number' || !Number.isInteger(retry) || retry < 0)) return bad();
  if (o['status'] === 429) return retry === undefined ? { status: 429 } : { status: 429, retryAfterSeconds: retry as number };
  if (o['status'] === 503) return retry === undefined ? { status: 503 } : { status: 503, retryAfterSeconds: retry as number };
  if (o['status'] === 500) return { status: 500 };
  return bad();
}

export class Faults {
  #latency: LatencyRule[] = [];
  #errors: ErrorRule[] = [];
  #requests = new Map<string, number>();
  #podCreates = new Map<string, number>();
  #inFlight = 0;
  #peak = 0;
  #total = 0;

  /** Adds `ms` of latency to matching requests; returns a function that removes the rule. */
  addLatency(match: FaultMatch, ms: number): () => void {
    if (!Number.isFinite(ms) || ms < 0) throw new KubeSimError('INVALID_OPTIONS', `latency must be a number of ms ≥ 0, got ${ms}`);
    const rule = { match: checkMatch(match), ms };
    this.#latency.push(rule);
    return () => {
      this.#latency = this.#latency.filter((r) => r !== rule);
    };
  }

  /** The next `count` matching requests fail with `error`. */
  failNext(match: FaultMatch, error: InjectedError, count = 1): void {
    if (!Number.isInteger(count) || count < 1) throw new KubeSimError('INVALID_OPTIONS', `count must be an integer ≥ 1, got ${count}`);
    this.#errors.push({ match: checkMatch(match), error: checkError(error), remaining: count });
  }

  clear(): void {
    this.#latency = [];
    this.#errors = [];
  }

  /** Records a request and decides its fate; consumes one use of the first matching error rule. */
  /**
   * API priority and fairness, reduced to one token bucket over the requests that are not long-running:
   * `qps` tokens a second up to `burst`; a request finding none is refused 429 with `Retry-After`. null: off.
   */
  setRateLimit(limit: { qps: number; burst: number; retryAfterSeconds?: number } | null): void {
    this.#rate = limit === null ? null : { ...limit, tokens: limit.burst, at: Date.now() };
  }

  #rate: { qps: number; burst: number; retryAfterSeconds?: number; tokens: number; at: number } | null = null;

  #throttled(): InjectedError | null {
    const r = this.#rate;
    if (r === null) return null;
    const now = Date.now();
    r.tokens = Math.min(r.burst, r.tokens + ((now - r.at) / 1000) * r.qps);
    r.at = now;
    if (r.tokens >= 1) {
      r.tokens -= 1;
      return null;
    }
    return { status: 429, retryAfterSeconds: r.retryAfterSeconds ?? 1 };
  }

  onRequest(info: RequestInfo, longRunning = false): { latencyMs: number; error: InjectedError | null } {
    const k = `${info.verb} ${info.resource}`;
    this.#requests.set(k, (this.#requests.get(k) ?? 0) + 1);
    this.#total++;
    const latencyMs = this.#latency.filter((r) => matches(r.match, info)).reduce((sum, r) => sum + r.ms, 0);
    const throttled = longRunning ? null : this.#throttled();
    if (throttled !== null) return { latencyMs, error: throttled };
    const rule = this.#errors.find((r) => matches(r.match, info));
    if (rule === undefined) return { latencyMs, error: null };
    rule.remaining--;
    if (rule.remaining <= 0) this.#errors = this.#errors.filter((r) => r !== rule);
    return { latencyMs, error: rule.error };
  }

  enter(): void {
    this.#inFlight++;
    this.#peak = Math.max(this.#peak, this.#inFlight);
  }

  leave(): void {
    this.#inFlight--;
  }

  recordPodCreate(namespace: string, name: string): void {
    const k = `${namespace}/${name}`;
    this.#podCreates.set(k, (this.#podCreates.get(k) ?? 0) + 1);
  }

  podCreates(name: string, namespace?: string): number {
    if (namespace !== undefined) return this.#podCreates.get(`${namespace}/${name}`) ?? 0;
    let n = 0;
    for (const [k, v] of this.#podCreates) if (k.slice(k.indexOf('/') + 1) === name) n += v;
    return n;
  }

  requests(verb: Verb, resource: string): number {
    return this.#requests.get(`${verb} ${resource}`) ?? 0;
  }

  snapshot(): CountersSnapshot {
    return {
      requests: Object.fromEntries(this.#requests),
      podCreates: Object.fromEntries(this.#podCreates),
      inFlight: this.#inFlight,
      peakInFlight: this.#peak,
      totalRequests: this.#total,
    };
  }

  /** Zeroes the counters (not the in-flight gauge, which tracks live requests). */
  resetCounters(): void {
    this.#requests.clear();
    this.#podCreates.clear();
    this.#peak = this.#inFlight;
    this.#total = 0;
  }
}
