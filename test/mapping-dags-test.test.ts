/**
 * `windsock dags test` of the mapping example equivalents (test/fixtures/airflow-examples) ends in the states Airflow
 * gives: each mapped instance reported with its map_index, the downstream sum right.
 */
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'apps/cli/bin/windsock.js');
const FOLDER = join(ROOT, 'test/fixtures/airflow-examples');

function windsock(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env }, cwd: ROOT, timeout: 100_000 }, (err, stdout, stderr) => {
      res({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

describe('windsock dags test of mapped DAGs', { timeout: 120_000 }, () => {
  it('mapping_literal_sum and mapping_second_order succeed with every mapped instance', async () => {
    const r = await windsock(['dags', 'test', 'mapping_literal_sum', '2024-01-01', '-S', FOLDER, '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { state: string; task_instances: { task_id: string; map_index: number; state: string }[] };
    expect(out.state).toBe('success');
    expect(out.task_instances.map((t) => `${t.task_id}[${t.map_index}]=${t.state}`).sort()).toEqual([
      'plus_one[0]=success', 'plus_one[1]=success', 'plus_one[2]=success', 'total[-1]=success']);
    const text = await windsock(['dags', 'test', 'mapping_literal_sum', '2024-01-02', '-S', FOLDER]);
    expect(text.stdout).toContain('Total was 9');

    const second = await windsock(['dags', 'test', 'mapping_second_order', '2024-01-01', '-S', FOLDER]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/\[SUCCESS\] plus_ten\[2\]/);
    expect(second.stdout).toMatch(/DAG run .* of mapping_second_order: SUCCESS/);
  });
});
