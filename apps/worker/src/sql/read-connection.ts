/**
 * Reads one connection for `{{ conn.<id>... }}` templates, decrypting its password and extra with the fernet key,
 * as Airflow's Connection does. Changes nothing. Returns the Connection's fields (and `extra_dejson`), or null.
 */
import type { Kysely } from 'kysely';
import { fernetDecrypt, type Database } from '@windsock/metastore';

export async function readConnection(db: Kysely<Database>, fernetKey: string | null, connId: string): Promise<Record<string, unknown> | null> {
  const c = await db.selectFrom('connection').selectAll().where('conn_id', '=', connId).executeTakeFirst();
  if (!c) return null;
  const open = (v: string | null, encrypted: boolean) => {
    if (v === null || !encrypted) return v;
    if (!fernetKey) throw new Error(`connection ${connId} is encrypted but no fernet key is configured ([core] fernet_key)`);
    return fernetDecrypt(fernetKey, v);
  };
  const password = open(c.password, c.is_encrypted);
  const extra = open(c.extra, c.is_extra_encrypted);
  let extraDejson: unknown;
  try { extraDejson = extra ? JSON.parse(extra) : {}; } catch { extraDejson = {}; }
  return {
    conn_id: c.conn_id, conn_type: c.conn_type, description: c.description, host: c.host, schema: c.schema, login: c.login,
    password, port: c.port, extra, extra_dejson: extraDejson,
  };
}
