/**
 * The UI's only door to the server. Reads come from the UI endpoints (/ui/*, one compact call per page); every
 * write goes through Airflow's /api/v2, so the audit log, guarded state changes and events are the REST API's.
 * The JWT from POST /auth/token travels in the Authorization header (never a cookie), so other sites cannot
 * make the browser act for the user (no CSRF); it lives in sessionStorage and dies with the tab.
 */
const TOKEN_KEY = 'windsock.token';
const USER_KEY = 'windsock.user';

export class ApiError extends Error {
  readonly status: number;
  readonly detail: string;
  constructor(status: number, title: string, detail: string) {
    super(detail || title);
    this.name = 'ApiError';
    this.status = status;
    this.detail = detail || title;
  }
}

export function token(): string | null { return sessionStorage.getItem(TOKEN_KEY); }
export function username(): string | null { return sessionStorage.getItem(USER_KEY); }

let onUnauthorized: () => void = () => {};
export function setUnauthorizedHandler(fn: () => void): void { onUnauthorized = fn; }

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

export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const t = token();
  if (t) headers.authorization = `Bearer ${t}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (res.status === 401 && !path.startsWith('/auth/')) { signOut(); onUnauthorized(); }
  if (!res.ok) throw await failure(res);
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

export const get = <T>(path: string): Promise<T> => request<T>('GET', path);

export async function signIn(user: string, password: string): Promise<void> {
  const res = await request<{ access_token: string }>('POST', '/auth/token', { username: user, password });
  sessionStorage.setItem(TOKEN_KEY, res.access_token);
  sessionStorage.setItem(USER_KEY, user);
}

export const enc = encodeURIComponent;
