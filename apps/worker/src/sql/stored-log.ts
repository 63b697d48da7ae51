/**
 * The lines of one try's log already stored, in order: what an adopting executor skips when it re-reads a pod's
 * log from the start, so the log is neither cut nor repeated. Changes nothing.
 */
import type { Kysely } from 'kysely';
import type { Database } from '@windsock/metastore';

export async function storedLogLines(db: Kysely<Database>, tiId: string, tryNumber: number): Promise<string[]> {
  const rows = await db.selectFrom('task_log').select('chunk').where('task_instance_id', '=', tiId).where('try_number', '=', tryNumber).orderBy('id').execute();
  const text = rows.map((r) => r.chunk).join('');
  return text === '' ? [] : text.replace(/\n$/, '').split('\n');
}
