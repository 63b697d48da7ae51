/**
 * Reads the variables a template names (`{{ var.value.<key> }}`, `var.json`, `var.value.get(...)`). Changes
 * nothing. Returns the stored text of each key that exists; keys not returned do not exist.
 */
import type { Kysely } from 'kysely';
import type { Database } from '@windsock/metastore';

export async function readVariables(db: Kysely<Database>, keys: readonly string[]): Promise<Map<string, string>> {
  if (keys.length === 0) return new Map();
  const rows = await db.selectFrom('variable').select(['key', 'val']).where('key', 'in', [...keys]).execute();
  return new Map(rows.map((r) => [r.key, r.val]));
}
