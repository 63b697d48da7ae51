/**
 * Parsing the Airflow-example equivalents (test/fixtures/airflow-examples) with one Python loader per test file:
 * `parse(file)` gives the file's DAGs by id (an import error throws, naming the file), `load` the raw result (for
 * files that must fail), `task(dag, id)` one task.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { SerializedDag, SerializedTask } from '@windsock/dag-model';
import { PythonDagLoader, type FileParseResult } from '@windsock/dag-parser';
import { TEST_SNAPSHOT_DIR } from './snapshots.ts';

export const EXAMPLES_FOLDER = resolve(import.meta.dirname, '../fixtures/airflow-examples');

/** Call inside a `describe`: the loader starts before its tests and closes after them. */
export function examplesParser(): {
  parse(file: string, source?: string): Promise<Record<string, SerializedDag>>;
  load(file: string, source: string): Promise<FileParseResult>;
  task(d: SerializedDag, id: string): SerializedTask;
} {
  let loader: PythonDagLoader;
  beforeAll(() => { loader = new PythonDagLoader({ dagFolder: EXAMPLES_FOLDER, poolSize: 1, snapshotDir: TEST_SNAPSHOT_DIR }); }, 120_000);
  afterAll(async () => { await loader?.close(); });
  return {
    load: (file, source) => loader.load(file, source),
    async parse(file, source = readFileSync(resolve(EXAMPLES_FOLDER, file), 'utf8')) {
      const r = await loader.load(file, source);
      if (!r.ok) throw new Error(`${file}: ${r.error.message}`);
      return Object.fromEntries(r.dags.map((d) => [d.dag_id, d]));
    },
    task(d, id) {
      const t = d.tasks.find((x) => x.task_id === id);
      if (!t) throw new Error(`no task ${id} in ${d.dag_id}`);
      return t;
    },
  };
}
