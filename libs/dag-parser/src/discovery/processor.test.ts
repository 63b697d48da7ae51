import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { SerializedDag } from '@windsock/dag-model';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FileParseResult } from '../declaration.ts';
import type { DagFileLoader } from '../loader.ts';
import { DagFolderProcessor, type ScanResult } from './processor.ts';

let root: string;
const stops: (() => void)[] = [];

async function put(rel: string, text: string): Promise<void> {
  await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
  await writeFile(path.join(root, rel), text);
}

/** A loader whose file text is "dag:<id>[,<id>...]" or "throw", recording what it was asked to load. */
function fakeLoader(): DagFileLoader & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async load(relPath: string, text: string): Promise<FileParseResult> {
      calls.push(relPath);
      if (text.startsWith('throw')) throw new Error('loader exploded');
      if (!text.startsWith('dag:')) {
        return { ok: false, fileloc: relPath, error: { filename: relPath, line: 1, message: 'not a dag', stacktrace: '' } };
      }
      const dags = text.slice(4).trim().split(',').map((id) => ({ dag_id: id }) as SerializedDag);
      return { ok: true, fileloc: relPath, dags };
    },
  };
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const summary = (r: ScanResult) => ({
  changed: r.changed.map((c) => c.fileloc), deleted: r.deleted, unchanged: r.unchanged,
});

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'windsock-proc-'));
});
afterEach(async () => {
  while (stops.length) stops.pop()!();
  await rm(root, { recursive: true, force: true });
});

describe('DagFolderProcessor.scan', () => {
  it('parses new and changed files only, by content hash, and reports a deletion once', async () => {
    const loader = fakeLoader();
    const proc = new DagFolderProcessor({ folder: root, loaders: { '.py': loader }, safeMode: false });
    await put('a.py', 'dag:a');
    await put('b.py', 'dag:b');

    const first = await proc.scan();
    expect(summary(first)).toEqual({ changed: ['a.py', 'b.py'], deleted: [], unchanged: [] });
    expect(first.changed[0]).toMatchObject({ ok: true, contentHash: sha256('dag:a') });

    expect(summary(await proc.scan())).toEqual({ changed: [], deleted: [], unchanged: ['a.py', 'b.py'] });

    await put('b.py', 'dag:b2');
    await put('c.py', 'dag:c');
    await unlink(path.join(root, 'a.py'));
    const third = await proc.scan();
    expect(summary(third)).toEqual({ changed: ['b.py', 'c.py'], deleted: ['a.py'], unchanged: [] });
    expect(third.changed[0]).toMatchObject({ contentHash: sha256('dag:b2') });

    expect(summary(await proc.scan())).toEqual({ changed: [], deleted: [], unchanged: ['b.py', 'c.py'] });
    expect(loader.calls).toEqual(['a.py', 'b.py', 'b.py', 'c.py']);
  });

  it('rewriting a file with the same bytes is not a change', async () => {
    const loader = fakeLoader();
    const proc = new DagFolderProcessor({ folder: root, loaders: { '.py': loader }, safeMode: false });
    await put('a.py', 'dag:a');
    await proc.scan();
    await put('a.py', 'dag:a');
    expect(summary(await proc.scan())).toEqual({ changed: [], deleted: [], unchanged: ['a.py'] });
  });

  it('turns a loader exception into that file\'s import error and still loads the others', async () => {
    const proc = new DagFolderProcessor({ folder: root, loaders: { '.py': fakeLoader() }, safeMode: false });
    await put('bad.py', 'throw');
    await put('good.py', 'dag:good');
    const r = await proc.scan();
    const bad = r.changed.find((c) => c.fileloc === 'bad.py')!;
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.error).toMatchObject({ filename: 'bad.py', code: 'LOADER_FAILED' });
      expect(bad.error.message).toContain('loader exploded');
    }
    expect(r.changed.find((c) => c.fileloc === 'good.py')).toMatchObject({ ok: true });
  });

  it('honours safe mode and .airflowignore, and skips extensions without a loader', async () => {
    const loader = fakeLoader();
    const proc = new DagFolderProcessor({ folder: root, loaders: { '.py': loader, '.yaml': loader }, safeMode: true,
      ignoreSyntax: 'glob' });
    await put('.airflowignore', 'ignored.yaml\n');
    await put('plain.py', 'dag:x');
    await put('both.py', 'dag:y # airflow');
    await put('ignored.yaml', 'dag:z');
    await put('kept.yaml', 'dag:k');
    expect(summary(await proc.scan()).changed).toEqual(['both.py', 'kept.yaml']);
    expect(loader.calls).toEqual(['both.py', 'kept.yaml']);

    const yamlOnly = new DagFolderProcessor({ folder: root, safeMode: false });
    expect(summary(await yamlOnly.scan()).changed).toEqual(['kept.yaml']);
  });

  it('rejects a dag_id already defined by another file, and recovers when that file drops it', async () => {
    const proc = new DagFolderProcessor({ folder: root, loaders: { '.py': fakeLoader() }, safeMode: false });
    await put('a.py', 'dag:shared');
    await put('b.py', 'dag:shared,own');
    const r = await proc.scan();
    const b = r.changed.find((c) => c.fileloc === 'b.py')!;
    expect(b.ok ? null : b.error.code).toBe('DUPLICATE_DAG_ID');
    await put('a.py', 'dag:renamed');
    const again = await proc.scan();
    expect(again.changed.map((c) => [c.fileloc, c.ok])).toEqual([['a.py', true], ['b.py', true]]);
  });

  it('gives a contested dag_id to the file seedOwners names (who held it before a restart), reporting in path order', async () => {
    const proc = new DagFolderProcessor({ folder: root, loaders: { '.py': fakeLoader() }, safeMode: false });
    await put('a.py', 'dag:shared');
    await put('b.py', 'dag:shared');
    proc.seedOwners(['b.py']);
    const r = await proc.scan();
    expect(r.changed.map((c) => [c.fileloc, c.ok ? 'ok' : c.error.code])).toEqual([['a.py', 'DUPLICATE_DAG_ID'], ['b.py', 'ok']]);
    const a = r.changed[0]!;
    expect(a.ok ? '' : a.error.message).toContain('b.py');
  });

  it('parses only the files `include` accepts, and never calls the .py loader for a YAML-only folder', async () => {
    const py = fakeLoader();
    await put('a.yaml', 'a:\n  tasks: []\n');
    await put('b.yaml', 'b:\n  tasks: []\n');
    const onlyYaml = new DagFolderProcessor({ folder: root, loaders: { '.py': py }, safeMode: false });
    expect(summary(await onlyYaml.scan()).changed).toEqual(['a.yaml', 'b.yaml']);
    expect(py.calls).toEqual([]); // the Python loader (Pyodide) is only reached through a .py file

    await put('c.py', 'dag:c');
    const focused = new DagFolderProcessor({ folder: root, loaders: { '.py': py }, safeMode: false, include: (f) => f === 'b.yaml' });
    expect(summary(await focused.scan())).toEqual({ changed: ['b.yaml'], deleted: [], unchanged: [] });
    expect(py.calls).toEqual([]);
  });

  it('parses YAML files with the built-in loader', async () => {
    const proc = new DagFolderProcessor({ folder: root, loaders: {} });
    await put('broken.yaml', 'a: [1,\n');
    const r = await proc.scan();
    expect(r.changed).toHaveLength(1);
    expect(r.changed[0]!.ok ? null : r.changed[0]!.error.code).toBe('YAML_SYNTAX');
  });
});

describe('DagFolderProcessor.watch', () => {
  it('re-scans when a file is edited and reports the change', async () => {
    const loader = fakeLoader();
    const proc = new DagFolderProcessor({ folder: root, loaders: { '.py': loader }, safeMode: false,
      rescanIntervalMs: 60_000, debounceMs: 20 });
    await put('sub/a.py', 'dag:a');
    await proc.scan();
    const seen = new Promise<ScanResult>((resolve) => stops.push(proc.watch(resolve)));
    await put('sub/a.py', 'dag:a,b');
    const result = await seen;
    expect(summary(result)).toEqual({ changed: ['sub/a.py'], deleted: [], unchanged: [] });
    expect(result.changed[0]!.ok && result.changed[0]!.dags.map((d) => d.dag_id)).toEqual(['a', 'b']);
  });

  it('falls back to the periodic scan when events do not come', async () => {
    const proc = new DagFolderProcessor({ folder: root, loaders: { '.py': fakeLoader() }, safeMode: false,
      rescanIntervalMs: 30, debounceMs: 10_000 });
    await proc.scan();
    const seen = new Promise<ScanResult>((resolve) => stops.push(proc.watch(resolve)));
    await put('new.py', 'dag:n');
    expect(summary(await seen).changed).toEqual(['new.py']);
  });
});

describe('hostile files', () => {
  it('refuses a symlink out of the DAG folder without reading it or naming its target', async () => {
    const outside = await mkdtemp(path.join(tmpdir(), 'windsock-outside-'));
    try {
      await writeFile(path.join(outside, 'secret.yaml'), 'canary-secret-on-disk: 1\n');
      await symlink(path.join(outside, 'secret.yaml'), path.join(root, 'leak.yaml'));
      await symlink(path.join(outside, 'secret.yaml'), path.join(root, 'leak.py'));
      await put('good.py', 'dag:good');
      const loader = fakeLoader();
      const p = new DagFolderProcessor({ folder: root, loaders: { '.py': loader }, safeMode: false });
      const first = await p.scan();
      const leak = first.changed.filter((c) => c.fileloc.startsWith('leak.'));
      expect(leak.map((c) => (c.ok ? 'ok' : c.error.code))).toEqual(['OUTSIDE_DAG_FOLDER', 'OUTSIDE_DAG_FOLDER']);
      expect(JSON.stringify(first)).not.toContain(outside);
      expect(JSON.stringify(first)).not.toContain('canary');
      expect(loader.calls).toEqual(['good.py']);
      expect((await p.scan()).unchanged).toEqual(['good.py', 'leak.py', 'leak.yaml']);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it('sanitizes what a loader returns: NUL, lone surrogates, a huge message', async () => {
    const loader: DagFileLoader = {
      async load(relPath) {
        return { ok: false, fileloc: relPath, error: { filename: relPath, line: 1, message: `bad\0\uD800${'x'.repeat(100_000)}`, stacktrace: '\0' } };
      },
    };
    await put('nul.py', 'whatever');
    const p = new DagFolderProcessor({ folder: root, loaders: { '.py': loader }, safeMode: false });
    const [r] = (await p.scan()).changed;
    if (!r || r.ok) throw new Error('expected an import error');
    expect(r.error.message.startsWith('bad\\x00\uFFFDxxx')).toBe(true);
    expect(r.error.message).toContain('truncated');
    expect(r.error.message.length).toBeLessThan(5000);
    expect(r.error.stacktrace).toBe('\\x00');
  });
});
