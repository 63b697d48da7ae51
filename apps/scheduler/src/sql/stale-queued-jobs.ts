/**
 * Reconciliation: the tries the metastore says are `queued` since before `queuedBefore`, as queue jobs. A job can
 * be lost (Redis flushed or restarted, a scheduler killed between its commit and its enqueue, a worker whose claim
 * failed); putting every such try back on the queue is harmless because job ids are per try and an existing job
 * makes the enqueue a no-op. The cutoff spares the tries a scheduler is enqueueing this very moment.
 * Changes nothing. Returns the jobs, oldest first, at most `limit`.
 */
import type { Kysely } from 'kysely';
import type { Database } from '@windsock/metastore';
import type { TaskJob } from '@windsock/queue';

export async function staleQueuedJobs(db: Kysely<Database>, queuedBefore: Date, limit = 10_000): Promise<TaskJob[]> {
  const rows = await db.selectFrom('task_instance')
    .select(['id', 'dag_id', 'task_id', 'run_id', 'map_index', 'try_number', 'queue', 'priority_weight'])
    .where('state', '=', 'queued')
    .where((eb) => eb.or([eb('queued_dttm', '<', queuedBefore), eb('queued_dttm', 'is', null)]))
    .orderBy('queued_dttm').limit(limit).execute();
  return rows.map((r) => ({ tiId: r.id, dagId: r.dag_id, taskId: r.task_id, runId: r.run_id, mapIndex: r.map_index, tryNumber: r.try_number, queue: r.queue, priority: r.priority_weight }));
}
