/**
 * Adoption, the shutting-down worker's half: a try this worker still runs when its shutdown grace period ends,
 * on an executor that can adopt (the pod runs on without the worker), goes back `running → queued`, keeping its
 * try_number and external_executor_id, so the worker that claims it next adopts the pod instead of starting
 * another one. Writes one log line.
 * Guard: `where id = ? and state = 'running' and try_number = ? and worker_id = ?` — only this worker's own try, and
 * not one a user marked or cleared meanwhile.
 * Returns true when the try was handed over.
 */
import type { Kysely } from 'kysely';
import type { Database } from '@windsock/metastore';

export async function handOverTry(db: Kysely<Database>, t: { tiId: string; tryNumber: number; workerId: string; externalId: string; executor: string }, now: Date): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const res = await trx.updateTable('task_instance')
      .set({ state: 'queued', queued_dttm: now, updated_at: now, last_heartbeat_at: null, external_executor_id: t.externalId })
      .where('id', '=', t.tiId).where('state', '=', 'running').where('try_number', '=', t.tryNumber).where('worker_id', '=', t.workerId)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) return false;
    await trx.insertInto('task_log').values({ task_instance_id: t.tiId, try_number: t.tryNumber,
      chunk: `Worker ${t.workerId} is shutting down; the try runs on as ${t.externalId} (executor ${t.executor}) and is handed to another worker to adopt.\n` }).execute();
    return true;
  });
}
