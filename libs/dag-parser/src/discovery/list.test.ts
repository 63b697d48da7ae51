import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DagParserConfigError } from '../errors.ts';
import { listDagFiles } from './list.ts';

const DAG_PY = 'from airflow import DAG\nwith DAG("x") as dag:\n    pass\n';
let root: string;

async function put(rel: string, text = DAG_PY): Promise<void> {
  await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
  await writeFile(path.join(root, rel), text);
}

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'windsock-list-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('listDagFiles', () => {
  it('finds .py, .yaml and .yml files, skipping hidden directories and __pycache__', async () => {
    await put('a.py');
    await put('b.yaml', 'x: {}');
    await put('nested/deep/c.yml', 'x: {}');
    await put('notes.txt', 'airflow dag');
    await put('.git/hooks/d.py');
    await put('__pycache__/e.py');
    await put('pkg/__pycache__/f.py');
    expect(await listDagFiles(root, { safeMode: false, ignoreSyntax: 'regexp' }))
      .toEqual(['a.py', 'b.yaml', 'nested/deep/c.yml']);
  });

  it('in safe mode keeps only .py files mentioning both "airflow" and "dag" (any case)', async () => {
    await put('dag.py', 'from AIRFLOW import Dag');
    await put('helper.py', 'import airflow  # no d-word here');
    await put('util.py', 'def f(): return 1');
    await put('conf.yaml', 'plain: yaml');
    expect(await listDagFiles(root, { safeMode: true, ignoreSyntax: 'regexp' })).toEqual(['conf.yaml', 'dag.py']);
    expect(await listDagFiles(root, { safeMode: false, ignoreSyntax: 'regexp' }))
      .toEqual(['conf.yaml', 'dag.py', 'helper.py', 'util.py']);
  });

  it('applies regexp .airflowignore files to their directory and below', async () => {
    await put('.airflowignore', 'project_a\n# comment\ntenant_[\\d]\n');
    await put('project_a_dag.py');
    await put('project_a/dag.py');
    await put('tenant_1/dag.py');
    await put('keep.py');
    await put('sub/.airflowignore', 'skip_me');
    await put('sub/skip_me.py');
    await put('sub/keep_me.py');
    await put('other/skip_me.py');
    expect(await listDagFiles(root, { safeMode: false, ignoreSyntax: 'regexp' }))
      .toEqual(['keep.py', 'other/skip_me.py', 'sub/keep_me.py']);
  });

  it('applies glob .airflowignore files with gitignore semantics', async () => {
    await put('.airflowignore', '*_test.py\n/top_only.py\nscratch/\n');
    await put('a_test.py');
    await put('deep/b_test.py');
    await put('top_only.py');
    await put('deep/top_only.py');
    await put('scratch/x.py');
    await put('deep/scratch/y.py');
    await put('proj/.airflowignore', 'build/*.py\n!build/keep.py\n');
    await put('proj/build/gen.py');
    await put('proj/build/keep.py');
    await put('build/gen.py');
    expect(await listDagFiles(root, { safeMode: false, ignoreSyntax: 'glob' }))
      .toEqual(['build/gen.py', 'deep/top_only.py', 'proj/build/keep.py']);
  });

  it('follows symlinks but walks a directory only once (no loop)', async () => {
    await put('real/a.py');
    await symlink(path.join(root, 'real'), path.join(root, 'linked'));
    await symlink(root, path.join(root, 'real', 'loop'));
    await symlink(path.join(root, 'missing.py'), path.join(root, 'dangling.py'));
    const warnings: string[] = [];
    const files = await listDagFiles(root, { safeMode: false, ignoreSyntax: 'regexp', onWarning: (m) => warnings.push(m) });
    expect(files).toEqual(['linked/a.py']);
    expect(warnings.some((w) => w.includes('already walked'))).toBe(true);
  });

  it('fails with FOLDER_NOT_FOUND for a missing folder', async () => {
    await expect(listDagFiles(path.join(root, 'nope'), { safeMode: true, ignoreSyntax: 'glob' }))
      .rejects.toSatisfy((e) => e instanceof DagParserConfigError && e.code === 'FOLDER_NOT_FOUND');
  });
});
