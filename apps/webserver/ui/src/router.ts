/**
 * A tiny history router: real paths (the server falls back to index.html), links are real <a> elements. Pages
 * speak in app paths (`/dags/x`); inside a sandbox the address bar and every href carry its base in front.
 */
import { useEffect, useState } from 'preact/hooks';
import { stripBase, withBase } from './base.ts';

const listeners = new Set<() => void>();

/** The app path of the page's address. */
export function currentPath(): string { return stripBase(location.pathname) + location.search; }

/** Goes to an app path (`/dags?x=1`), inside the base. */
export function navigate(path: string, replace = false): void {
  if (path === currentPath()) return;
  const url = withBase(path);
  if (replace) history.replaceState(null, '', url); else history.pushState(null, '', url);
  for (const l of listeners) l();
}

export function usePath(): string {
  const [path, setPath] = useState(currentPath);
  useEffect(() => {
    const update = () => setPath(currentPath());
    listeners.add(update);
    addEventListener('popstate', update);
    return () => { listeners.delete(update); removeEventListener('popstate', update); };
  }, []);
  return path;
}

/** Matches `/dags/:dag_id/grid` style patterns; values are URI-decoded. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const p = pattern.split('/'), a = path.split('?')[0]!.split('/');
  if (p.length !== a.length) return null;
  const out: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    if (p[i]!.startsWith(':')) out[p[i]!.slice(1)] = decodeURIComponent(a[i]!);
    else if (p[i] !== a[i]) return null;
  }
  return out;
}

export function query(path: string): URLSearchParams { return new URLSearchParams(path.split('?')[1] ?? ''); }

/** Click handler for <a href>: client-side navigation unless the user asked for a new tab. */
export function onLinkClick(e: MouseEvent): void {
  const a = (e.currentTarget as HTMLAnchorElement);
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey || a.target) return;
  e.preventDefault();
  navigate(stripBase(a.getAttribute('href')!));
}
