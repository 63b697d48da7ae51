import { describe, expect, it } from 'vitest';
import { absolute, createBody, type Sandbox } from './sandboxes.ts';

describe('sandboxes create: the request body of the contract', () => {
  it('a folder on the server (sent as written), TTL in seconds, node group, only the quota given', () => {
    expect(createBody('alice-dev', { dags: 'alice/dags', ttl: '8h', nodeGroup: 'cpu_intensive_1', cpu: '4', pods: '20' })).toEqual({
      name: 'alice-dev', dag_source: { folder: 'alice/dags' }, ttl_seconds: 28_800, node_group: 'cpu_intensive_1', quota: { cpu: '4', pods: 20 },
    });
  });

  it('a Git source with branch and subdir, an owner; no quota key without quota flags', () => {
    expect(createBody('x1', { gitUrl: 'https://git/r.git', branch: 'dev', subdir: 'dags', owner: 'bob', memory: undefined })).toEqual({
      name: 'x1', owner: 'bob', dag_source: { git: { url: 'https://git/r.git', branch: 'dev', subdir: 'dags' } },
    });
  });

  it('usage errors: both sources, neither, a bad name, a bad count', () => {
    const code = (f: () => unknown) => { try { f(); } catch (e) { return [(e as { exitCode?: number }).exitCode, (e as Error).message]; } return null; };
    expect(code(() => createBody('a', { dags: '/d', gitUrl: 'u' }))).toEqual([2, 'give --dags FOLDER or --git-url URL, not both']);
    expect(code(() => createBody('a', {}))?.[0]).toBe(2);
    expect(code(() => createBody('Alice_Dev', { dags: '/d' }))?.[1]).toMatch(/lowercase letters, digits and dashes/);
    expect(code(() => createBody('a', { dags: '/d', gpu: '1.5' }))).toEqual([2, '--gpu must be a whole number (got "1.5")']);
  });

  it('URLs are made absolute on the Windsock\'s URL', () => {
    const sb = { name: 'a', api_url: '/sandboxes/a/api/v2', ui_url: '/sandboxes/a/' } as Sandbox;
    expect(absolute(sb, 'https://w.example.com/base')).toMatchObject({ api_url: 'https://w.example.com/base/sandboxes/a/api/v2', ui_url: 'https://w.example.com/base/sandboxes/a/' });
  });
});
