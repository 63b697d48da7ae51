import { describe, expect, it } from 'vitest';
import { compileConfig, configToEnv } from '@windsock/config';
import { compileDagSources, DagSourceConfigError } from './spec.ts';

describe('compileDagSources', () => {
  it('takes a list or a mapping, as JSON text or parsed YAML, with defaults', () => {
    const list = compileDagSources(JSON.stringify([
      { name: 'team-a', git: 'https://git.example.com/a.git', subdir: './dags/', sync_interval_sec: 2 },
      { name: 'team-b', git: 'https://git.example.com/b.git', tag: 'v1.2' },
      { name: 'team-c', folder: '.sources/team-c/current' },
    ]), 30);
    expect(list).toEqual([
      { kind: 'git', name: 'team-a', url: 'https://git.example.com/a.git', branch: 'main', subdir: 'dags', intervalMs: 2000 },
      { kind: 'git', name: 'team-b', url: 'https://git.example.com/b.git', branch: 'main', tag: 'v1.2', subdir: '', intervalMs: 30_000 },
      { kind: 'folder', name: 'team-c', path: '.sources/team-c/current', subdir: '', intervalMs: 30_000 },
    ]);
    expect(compileDagSources({ x: { git: 'https://h/x.git', branch: 'dev' } }, 10)).toEqual([
      { kind: 'git', name: 'x', url: 'https://h/x.git', branch: 'dev', subdir: '', intervalMs: 10_000 },
    ]);
    expect(compileDagSources('', 30)).toEqual([]);
  });

  it('reads [dag_sources] sources as a YAML list in the config file, and passes it on as JSON', () => {
    const cfg = compileConfig({}, 'dag_sources:\n  sources:\n    - name: a\n      git: https://h/a.git\n      tag: v1\n    - {name: b, folder: x}\n');
    expect(compileDagSources(cfg.dag_sources.sources, 30).map((s) => [s.name, s.kind])).toEqual([['a', 'git'], ['b', 'folder']]);
    const again = compileConfig(configToEnv(cfg));
    expect(again.dag_sources.sources).toBe(cfg.dag_sources.sources);
  });

  it('refuses what cannot work, naming the source and the field', () => {
    const bad = (v: unknown) => { try { compileDagSources(v, 30); } catch (e) { expect(e).toBeInstanceOf(DagSourceConfigError); return (e as Error).message; } throw new Error('accepted'); };
    expect(bad('{nope')).toContain('not valid JSON');
    expect(bad([{ name: '../x', git: 'https://h/x.git' }])).toContain('name must be');
    expect(bad([{ name: 'a', git: 'https://h/a.git' }, { name: 'a', folder: 'x' }])).toContain('two sources have this name');
    expect(bad([{ name: 'a', git: 'https://u:p@h/a.git' }])).toContain('credentials');
    expect(bad([{ name: 'a', git: 'file:///etc' }])).toContain('not supported');
    expect(bad([{ name: 'a', git: 'https://h/a.git', branch: 'x', tag: 'y' }])).toContain('not both');
    expect(bad([{ name: 'a', git: 'https://h/a.git', subdir: '../up' }])).toContain('subdir');
    expect(bad([{ name: 'a', folder: 'x', branch: 'main' }])).toContain('no branch');
    expect(bad([{ name: 'a' }])).toContain('either git');
    expect(bad([{ name: 'a', git: 'https://h/a.git', sync_interval_sec: 0 }])).toContain('sync_interval_sec');
    expect(bad([{ name: 'a', git: 'https://h/a.git', colour: 'red' }])).toContain('unknown key');
  });
});
