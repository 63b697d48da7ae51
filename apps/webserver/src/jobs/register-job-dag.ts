/**
 * Makes sure the built-in DAG of a kind of job (dag-model's jobs.ts) is in the metastore, active, unpaused and at
 * this release's version, before a job's run is inserted: its `dag` row (inserted, or set active and unpaused) and
 * its `serialized_dag` row (written only when its hash differs).
 * Guard: both are upserts on the primary key, so concurrent submissions (and several webservers) converge.
 * Returns the DAG's hash, which the run records.
 */
import { createHash } from 'node:crypto';
import { jobDag, type JobKind } from '@windsock/dag-model';
import type { WebDb } from '../types.ts';

export async function registerJobDag(db: WebDb, kind: JobKind, now = new Date()): Promise<{ dagId: string; hash: string; dag: ReturnType<typeof jobDag> }> {
  const dag = jobDag(kind);
  const data = JSON.stringify(dag);
  const hash = createHash('sha256').update(data).digest('hex').slice(0, 32);
  await db.insertInto('dag').values({
    dag_id: dag.dag_id, fileloc: dag.fileloc, is_active: true, is_paused: false, last_parsed_time: now, owners: dag.owners.join(', '),
    description: dag.description, timetable_summary: null, timetable_description: 'Never, external triggers only',
    max_active_tasks: dag.max_active_tasks, max_active_runs: dag.max_active_runs, max_consecutive_failed_dag_runs: 0,
    has_import_errors: false, dag_hash: hash,
  }).onConflict((oc) => oc.column('dag_id').doUpdateSet({ fileloc: dag.fileloc, is_active: true, is_paused: false, dag_hash: hash, has_import_errors: false })).execute();
  await db.insertInto('serialized_dag').values({ dag_id: dag.dag_id, fileloc: dag.fileloc, data, dag_hash: hash, last_updated: now })
    .onConflict((oc) => oc.column('dag_id').doUpdateSet({ fileloc: dag.fileloc, data, dag_hash: hash, last_updated: now })
      .where('serialized_dag.dag_hash', '<>', hash)).execute();
  const tags = dag.tags.map((name) => ({ name, dag_id: dag.dag_id }));
  if (tags.length) await db.insertInto('dag_tag').values(tags).onConflict((oc) => oc.doNothing()).execute();
  return { dagId: dag.dag_id, hash, dag };
}
