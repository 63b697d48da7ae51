/**
 * What a sandbox's own tables say about it, read from the control plane's connection with the schema named:
 * whether work is in flight, when its next scheduled run is due, and its scheduler's latest heartbeat.
 * Changes nothing.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '@windsock/metastore';

export interface SandboxActivity { busy: boolean; nextDueAt: Date | null; schedulerBeatAt: Date | null; dags: number }

const ACTIVE_TI: string[] = ['queued', 'running', 'scheduled', 'up_for_retry', 'up_for_reschedule', 'deferred', 'restarting'];

export async function sandboxActivity(db: Kysely<Database>, schema: string): Promise<SandboxActivity> {
  const s = db.withSchema(schema);
  const row = await s.selectNoFrom((eb) => [
    eb.exists(s.selectFrom('task_instance').select(sql.lit(1).as('x')).where('state', 'in', ACTIVE_TI as never)).as('ti'),
    eb.exists(s.selectFrom('dag_run').select(sql.lit(1).as('x')).where('state', 'in', ['queued', 'running'])).as('runs'),
    s.selectFrom('dag').select((f) => f.fn.min('next_dagrun_create_after').as('d')).where('is_paused', '=', false).where('is_active', '=', true).as('due'),
    s.selectFrom('job').select((f) => f.fn.max('latest_heartbeat').as('b')).where('job_type', '=', 'scheduler').where('state', '=', 'running').as('beat'),
    s.selectFrom('dag').select(sql<number>`count(*)::int`.as('n')).where('is_active', '=', true).as('dags'),
  ]).executeTakeFirstOrThrow();
  return { busy: Boolean(row.ti) || Boolean(row.runs), nextDueAt: (row.due as Date | null) ?? null, schedulerBeatAt: (row.beat as Date | null) ?? null, dags: Number(row.dags ?? 0) };
}
