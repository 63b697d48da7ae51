/**
 * Variables for /api/v1 and /api/v2 alike: list, read, create, update, delete. Values are text (the routes turn a
 * JSON value into its text); they are kept in clear text because DAG files read them while they are parsed.
 * Guard: keyed on `key` (unique). Create either replaces an existing variable (v1) or leaves it and returns null
 * (v2: a conflict); update and delete return null / false when the key does not exist.
 */
import type { Selectable } from 'kysely';
import type { VariableTable } from '@windsock/metastore';
import type { Order, Page } from '../http/paging.ts';
import { pageOf } from '../http/list.ts';
import type { WebDb } from '../types.ts';

export type VariableRow = Selectable<VariableTable>;

export const VARIABLE_ORDER: Record<string, string> = { id: 'id', key: 'key', description: 'description', is_encrypted: 'is_encrypted' };

export function listVariables(db: WebDb, f: { keyPattern?: string }, pg: Page, order: Order[]): Promise<{ rows: VariableRow[]; total: number }> {
  const q = db.selectFrom('variable').$if(Boolean(f.keyPattern), (b) => b.where('key', 'ilike', `%${f.keyPattern}%`));
  return pageOf(q, (b) => b.selectAll(), pg, order);
}

export function readVariable(db: WebDb, key: string): Promise<VariableRow | undefined> {
  return db.selectFrom('variable').selectAll().where('key', '=', key).executeTakeFirst();
}

export async function createVariable(db: WebDb, v: { key: string; val: string; description: string | null }, ifExists: 'replace' | 'keep'): Promise<VariableRow | null> {
  const row = await db.insertInto('variable').values(v)
    .onConflict((oc) => (ifExists === 'replace' ? oc.column('key').doUpdateSet({ val: v.val, description: v.description }) : oc.column('key').doNothing()))
    .returningAll().executeTakeFirst();
  return row ?? null;
}

/** Sets the fields given; with none, reads the variable as it is. */
export async function updateVariable(db: WebDb, key: string, set: { val?: string; description?: string | null }): Promise<VariableRow | null> {
  const row = Object.keys(set).length
    ? await db.updateTable('variable').set(set).where('key', '=', key).returningAll().executeTakeFirst()
    : await readVariable(db, key);
  return row ?? null;
}

export async function deleteVariable(db: WebDb, key: string): Promise<boolean> {
  const res = await db.deleteFrom('variable').where('key', '=', key).executeTakeFirst();
  return res.numDeletedRows > 0n;
}
