/**
 * Where this UI is mounted: the shared instance at `/`, or a sandbox at `/sandboxes/<name>/` (served by the same
 * webserver, which strips the prefix before the sandbox's own server sees the request). Read once from the
 * address the page was loaded at; every fetch, the WebSocket, the router and every href go through here, so
 * the rest of the UI speaks in app paths (`/dags/x/grid`) and stays inside the sandbox it was opened in.
 */
const m = /^\/sandboxes\/([a-z][a-z0-9-]{0,39})(?=\/|$)/.exec(location.pathname);

/** The sandbox's name, or null on the shared instance. */
export const SANDBOX: string | null = m ? m[1]! : null;
/** `/sandboxes/<name>` inside a sandbox, '' on the shared instance; never ends in '/'. */
export const BASE: string = m ? m[0] : '';

/** An app path (`/dags?x=1`) as a URL path of this page's instance. */
export function withBase(path: string): string { return BASE + path; }

/** A URL path of this page's instance as an app path; a path outside the base is returned as it is. */
export function stripBase(path: string): string {
  if (!BASE || !path.startsWith(BASE)) return path;
  const rest = path.slice(BASE.length);
  return rest === '' || rest[0] === '?' ? `/${rest}` : rest[0] === '/' ? rest : path;
}
