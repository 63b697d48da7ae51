/**
 * Reads what `dags test` and `tasks test` print about a run: the run, its task instances (those of `taskIds` when
 * given) by start, and the log of each one's latest try.
 * Guard: none (reads). Returns the rows as stored.
 */
import type { Kysely } from 'kysely';
import type { Database } from '@windsock/metastore';

export async function readRunForReport(db: Kysely<Database>, dagRunId: number, taskIds?: string[]) {
  const run = await db.selectFrom('dag_run').selectAll().where('id', '=', dagRunId).executeTakeFirstOrThrow();
  const tis = await db.selectFrom('task_instance').selectAll().where('dag_run_id', '=', dagRunId)
    .$if(taskIds !== undefined, (q) => q.where('task_id', 'in', taskIds!))
    .orderBy('start_date', (ob) => ob.asc().nullsLast()).orderBy('task_id').orderBy('map_index').execute();
  return { run, tis };
}

export async function readTryLog(db: Kysely<Database>, tiId: string, tryNumber: number): Promise<string> {
  const chunks = await db.selectFrom('task_log').select('chunk').where('task_instance_id', '=', tiId).where('try_number', '=', tryNumber).orderBy('id').execute();
  return chunks.map((c) => c.chunk).join('');
}
