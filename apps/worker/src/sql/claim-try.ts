/**
 * Claims a queued try for this worker: `queued → running`.
 * Guard: `where id = ? and state = 'queued' and try_number = ?` — two workers can never both run a try, and a
 * stale job (the try was cleared, re-queued or already taken) claims nothing.
 * Returns the claimed task instance joined with its run, or null.
 */
import type { Kysely } from 'kysely';
import type { Database } from '@windsock/metastore';

export async function claimTry(db: Kysely<Database>, tiId: string, tryNumber: number, who: { workerId: string; hostname: string; executor: string }, now: Date) {
  const ti = await db.updateTable('task_instance')
    .set({ state: 'running', start_date: now, end_date: null, duration: null, worker_id: who.workerId, hostname: who.hostname, executor: who.executor, last_heartbeat_at: now, updated_at: now, pid: process.pid })
    .where('id', '=', tiId).where('state', '=', 'queued').where('try_number', '=', tryNumber)
    .returningAll().executeTakeFirst();
  if (!ti) return null;
  const run = await db.selectFrom('dag_run').selectAll().where('id', '=', ti.dag_run_id).executeTakeFirstOrThrow();
  return { ti, run };
}
