import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DagParserConfigError } from '../errors.ts';
import { compilePythonLoaderOptions } from './options.ts';

const root = mkdtempSync(join(tmpdir(), 'windsock-pyopts-'));
const folder = join(root, 'dags');
const file = join(root, 'file.txt');

afterAll(() => rmSync(root, { recursive: true, force: true }));

function configError(input: Parameters<typeof compilePythonLoaderOptions>[0]): DagParserConfigError {
  try {
    compilePythonLoaderOptions(input);
  } catch (err) {
    if (err instanceof DagParserConfigError) return err;
    throw err;
  }
  throw new Error('expected a DagParserConfigError');
}

describe('compilePythonLoaderOptions', () => {
  it('applies the defaults: Airflow 30 s timeout, one worker per core, the Airflow image mount point', () => {
    writeFileSync(file, '');
    symlinkSync(root, folder); // a DAG folder reached through a symlink is mounted by its real path
    const opts = compilePythonLoaderOptions({ dagFolder: folder });
    expect(opts.dagFolder).toBe(root);
    expect(opts.timeoutMs).toBe(30_000);
    expect(opts.poolSize).toBeGreaterThanOrEqual(1);
    expect(opts.mountPoint).toBe('/opt/airflow/dags');
    expect(opts.variables).toBeNull();
  });

  it('normalises units and adds the aliases to the operator registry the normalizer uses', () => {
    const opts = compilePythonLoaderOptions({
      dagFolder: root, timeoutSeconds: 0.5, poolSize: 3,
      operatorAliases: { 'dsp.operators.K8sOperator': 'windsock.operators.K8sOperator' },
    });
    expect(opts.timeoutMs).toBe(500);
    expect(opts.poolSize).toBe(3);
    expect(opts.parserOptions.operators.resolve('dsp.operators.K8sOperator').name).toBe('K8sOperator');
  });

  it('rejects a DAG folder that is missing or not a directory', () => {
    expect(configError({ dagFolder: join(root, 'nope') }).code).toBe('FOLDER_NOT_FOUND');
    expect(configError({ dagFolder: file }).code).toBe('FOLDER_NOT_FOUND');
  });

  it('rejects bad pool sizes, timeouts, aliases and mount points', () => {
    const inputs: Parameters<typeof compilePythonLoaderOptions>[0][] = [
      { dagFolder: root, poolSize: 0 },
      { dagFolder: root, poolSize: 1.5 },
      { dagFolder: root, timeoutSeconds: 0 },
      { dagFolder: root, timeoutSeconds: Number.POSITIVE_INFINITY },
      { dagFolder: root, operatorAliases: { K8sOperator: 'windsock.operators.K8sOperator' } },
      { dagFolder: root, operatorAliases: { 'dsp.operators.K8sOperator': 'windsock.operators.NoSuchOperator' } },
      { dagFolder: root, mountPoint: 'relative/path' },
      { dagFolder: root, mountPoint: '/' },
    ];
    for (const input of inputs) {
      expect(configError(input).code).toBe('INVALID_OPTION');
    }
  });
});
