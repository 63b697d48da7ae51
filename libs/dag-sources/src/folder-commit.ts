/**
 * The commit a folder holds, or null: git-sync's layout (the folder is, or resolves to, `.../<commit>`, as its
 * `--link` points into `.worktrees/<commit>`), else the HEAD of a `.git` in it. Asked of every plain DAG folder at
 * each scan, so the git client is loaded only when the folder has a `.git`: a scheduler on a plain folder (every
 * folder sandbox) never holds it.
 */
import * as fs from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';

const HEX40 = /^[0-9a-f]{40}$/;

export async function folderCommit(path: string): Promise<string | null> {
  const real = await realpath(path).catch(() => null);
  if (!real) return null;
  const base = basename(real);
  if (HEX40.test(base)) return base;
  const m = /^rev-([0-9a-f]{40})$/.exec(base); // git-sync v3's worktree names
  if (m) return m[1]!;
  if (!(await stat(join(real, '.git')).catch(() => null))) return null;
  const { default: git } = await import('isomorphic-git');
  try { return await git.resolveRef({ fs, dir: real, ref: 'HEAD' }); } catch { return null; }
}
