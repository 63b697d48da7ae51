/**
 * What a git DAG source may name, checked before anything is fetched: an http(s) URL without credentials in it
 * (those live in a credentials file, never in a row the API shows), a branch that is a valid ref name
 * (`git check-ref-format`), and a sub-folder that stays inside the checkout. Pure.
 */

export interface GitSource { url: string; branch: string; subdir?: string }

const hasControl = (s: string) => [...s].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f);

/** Why `url` may not be fetched from, or null. Only http(s): no `file:` (the server's disk), `ssh:` or `git:`. */
export function gitUrlProblem(url: string): string | null {
  let u: URL;
  try { u = new URL(url); } catch { return 'not a URL'; }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return `${u.protocol.replace(/:$/, '')} URLs are not supported: use http(s)`;
  if (!u.hostname) return 'the URL names no host';
  if (u.username || u.password) return 'the URL may not carry credentials: put them in [sandboxes] git_credentials_file';
  if (u.hash) return 'the URL may not have a #fragment';
  return null;
}

/** Whether `name` is a valid branch name (`git check-ref-format --branch` rules). */
export function isValidBranch(name: string): boolean {
  if (name.length === 0 || name.length > 255 || name === '@' || name.startsWith('-')) return false;
  if (hasControl(name) || /[ ~^:?*[\\]/.test(name)) return false;
  if (name.includes('..') || name.includes('@{') || name.includes('//')) return false;
  if (name.startsWith('/') || name.endsWith('/') || name.endsWith('.')) return false;
  return name.split('/').every((part) => part.length > 0 && !part.startsWith('.') && !part.endsWith('.lock'));
}

/** A sub-folder relative to the checkout's root, normalized (`./dags/` → `dags`, `''` → root); never `..`. */
export function normalizeSubdir(subdir: string | undefined): { subdir: string } | { error: string } {
  const raw = (subdir ?? '').trim();
  if (raw.startsWith('/') || raw.includes('\\') || /^[A-Za-z]:/.test(raw)) return { error: 'must be a relative path with "/" separators' };
  const parts = raw.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..')) return { error: 'may not contain ".."' };
  if (parts.some((p) => p === '.git' || hasControl(p))) return { error: 'may not name .git or hold control characters' };
  return { subdir: parts.join('/') };
}

/** The source as it should be recorded, or why it is refused (the field named). */
export function checkGitSource(s: GitSource): { source: GitSource } | { error: string } {
  const urlProblem = gitUrlProblem(s.url);
  if (urlProblem) return { error: `url: ${urlProblem}` };
  if (!isValidBranch(s.branch)) return { error: `branch: "${s.branch}" is not a valid branch name` };
  const sub = normalizeSubdir(s.subdir);
  if ('error' in sub) return { error: `subdir: ${sub.error}` };
  return { source: { url: s.url, branch: s.branch, ...(sub.subdir ? { subdir: sub.subdir } : {}) } };
}

const METADATA_HOSTS = new Set(['metadata.google.internal', 'metadata', 'instance-data', 'instance-data.ec2.internal']);

/** Whether an IP address (v4, v6, or v4-mapped v6) is link-local: where clouds serve instance metadata. */
export function isLinkLocal(ip: string): boolean {
  const a = ip.replace(/^\[|\]$/g, '').toLowerCase();
  const v4 = /^(?:::ffff:)?(\d+)\.(\d+)\.\d+\.\d+$/.exec(a);
  if (v4) return v4[1] === '169' && v4[2] === '254';
  return /^fe[89ab][0-9a-f]:/.test(a) || a.startsWith('fd00:ec2::');
}

/**
 * Why the host of `url` may not be fetched from, or null: never a link-local address or a cloud metadata name
 * (a git source must not read the platform's instance credentials); and, when `allowed` lists hosts
 * (`git.example.com`, `*.example.com`, `host:port`), one of them. Pure: a name is checked as written (see
 * resolvedHostProblem for what it resolves to).
 */
export function gitHostProblem(url: string, allowed: readonly string[]): string | null {
  let u: URL;
  try { u = new URL(url); } catch { return 'not a URL'; }
  const host = u.hostname.replace(/^\[|\]$/g, '').toLowerCase().replace(/\.$/, '');
  if (isLinkLocal(host) || METADATA_HOSTS.has(host)) return `host "${host}" is a link-local or metadata address, never fetched from`;
  if (allowed.length === 0) return null;
  const port = u.port || (u.protocol === 'https:' ? '443' : '80');
  const ok = allowed.some((raw) => {
    const entry = raw.trim().toLowerCase();
    if (!entry) return false;
    const m = /^(.*?)(?::(\d+))?$/.exec(entry)!;
    const name = m[1]!.replace(/^\[|\]$/g, '');
    if (m[2] && m[2] !== port) return false;
    return name.startsWith('*.') ? host.endsWith(name.slice(1)) && host.length > name.length - 1 : host === name;
  });
  return ok ? null : `host "${u.port ? `${host}:${u.port}` : host}" is not one of [sandboxes] git_allowed_hosts`;
}
