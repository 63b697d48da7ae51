/**
 * Reads a reschedule-mode sensor's task_reschedule rows from `fromTry` on (BaseSensorOperator.execute's
 * first_try_number: the tries since the task instance was last cleared): when the first poke started and how many
 * pokes ended in a reschedule. Changes nothing. Returns `{ firstStart: null, count: 0 }` before the first reschedule.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '@windsock/metastore';

export async function readReschedules(db: Kysely<Database>, tiId: string, fromTry: number): Promise<{ firstStart: Date | null; count: number }> {
  const row = await db.selectFrom('task_reschedule')
    .select([sql<Date | null>`min(start_date)`.as('first_start'), sql<string>`count(*)`.as('count')])
    .where('task_instance_id', '=', tiId).where('try_number', '>=', fromTry)
    .executeTakeFirst();
  return { firstStart: row?.first_start ? new Date(row.first_start) : null, count: Number(row?.count ?? 0) };
}
