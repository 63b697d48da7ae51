/**
 * A small HTTP client of a running Windsock (Node's fetch): JSON in and out, the bearer token, and every failure
 * turned into a CliError that says what to do (errors.ts).
 */
import { CliError, connectionError, EXIT, httpError, problemDetail } from './errors.ts';
import type { Target } from './settings.ts';

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | number | boolean | undefined>;
  accept?: string;
  /** Send no token even when there is one (signing in). */
  anonymous?: boolean;
  /** Return 404 as `null` instead of throwing (polling until something is gone). */
  allow404?: boolean;
  timeoutMs?: number;
}

export class ApiClient {
  readonly target: Target;
  constructor(target: Target) { this.target = target; }

  /** `path` is relative to the target's base (a sandbox's when --sandbox is given). */
  request<T>(method: string, path: string, o: RequestOptions & { allow404: true }): Promise<T | null>;
  request<T>(method: string, path: string, o?: RequestOptions): Promise<T>;
  async request<T>(method: string, path: string, o: RequestOptions = {}): Promise<T | null> {
    return this.requestAt<T>(this.target.base, method, path, o);
  }

  /** As request, against the Windsock's own URL even with --sandbox (the control plane's API). */
  async requestRoot<T>(method: string, path: string, o: RequestOptions = {}): Promise<T | null> {
    return this.requestAt<T>(this.target.apiUrl, method, path, o);
  }

  private async requestAt<T>(base: string, method: string, path: string, o: RequestOptions): Promise<T | null> {
    const url = new URL(base + path);
    for (const [k, v] of Object.entries(o.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { accept: o.accept ?? 'application/json' };
    if (!o.anonymous && this.target.token) headers.authorization = `Bearer ${this.target.token}`;
    if (o.body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(url, { method, headers, body: o.body === undefined ? undefined : JSON.stringify(o.body), signal: AbortSignal.timeout(o.timeoutMs ?? 30_000) });
    } catch (err) {
      throw connectionError(err, this.target.base);
    }
    const text = await res.text();
    let body: unknown = text;
    if ((res.headers.get('content-type') ?? '').includes('json') && text) {
      try { body = JSON.parse(text); } catch { body = text; }
    }
    if (res.ok) {
      if (typeof body === 'string' && (o.accept ?? 'application/json').includes('json') && res.status !== 204 && text) {
        throw new CliError(`${method} ${url.origin}${url.pathname} answered HTTP ${res.status} but not with JSON: is ${this.target.base} a Windsock?`, EXIT.ERROR);
      }
      return body as T;
    }
    if (res.status === 404 && o.allow404) return null;
    if (res.status === 401 && this.target.tokenFrom !== 'file' && this.target.token) {
      const from = this.target.tokenFrom === 'flag' ? '--token' : 'WINDSOCK_API_TOKEN';
      const detail = problemDetail(body, text);
      throw new CliError(`the token from ${from} was refused${detail ? ` (${detail})` : ''}: use a valid one, or unset it and run windsock login`, EXIT.AUTH);
    }
    throw httpError(res.status, body, text, `${method} ${url.origin}${url.pathname}`);
  }
}

/** A path segment, escaped. */
export const seg = encodeURIComponent;
