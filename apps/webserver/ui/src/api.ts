/**
 * The UI's only door to the server. Reads come from the UI endpoints (/ui/*, one compact call per page); every
 * write goes through Airflow's /api/v2, so the audit log, guarded state changes and events are the REST API's.
 * The JWT from POST /auth/token travels in the Authorization header (never a cookie), so other sites cannot
 * make the browser act for the user (no CSRF); it lives in sessionStorage and dies with the tab. Paths here are
 * the instance's own (`/api/v2/dags`); inside a sandbox they go to `/sandboxes/<name>/...`, and its token (one
 * valid for that sandbox only) is kept under its own key, beside the shared instance's.
 */
import { BASE, withBase } from './base.ts';

const TOKEN_KEY = `windsock.token${BASE}`;
const USER_KEY = `windsock.user${BASE}`;

export class ApiError extends Error {
  readonly status: number;
  readonly title: string;
  readonly detail: string;
  constructor(status: number, title: string, detail: string) {
    super(detail || title);
    this.name = 'ApiError';
    this.status = status;
    this.title = title;
    this.detail = detail || title;
  }
}

let signingIn: string | null = null;
export function token(): string | null { return sessionStorage.getItem(TOKEN_KEY); }
/** Who is signed in here; while no one is, who last tried (for a page saying what that user may not see). */
export function username(): string | null { return sessionStorage.getItem(USER_KEY) ?? signingIn; }

let onUnauthorized: () => void = () => {};
export function setUnauthorizedHandler(fn: () => void): void { onUnauthorized = fn; }
let onSandboxMissing: (e: ApiError) => void = () => {};
/** Inside a sandbox: the gateway says it does not exist (deleted, or not the signed-in user's to see). */
export function setSandboxMissingHandler(fn: (e: ApiError) => void): void { onSandboxMissing = fn; }

export function signOut(): void {
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(USER_KEY);
}

async function failure(res: Response): Promise<ApiError> {
  let title = res.statusText, detail = '';
  try {
    const body = await res.json() as { title?: string; detail?: unknown; message?: string };
    title = body.title ?? title;
    detail = typeof body.detail === 'string' ? body.detail : body.detail ? JSON.stringify(body.detail) : body.message ?? '';
  } catch { /* not JSON */ }
  return new ApiError(res.status, title, detail);
}

async function send(url: string, method: string, t: string | null, body: unknown): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (t) headers.authorization = `Bearer ${t}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  return fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

async function parse<T>(res: Response): Promise<T> {
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await send(withBase(path), method, token(), body);
  if (res.status === 401 && !path.startsWith('/auth/')) { signOut(); onUnauthorized(); }
  if (!res.ok) {
    const e = await failure(res);
    if (BASE && res.status === 404 && e.title === 'Sandbox not found') onSandboxMissing(e);
    throw e;
  }
  return parse<T>(res);
}

/**
 * A GET of the shared instance with its token, from inside a sandbox (e.g. the sandbox's own record, for its
 * owner); null when this tab is not signed in there or the call fails. Never signs anyone out.
 */
export async function getShared<T>(path: string): Promise<T | null> {
  const t = sessionStorage.getItem('windsock.token');
  if (!t) return null;
  try {
    const res = await send(path, 'GET', t, undefined);
    return res.ok ? await parse<T>(res) : null;
  } catch { return null; }
}

export const get = <T>(path: string): Promise<T> => request<T>('GET', path);

/** Signs in to this page's instance: inside a sandbox, `<base>/auth/token` gives a token for that sandbox only. */
export async function signIn(user: string, password: string): Promise<void> {
  signingIn = user;
  const res = await request<{ access_token: string }>('POST', '/auth/token', { username: user, password });
  sessionStorage.setItem(TOKEN_KEY, res.access_token);
  sessionStorage.setItem(USER_KEY, user);
}

export const enc = encodeURIComponent;
