/** Folder sources (a git-sync sidecar's layout), the links in the root, and a folder's commit. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import git from 'isomorphic-git';
import { DagSourceSet, folderCommit } from './source-set.ts';
import type { DagSourceSpec } from './spec.ts';

let root: string;
beforeAll(async () => { root = await mkdtemp(join(tmpdir(), 'ws-srcset-')); });
afterAll(async () => { await rm(root, { recursive: true, force: true }); });

const C1 = 'a'.repeat(40), C2 = 'b'.repeat(40);
/** git-sync v4: `<root>/.worktrees/<commit>` and `<link>` → `.worktrees/<commit>`, swapped by rename. */
async function gitSyncPublishes(base: string, commit: string, files: Record<string, string>) {
  const tree = join(base, '.worktrees', commit);
  for (const [p, c] of Object.entries(files)) { await mkdir(join(tree, p, '..'), { recursive: true }); await writeFile(join(tree, p), c); }
  await symlink(`.worktrees/${commit}`, join(base, 'tmp-link'));
  await rename(join(base, 'tmp-link'), join(base, 'current'));
}

describe('DagSourceSet with a folder source', () => {
  it('links <root>/<name> to the sidecar\'s folder and reads its commit from git-sync\'s layout', async () => {
    const spec: DagSourceSpec = { kind: 'folder', name: 'team-c', path: '.sources/team-c', subdir: '', intervalMs: 1000 };
    const set = new DagSourceSet({ root, sources: [{ ...spec, path: '.sources/team-c/current', subdir: 'dags' }] });
    await set.prepare();
    let r = await set.sync('team-c');
    expect(r.state).toMatchObject({ healthy: false, errorCode: 'SUBDIR_MISSING', commit: null });
    const base = join(root, '.sources', 'team-c');
    await mkdir(base, { recursive: true });
    await gitSyncPublishes(base, C1, { 'dags/c.yaml': 'c: 1\n' });
    r = await set.sync('team-c');
    expect(r).toMatchObject({ changed: true, state: { healthy: true, commit: C1, error: null } });
    expect(await readdir(join(root, 'team-c'))).toEqual(['c.yaml']);
    expect(set.sourceOf('team-c/c.yaml')).toMatchObject({ name: 'team-c', commit: C1 });
    await gitSyncPublishes(base, C2, { 'dags/c.yaml': 'c: 2\n' });
    expect((await set.sync('team-c')).state.commit).toBe(C2);
    expect((await set.sync('team-c')).changed).toBe(false);
  });

  it('refuses a folder outside the root', async () => {
    const set = new DagSourceSet({ root, sources: [{ kind: 'folder', name: 'out', path: '/etc', subdir: '', intervalMs: 1000 }] });
    await expect(set.prepare()).rejects.toThrow(/outside the DAG sources root/);
  });

  it('reads the commit of a folder that is a git checkout', async () => {
    const dir = join(root, 'plain');
    await mkdir(dir, { recursive: true });
    await git.init({ fs, dir, defaultBranch: 'main' });
    await writeFile(join(dir, 'a.yaml'), 'a: 1\n');
    await git.add({ fs, dir, filepath: 'a.yaml' });
    const oid = await git.commit({ fs, dir, message: 'x', author: { name: 't', email: 't@example.com' } });
    expect(await folderCommit(dir)).toBe(oid);
    expect(await folderCommit(join(root, 'nowhere'))).toBeNull();
  });
});
