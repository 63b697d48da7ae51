/**
 * Claims a queued try for this worker: `queued → running`.
 * Guard: `where id = ? and state = 'queued' and try_number = ?` — two workers can never both run a try, and a
 * stale job (the try was cleared, re-queued or already taken) claims nothing.
 * Returns the claimed task instance joined with its run, or null.
 */
import type { Kysely } from 'kysely';
import type { Database } from '@windsock/metastore';

export async function claimTry(db: Kysely<Database>, tiId: string, tryNumber: number, who: { workerId: string; hostname: string; executor: string }, now: Date) {
  // One round trip: the guarded update and the run it belongs to.
  const row = await db.with('ti', (qb) => qb.updateTable('task_instance')
    .set({ state: 'running', start_date: now, end_date: null, duration: null, worker_id: who.workerId, hostname: who.hostname, executor: who.executor, last_heartbeat_at: now, updated_at: now, pid: process.pid })
    .where('id', '=', tiId).where('state', '=', 'queued').where('try_number', '=', tryNumber)
    .returningAll())
    .selectFrom('ti').innerJoin('dag_run as dr', 'dr.id', 'ti.dag_run_id')
    .selectAll('ti')
    .select(['dr.run_type', 'dr.logical_date', 'dr.data_interval_start', 'dr.data_interval_end', 'dr.conf', 'dr.start_date as run_start_date', 'dr.run_after'])
    .executeTakeFirst();
  if (!row) return null;
  const { run_type, logical_date, data_interval_start, data_interval_end, conf, run_start_date, run_after, ...ti } = row;
  const run = { id: ti.dag_run_id, dag_id: ti.dag_id, run_id: ti.run_id, run_type, logical_date, data_interval_start, data_interval_end, conf, start_date: run_start_date, run_after };
  return { ti, run };
}
