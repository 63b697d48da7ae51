/**
 * Claims tries for this worker: `queued → running`, or, for a follow-on (a downstream task instance the worker
 * starts itself when a try ends, see follow-on.ts), `none → running` with its try number counted up as the
 * scheduler would have when it scheduled it.
 * Guard: `where (id, try_number) matches and state = 'queued'` (or `state is null`) per try — two workers can never
 * both run a try, and a stale job (the try was cleared, re-queued or already taken) claims nothing.
 * Returns the claimed task instances joined with their runs.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '@windsock/metastore';
import { MomentBatcher } from '@windsock/dag-model';

export interface Claimant { workerId: string; hostname: string; executor: string }

/** One round trip for any number of tries: the guarded update and the runs they belong to. */
export async function claimTries(db: Kysely<Database>, tries: { tiId: string; tryNumber: number }[], who: Claimant, now: Date, from: 'queued' | 'none' = 'queued') {
  if (tries.length === 0) return [];
  const rows = await db.with('ti', (qb) => qb.updateTable('task_instance')
    .set({ state: 'running', start_date: now, end_date: null, duration: null, worker_id: who.workerId, hostname: who.hostname, executor: who.executor, last_heartbeat_at: now, updated_at: now, pid: process.pid })
    .$if(from === 'none', (u) => u.set({ try_number: sql`try_number + 1`, scheduled_dttm: now, queued_dttm: now, next_retry_at: null, external_executor_id: null }))
    .where('id', 'in', tries.map((t) => t.tiId))
    .$if(from === 'queued', (u) => u.where('state', '=', 'queued'))
    .$if(from === 'none', (u) => u.where('state', 'is', null))
    .where((eb) => eb(eb.refTuple('id', 'try_number'), 'in', tries.map((t) => eb.tuple(t.tiId, t.tryNumber))))
    .returningAll())
    .selectFrom('ti').innerJoin('dag_run as dr', 'dr.id', 'ti.dag_run_id')
    .selectAll('ti')
    .select(['dr.run_type', 'dr.logical_date', 'dr.data_interval_start', 'dr.data_interval_end', 'dr.conf', 'dr.start_date as run_start_date', 'dr.run_after'])
    .execute();
  return rows.map((row) => {
    const { run_type, logical_date, data_interval_start, data_interval_end, conf, run_start_date, run_after, ...ti } = row;
    const run = { id: ti.dag_run_id, dag_id: ti.dag_id, run_id: ti.run_id, run_type, logical_date, data_interval_start, data_interval_end, conf, start_date: run_start_date, run_after };
    return { ti, run };
  });
}

export type Claimed = Awaited<ReturnType<typeof claimTries>>[number];

/**
 * Gathers the claims a worker's job handlers make in the same moment into one statement: under load (a wave of
 * tasks becoming ready at once) that is one round trip instead of one per task; alone, a claim waits only for the
 * end of the current event-loop turn.
 */
export class ClaimBatcher {
  private readonly batcher: MomentBatcher<{ tiId: string; tryNumber: number }, Claimed | null>;

  constructor(db: Kysely<Database>, who: Claimant) {
    // Claims made in the same turn of the event loop share a statement: BullMQ hands jobs out one at a time, so a
    // microtask would gather only one (claims were one statement per task, and the worker's main cost).
    this.batcher = new MomentBatcher(async (tries) => {
      const claimed = await claimTries(db, tries, who, new Date());
      const byKey = new Map(claimed.map((c) => [`${c.ti.id}#${c.ti.try_number}`, c]));
      return (t) => byKey.get(`${t.tiId}#${t.tryNumber}`) ?? null;
    }, setImmediate);
  }

  claim(tiId: string, tryNumber: number): Promise<Claimed | null> { return this.batcher.add({ tiId, tryNumber }); }
}
