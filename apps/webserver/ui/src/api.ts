/**
 * The UI's only door to the server. Reads come from the UI endpoints (/ui/*, one compact call per page); every
 * write goes through Airflow's /api/v2, so the audit log, guarded state changes and events are the REST API's.
 * The JWT from POST /auth/token travels in the Authorization header (never a cookie), so other sites cannot
 * make the browser act for the user (no CSRF); it lives in localStorage, so a link opened in a new tab is still
 * signed in (as Airflow's session cookie is), until it expires or the user signs out (in any tab). Paths here are
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
/** /ui/me for this sign-in: the request, and its answer once it came. */
let me: Promise<Me> | null = null;
let meKnown: Me | null = null;

/** When a JWT expires (ms since the epoch), or null when it says nothing readable. */
function expiresAt(jwt: string): number | null {
  try {
    const part = jwt.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/');
    const exp = (JSON.parse(atob(part)) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp * 1000 : null;
  } catch { return null; }
}

/** The kept token, unless it has expired (then it is forgotten, and the user is asked to sign in again). */
export function token(): string | null {
  const t = localStorage.getItem(TOKEN_KEY);
  if (!t) return null;
  const exp = expiresAt(t);
  if (exp !== null && exp <= Date.now()) { signOut(); return null; }
  return t;
}
/** Who is signed in here; while no one is, who last tried (for a page saying what that user may not see). */
export function username(): string | null { return localStorage.getItem(USER_KEY) ?? signingIn; }

let onUnauthorized: () => void = () => {};
export function setUnauthorizedHandler(fn: () => void): void { onUnauthorized = fn; }
/** The server ended the session (the live socket closed as "token expired"): sign in again. */
export function sessionExpired(): void { signOut(); onUnauthorized(); }
let onSandboxMissing: (e: ApiError) => void = () => {};
/** Inside a sandbox: the gateway says it does not exist (deleted, or not the signed-in user's to see). */
export function setSandboxMissingHandler(fn: (e: ApiError) => void): void { onSandboxMissing = fn; }

export function signOut(): void {
  localStorage.removeItem(TOKEN_KEY);
  localStorage.removeItem(USER_KEY);
  me = null;
  meKnown = null;
}

/** The signed-in user and what their role may do (GET /ui/me), read once per sign-in. */
export interface Me { username: string; role: string; permissions: string[] }
export function loadMe(): Promise<Me> {
  me ??= get<Me>('/ui/me').then((m) => { meKnown = m; return m; }, (e: unknown) => { me = null; throw e; });
  return me;
}
/** The signed-in user when already known (so a page opened later starts with the right buttons, no flicker). */
export function knownMe(): Me | null { return me ? meKnown : null; }

async function failure(res: Response): Promise<ApiError> {
  let title = res.statusText, detail = '';
  try {
    const body = await res.json() as { title?: string; detail?: unknown; message?: string };
    title = body.title ?? title;
    detail = typeof body.detail === 'string' ? body.detail : body.detail ? JSON.stringify(body.detail) : body.message ?? '';
  } catch { /* not JSON */ }
  // A refusal the UI did not foresee (roles edited in SQL, a token from before a role change) still says why.
  if (res.status === 403) return new ApiError(403, 'Not allowed', `Not allowed: ${detail || 'your role may not do this'}.`);
  if ([502, 503, 504].includes(res.status) && !detail) detail = `The server is not available (${res.status} ${title}): it may be stopping or starting. Try again in a moment.`;
  else if (res.status >= 500 && !detail) detail = `The server failed (${res.status}${res.statusText ? ` ${res.statusText}` : ''}); see its log.`;
  return new ApiError(res.status, title, detail);
}

async function send(url: string, method: string, t: string | null, body: unknown): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (t) headers.authorization = `Bearer ${t}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  try {
    return await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    // fetch rejects only when no answer came at all; its own text ("Failed to fetch") tells a user nothing.
    throw new ApiError(0, 'Server unreachable', 'Cannot reach the Windsock server: it may be stopped or restarting, or the network is down. Try again in a moment.');
  }
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
  const t = localStorage.getItem('windsock.token');
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
  localStorage.setItem(TOKEN_KEY, res.access_token);
  localStorage.setItem(USER_KEY, user);
  me = null;
  meKnown = null;
}

export const enc = encodeURIComponent;
