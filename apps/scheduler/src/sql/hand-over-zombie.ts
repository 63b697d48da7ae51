/**
 * Adoption, the scheduler's half: a zombie try (its worker stopped heart-beating) whose executor can adopt —
 * a Kubernetes pod outlives the worker that launched it — goes back `running → queued`, keeping its try_number
 * and external_executor_id, so the worker that claims it adopts the pod instead of starting another one.
 * Guard: `where id = ? and state = 'running' and try_number = ? and (last_heartbeat_at < cutoff or null) and
 * external_executor_id is not null` — a worker that heart-beats in time keeps its try. Writes one log line.
 * Returns the queue job to put the try on, or null when the guard did not match.
 */
import type { Kysely } from 'kysely';
import type { Database } from '@windsock/metastore';
import type { TaskJob } from '@windsock/queue';

export interface ZombieRow {
  id: string; dag_id: string; task_id: string; run_id: string; map_index: number; try_number: number; queue: string; priority_weight: number;
  worker_id: string | null; last_heartbeat_at: Date | null; executor: string | null; external_executor_id: string | null;
}

export async function handOverZombie(db: Kysely<Database>, r: ZombieRow, cutoff: Date, now: Date): Promise<TaskJob | null> {
  return db.transaction().execute(async (trx) => {
    const res = await trx.updateTable('task_instance')
      .set({ state: 'queued', queued_dttm: now, updated_at: now, last_heartbeat_at: null })
      .where('id', '=', r.id).where('state', '=', 'running').where('try_number', '=', r.try_number)
      .where('external_executor_id', 'is not', null)
      .where((eb) => eb.or([eb('last_heartbeat_at', '<', cutoff), eb('last_heartbeat_at', 'is', null)]))
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) return null;
    const seen = r.last_heartbeat_at ? r.last_heartbeat_at.toISOString() : 'never';
    await trx.insertInto('task_log').values({ task_instance_id: r.id, try_number: r.try_number,
      chunk: `Worker ${r.worker_id ?? '?'} stopped heart-beating (last heartbeat: ${seen}). The try runs on as ${r.external_executor_id} (executor ${r.executor}); handing it to another worker to adopt.\n` }).execute();
    return { tiId: r.id, dagId: r.dag_id, taskId: r.task_id, runId: r.run_id, mapIndex: r.map_index, tryNumber: r.try_number, queue: r.queue, priority: r.priority_weight };
  });
}
