/**
 * Where `dags test` and `tasks test` look for their DAG first: the DAG files whose text contains the dag_id (as
 * Airflow's `dags test` parses only the file it is given). A DAG whose id is built at parse time (a loop, an
 * f-string) is in no such file; the caller then parses the whole folder.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { listDagFiles, type IgnoreSyntax } from '@windsock/dag-parser';

export async function filesMentioning(folder: string, dagId: string, opts: { safeMode: boolean; ignoreSyntax: IgnoreSyntax }): Promise<Set<string>> {
  const files = await listDagFiles(folder, opts);
  const hits = new Set<string>();
  for (const rel of files) {
    try {
      if ((await readFile(join(folder, rel), 'utf8')).includes(dagId)) hits.add(rel);
    } catch { /* gone or unreadable: the full scan reports it if it comes to that */ }
  }
  return hits;
}
