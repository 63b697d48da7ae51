/**
 * `[scheduler] task_queued_timeout`: a try `queued` for longer than the timeout (no worker took it — none listens
 * on its queue, or its pod could never start) is failed, or set up for retry when it has tries left, as Airflow
 * does, with a line in the try's log saying why.
 * Guard: `where id = ? and state = 'queued' and try_number = ? and queued_dttm < cutoff` — a worker that claims it
 * meanwhile wins, and a try queued again since is left alone. Returns the tries handled.
 */
import type { Kysely } from 'kysely';
import { recordHistory, type Database, type DagCache } from '@windsock/metastore';
import { failedTryOutcome } from '@windsock/dag-model';

export interface StuckQueuedHandled { tiId: string; dagRunId: number; dagId: string; runId: string; taskId: string; tryNumber: number; state: 'failed' | 'up_for_retry' }

export async function failStuckQueued(db: Kysely<Database>, dags: DagCache, cutoff: Date, timeoutS: number, now: Date): Promise<StuckQueuedHandled[]> {
  const rows = await db.selectFrom('task_instance as ti').innerJoin('dag_run as dr', 'dr.id', 'ti.dag_run_id')
    .select(['ti.id', 'ti.dag_run_id', 'ti.dag_id', 'ti.run_id', 'ti.task_id', 'ti.try_number', 'ti.max_tries', 'ti.queue', 'dr.logical_date', 'dr.run_after'])
    .where('ti.state', '=', 'queued').where('ti.queued_dttm', '<', cutoff)
    .limit(500).execute();
  const handled: StuckQueuedHandled[] = [];
  for (const r of rows) {
    const task = (await dags.get(r.dag_id))?.tasks.get(r.task_id);
    const { state, retryAt } = failedTryOutcome(task, { dagId: r.dag_id, taskId: r.task_id, logicalDate: r.logical_date ?? r.run_after, tryNumber: r.try_number, maxTries: r.max_tries }, now);
    const done = await db.transaction().execute(async (trx) => {
      const res = await trx.updateTable('task_instance')
        .set({ state, end_date: now, next_retry_at: retryAt, updated_at: now })
        .where('id', '=', r.id).where('state', '=', 'queued').where('try_number', '=', r.try_number).where('queued_dttm', '<', cutoff)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) return false;
      await trx.insertInto('task_log').values({ task_instance_id: r.id, try_number: r.try_number,
        chunk: `Task was in queued state for longer than ${timeoutS} s ([scheduler] task_queued_timeout): no worker on queue "${r.queue}" started it. Marking task as ${state.toUpperCase()}.\n` }).execute();
      await recordHistory(trx, r.id, now);
      return true;
    });
    if (done) handled.push({ tiId: r.id, dagRunId: r.dag_run_id, dagId: r.dag_id, runId: r.run_id, taskId: r.task_id, tryNumber: r.try_number, state });
  }
  return handled;
}
