import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileConfig } from '@windsock/config';
import { startEmbedded, type Embedded } from './embedded.ts';

const yamlDag = (id: string) => `${id}:\n  schedule: null\n  default_args:\n    start_date: 2024-01-01\n  tasks:\n    - task_id: t\n      operator: airflow.operators.bash.BashOperator\n      bash_command: "true"\n`;

let root: string;
let cacheDir: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'ws-embedded-'));
  cacheDir = join(root, 'cache');
});
afterAll(async () => { await rm(root, { recursive: true, force: true }); });

async function folder(name: string, files: Record<string, string>): Promise<string> {
  const dir = join(root, name);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  for (const [f, text] of Object.entries(files)) await writeFile(join(dir, f), text);
  return dir;
}

const start = (dagsFolder: string, focusDagId?: string) => startEmbedded({
  config: compileConfig({}), metastore: { kind: 'pglite', dataDir: null, imageCacheDir: cacheDir }, dagsFolder, watch: false, autoStart: false, focusDagId,
});

async function seen(app: Embedded) {
  const dags = (await app.store.db.selectFrom('dag').select('dag_id').orderBy('dag_id').execute()).map((d) => d.dag_id);
  const errors = (await app.store.db.selectFrom('import_error').select('filename').orderBy('filename').execute()).map((e) => e.filename);
  return { dags, errors, python: app.pythonStarted };
}

// Building the image runs initdb: seconds, more on a busy machine.
describe('a throwaway embedded store for one DAG', { timeout: 180_000 }, () => {
  it('parses only the files that mention the DAG, and never starts Python for them', async () => {
    const dir = await folder('focus', {
      'alpha.yaml': yamlDag('alpha'),
      'broken.yaml': 'not: [valid\n',
      // A Python DAG file: parsing it would start Pyodide (and it is not the one asked for).
      'other.py': 'from airflow import DAG\nwith DAG("other"):\n    pass\n',
    });
    const app = await start(dir, 'alpha');
    try {
      expect(await seen(app)).toEqual({ dags: ['alpha'], errors: [], python: false });
    } finally {
      await app.stop();
    }
  });

  it('parses the whole folder when no file holds the DAG, from the image the first store built', async () => {
    const dir = await folder('fallback', { 'alpha.yaml': yamlDag('alpha'), 'beta.yaml': yamlDag('beta'), 'broken.yaml': 'not: [valid\n' });
    const app = await start(dir, 'gamma');
    try {
      expect(app.store.origin).toBe('image'); // the first test built it: no initdb, no migration here
      expect(await seen(app)).toEqual({ dags: ['alpha', 'beta'], errors: ['broken.yaml'], python: false });
    } finally {
      await app.stop();
    }
  });

  it('parses everything without a DAG to focus on', async () => {
    const dir = await folder('all', { 'alpha.yaml': yamlDag('alpha'), 'beta.yaml': yamlDag('beta') });
    const app = await start(dir);
    try {
      expect(await seen(app)).toEqual({ dags: ['alpha', 'beta'], errors: [], python: false });
    } finally {
      await app.stop();
    }
  });
});
