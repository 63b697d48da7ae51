/**
 * Reads every `queued` try as a queue job, for reconciliation: after a restart or a Redis flush, the metastore
 * says what should be on the queue; re-enqueueing is harmless because job ids are per try.
 * Changes nothing. Returns the jobs.
 */
import type { Kysely } from 'kysely';
import type { Database } from '@windsock/metastore';
import type { TaskJob } from '@windsock/queue';

export async function queuedJobs(db: Kysely<Database>): Promise<TaskJob[]> {
  const rows = await db.selectFrom('task_instance')
    .select(['id', 'dag_id', 'task_id', 'run_id', 'map_index', 'try_number', 'queue', 'priority_weight'])
    .where('state', '=', 'queued').execute();
  return rows.map((r) => ({ tiId: r.id, dagId: r.dag_id, taskId: r.task_id, runId: r.run_id, mapIndex: r.map_index, tryNumber: r.try_number, queue: r.queue, priority: r.priority_weight }));
}
