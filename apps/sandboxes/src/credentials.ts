/**
 * A sandbox's own credentials: a Postgres role that may use its schema only, a Redis user that may touch its
 * queue prefix only, and a Fernet key of its own for the secrets kept in its schema. Whatever a sandbox's
 * scheduler holds (its environment; on Kubernetes a Secret in the user's namespace, which any pod there can
 * mount) then opens that sandbox and nothing else: not the platform's tables, not another sandbox, not the
 * platform's key.
 *
 * They are derived, not stored: an HMAC of the platform's key over the sandbox's name and creation time. The
 * control plane, every webserver and a restarted control plane all compute the same ones; a sandbox deleted
 * and made again under the same name gets new ones. Pure.
 */
import { createHash, createHmac } from 'node:crypto';
import type { WindsockConfig } from '@windsock/config';

export interface SandboxCredentials {
  /** Postgres role: `wsb_<8 hex of the database name>_<name>` (roles are the server's, databases share them). */
  dbRole: string;
  dbPassword: string;
  /** Redis ACL user: the sandbox's queue prefix. */
  redisUser: string;
  redisPassword: string;
  /** Fernet key (32 bytes, URL-safe base64) encrypting the connections and variables of the sandbox's schema. */
  fernetKey: string;
}

export interface CredentialsRow { name: string; created_at: Date | string; queue_prefix: string }

export function sandboxCredentials(platformKey: string, row: CredentialsRow, database: string): SandboxCredentials {
  if (!platformKey) throw new Error('sandboxes need a platform key to derive their credentials from: set [core] fernet_key');
  const born = new Date(row.created_at).getTime();
  const derive = (what: string) => createHmac('sha256', platformKey).update(`windsock-sandbox:${what}:${row.name}:${born}`).digest();
  const db = createHash('sha256').update(database).digest('hex').slice(0, 8);
  return {
    dbRole: `wsb_${db}_${row.name.replace(/-/g, '_')}`,
    dbPassword: derive('postgres').toString('hex'),
    redisUser: row.queue_prefix,
    redisPassword: derive('redis').toString('hex'),
    fernetKey: derive('fernet').toString('base64url') + '=',
  };
}

/** `url` with its user and password replaced (a Postgres or Redis URL). */
export function withUser(url: string, user: string, password: string): string {
  const u = new URL(url);
  u.username = encodeURIComponent(user);
  u.password = encodeURIComponent(password);
  return u.toString();
}

/** The database a Postgres URL names (`postgres` when it names none, as libpq defaults to the user's). */
export function databaseOf(url: string): string {
  const u = new URL(url);
  return decodeURIComponent(u.pathname.replace(/^\//, '')) || decodeURIComponent(u.username) || 'postgres';
}

/** The sandbox's credentials under this configuration, or null when `[sandboxes] scoped_credentials` is off. */
export function scopedCredentials(c: Pick<WindsockConfig, 'core' | 'database' | 'sandboxes'>, row: CredentialsRow): SandboxCredentials | null {
  return c.sandboxes.scoped_credentials ? sandboxCredentials(c.core.fernet_key, row, databaseOf(c.database.url)) : null;
}
