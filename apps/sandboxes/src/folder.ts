/**
 * Sandbox DAG folders: where a user may point a sandbox (under `<dags_root>/<username>/`, anywhere under the root
 * for an admin; never out of it, symlinks included), and a cheap signature of a folder's files, so that a sleeping
 * sandbox wakes when its DAGs change.
 */
import { createHash } from 'node:crypto';
import { realpathSync, readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';

const inside = (root: string, p: string) => { const r = relative(root, p); return r === '' || (!r.startsWith('..') && !isAbsolute(r)); };

/**
 * The real path of a sandbox's DAG folder, or an error saying why it may not be used. `folder` is relative to the
 * root (or absolute, within it); non-admins are kept to `<root>/<owner>/`.
 */
export function resolveDagFolder(root: string, folder: string, owner: string, admin: boolean): { path: string } | { error: string } {
  const realRoot = (() => { try { return realpathSync(root); } catch { return null; } })();
  if (!realRoot) return { error: `the sandboxes' DAG root ${root} does not exist` };
  const asked = resolve(realRoot, folder);
  let real: string;
  try { real = realpathSync(asked); } catch { return { error: `DAG folder ${folder} does not exist under ${root}` }; }
  if (!statSync(real).isDirectory()) return { error: `DAG folder ${folder} is not a folder` };
  const allowed = admin ? realRoot : join(realRoot, owner);
  if (!inside(allowed, real)) return { error: admin ? `DAG folder ${folder} is outside ${root}` : `DAG folder ${folder} is not under ${join(root, owner)}${sep} (your folder)` };
  return { path: real };
}

/** A hash of every file's path, size and modification time (up to `limit` entries), hidden files skipped. */
export function folderSignature(dir: string, limit = 5000): string {
  const h = createHash('sha1');
  let n = 0;
  const walk = (d: string) => {
    let entries;
    try { entries = readdirSync(d, { withFileTypes: true }); } catch { return; }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.name.startsWith('.') && e.name !== '.airflowignore') continue;
      if (++n > limit) return;
      const p = join(d, e.name);
      if (e.isDirectory()) { if (e.name !== '__pycache__') walk(p); continue; }
      try { const s = statSync(p); h.update(`${p}\u0000${s.size}\u0000${s.mtimeMs}\n`); } catch { /* gone meanwhile */ }
    }
  };
  walk(dir);
  return h.digest('hex');
}
