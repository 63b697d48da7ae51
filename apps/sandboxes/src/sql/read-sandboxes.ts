/**
 * Reads sandboxes: one by name, or a page of them (an owner's, or all for an admin). Changes nothing.
 * Returns: rows ordered by name, and the total.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '@windsock/metastore';
import type { SandboxRow } from '../types.ts';

export async function getSandbox(db: Kysely<Database>, name: string): Promise<SandboxRow | null> {
  return (await db.selectFrom('sandbox').selectAll().where('name', '=', name).executeTakeFirst()) ?? null;
}

export async function listSandboxes(db: Kysely<Database>, q: { owner: string | null; limit: number; offset: number }): Promise<{ rows: SandboxRow[]; total: number }> {
  let b = db.selectFrom('sandbox');
  if (q.owner !== null) b = b.where('owner', '=', q.owner);
  const [rows, total] = await Promise.all([
    b.selectAll().orderBy('name').limit(q.limit).offset(q.offset).execute(),
    b.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: total.n };
}
