import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileConfig, silentLogger } from '@windsock/config';
import type * as DagSources from '@windsock/dag-sources';

const heads = vi.hoisted(() => ({ calls: 0, next: 'c1' as string | Error }));
vi.mock('@windsock/dag-sources', async (importOriginal) => ({
  ...(await importOriginal<typeof DagSources>()),
  remoteHead: async () => { heads.calls++; if (heads.next instanceof Error) throw heads.next; return heads.next; },
}));
const { GIT_AUTH_ENV, GIT_SOURCE_ENV, gitLaunchEnv, gitSourceOf, RemoteHeads } = await import('./git-source.ts');

let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'ws-gitsrc-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('git sources of sandboxes', () => {
  it('tells a git source from a folder', () => {
    expect(gitSourceOf({ dag_source: { folder: 'alice/dags' } })).toBeNull();
    expect(gitSourceOf({ dag_source: { git: { url: 'https://h/r.git', branch: 'dev' } } })).toEqual({ url: 'https://h/r.git', branch: 'dev' });
  });

  it('gives the scheduler its branch, sync interval and the credentials of its URL only', () => {
    const file = join(dir, 'creds.yaml');
    writeFileSync(file, 'https://h/: { username: bot, token: s3cret }\n');
    const c = compileConfig({ WINDSOCK__SANDBOXES__GIT_CREDENTIALS_FILE: file, WINDSOCK__SANDBOXES__GIT_SYNC_INTERVAL_SEC: '5' }).sandboxes;
    const env = gitLaunchEnv({ url: 'https://h/r.git', branch: 'dev', subdir: 'dags' }, c);
    expect(JSON.parse(env[GIT_SOURCE_ENV]!)).toEqual({ url: 'https://h/r.git', branch: 'dev', subdir: 'dags' });
    expect(JSON.parse(env[GIT_AUTH_ENV]!)).toEqual({ username: 'bot', password: 's3cret' });
    expect(env['WINDSOCK__SANDBOXES__GIT_SYNC_INTERVAL_SEC']).toBe('5');
    expect(gitLaunchEnv({ url: 'https://other/r.git', branch: 'dev' }, c)).not.toHaveProperty(GIT_AUTH_ENV);
  });

  it('asks the server for a branch head at most every interval, and keeps the last one when it cannot', async () => {
    const c = compileConfig({}).sandboxes;
    const g = { url: 'https://h/r.git', branch: 'dev' };
    const now = vi.spyOn(Date, 'now');
    now.mockReturnValue(1_000_000);
    const r = new RemoteHeads(c, silentLogger, 30_000);
    expect(await r.head('sb', g)).toBe('c1');
    heads.next = 'c2';
    now.mockReturnValue(1_020_000);
    expect(await r.head('sb', g)).toBe('c1'); // 20 s later: not asked again
    expect(heads.calls).toBe(1);
    now.mockReturnValue(1_031_000);
    expect(await r.head('sb', g)).toBe('c2');
    heads.next = new Error('unreachable');
    now.mockReturnValue(1_062_000);
    expect(await r.head('sb', g)).toBe('c2');
    expect(heads.calls).toBe(3);
    now.mockRestore();
  });
});
