/**
 * libs/dag-sources against a real smart-HTTP git server (`git http-backend` of a fixture repository): a branch is
 * synced into a folder, a new commit swaps the checkout atomically, a missing branch, folder or password is a
 * clear error with no secret in it, and a failed sync keeps the last good checkout.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GitSyncError, remoteHead, syncRepo } from '@windsock/dag-sources';
import { fixtureRepo, serveGit, type GitHttpServer } from './support/git-http.ts';

let root: string, work: string, open: GitHttpServer, locked: GitHttpServer, repo: ReturnType<typeof fixtureRepo>;
const AUTH = { username: 'bot', password: 'hunter2-secret' };

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'ws-git-srv-'));
  work = await mkdtemp(join(tmpdir(), 'ws-git-sync-'));
  repo = fixtureRepo(root, 'dags');
  repo.commit('dev', { 'dags/a.yaml': 'a: 1\n', 'tools/run.sh': '#!/bin/sh\necho hi\n' });
  open = await serveGit(root);
  locked = await serveGit(root, { auth: AUTH });
});

afterAll(async () => {
  await open?.close();
  await locked?.close();
  await rm(root, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});

const caught = async (p: Promise<unknown>) => { try { await p; } catch (err) { return err as GitSyncError; } throw new Error('expected a failure'); };

describe('git sync', () => {
  it('clones a branch shallowly, then follows it, swapping the checkout', async () => {
    const dir = join(work, 'a');
    const url = `${open.url}/dags.git`;
    const first = await syncRepo({ url, branch: 'dev', dir, subdir: 'dags' });
    expect(first.changed).toBe(true);
    expect(first.commit).toBe(await remoteHead({ url, branch: 'dev' }));
    expect(readdirSync(join(first.path, 'dags'))).toEqual(['a.yaml']);
    expect(statSync(join(first.path, 'tools/run.sh')).mode & 0o111).not.toBe(0);
    const oldTree = realpathSync(first.path);

    expect((await syncRepo({ url, branch: 'dev', dir })).changed).toBe(false);
    const c2 = repo.commit('dev', { 'dags/b.yaml': 'b: 1\n' });
    const second = await syncRepo({ url, branch: 'dev', dir, subdir: 'dags' });
    expect(second).toMatchObject({ commit: c2, changed: true, path: first.path });
    expect(readdirSync(join(second.path, 'dags')).sort()).toEqual(['a.yaml', 'b.yaml']);
    expect(existsSync(oldTree)).toBe(true); // the previous tree stays for readers inside it
    repo.commit('dev', { 'dags/c.yaml': 'c: 1\n' });
    await syncRepo({ url, branch: 'dev', dir });
    expect(existsSync(oldTree)).toBe(false); // the one before is removed
    expect(readdirSync(join(dir, 'trees'))).toHaveLength(2);
  });

  it('says which branch does not exist, and which folder a commit lacks', async () => {
    const url = `${open.url}/dags.git`;
    const err = await caught(syncRepo({ url, branch: 'nope', dir: join(work, 'b') }));
    expect(err).toBeInstanceOf(GitSyncError);
    expect(err.code).toBe('BRANCH_NOT_FOUND');
    expect(err.message).toContain('branch "nope"');
    expect((await caught(remoteHead({ url, branch: 'nope' }))).code).toBe('BRANCH_NOT_FOUND');
    expect((await caught(syncRepo({ url: `${open.url}/missing.git`, branch: 'dev', dir: join(work, 'c') }))).code).toBe('REPO_NOT_FOUND');
    const sub = await caught(syncRepo({ url, branch: 'dev', dir: join(work, 'd'), subdir: 'nothing/here' }));
    expect(sub.code).toBe('SUBDIR_MISSING');
    expect(existsSync(join(work, 'd', 'current'))).toBe(false);
  });

  it('authenticates with credentials, and shows none in its errors', async () => {
    const url = `${locked.url}/dags.git`;
    expect((await caught(syncRepo({ url, branch: 'dev', dir: join(work, 'e') }))).code).toBe('AUTH_FAILED');
    const wrong = await caught(syncRepo({ url, branch: 'dev', dir: join(work, 'e'), auth: { username: 'bot', password: 'wrong-pass' } }));
    expect(wrong.code).toBe('AUTH_FAILED');
    expect(wrong.message).not.toContain('wrong-pass');
    const ok = await syncRepo({ url, branch: 'dev', dir: join(work, 'e'), auth: AUTH });
    expect(readFileSync(join(ok.path, 'dags', 'a.yaml'), 'utf8')).toBe('a: 1\n');
    expect(await remoteHead({ url, branch: 'dev', auth: AUTH })).toBe(ok.commit);
  });

  it('keeps the last good checkout when a sync fails', async () => {
    const dir = join(work, 'f');
    const good = await syncRepo({ url: `${open.url}/dags.git`, branch: 'dev', dir });
    const err = await caught(syncRepo({ url: 'http://127.0.0.1:1/dags.git', branch: 'dev', dir }));
    expect(err.code).toBe('UNREACHABLE');
    expect(realpathSync(good.path)).toContain(good.commit);
    expect(existsSync(join(good.path, 'dags', 'a.yaml'))).toBe(true);
  });
});
