/**
 * Redis connection options from a `redis://` / `rediss://` URL, shared by the BullMQ queue and the event bus.
 * Connections retry for ever with a capped back-off: Redis only carries hints, so a process waits for it to
 * come back instead of dying, and Postgres-side reconciliation repairs whatever was lost meanwhile.
 */
import { QueueError } from '../errors.ts';
import { redactUrl } from '@windsock/dag-model';

/** What both ioredis and BullMQ accept as connection options. */
export interface RedisUrlOptions {
  host: string; port: number; username?: string; password?: string; db: number; tls?: object;
  retryStrategy: (times: number) => number;
}

export function redisOptionsFromUrl(url: string): RedisUrlOptions {
  let u: URL;
  try { u = new URL(url); } catch { throw new QueueError('BAD_OPTIONS', `"${url}" is not a Redis URL (redis://host:port/db)`); }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new QueueError('BAD_OPTIONS', `Redis URL must start with redis:// or rediss://, got ${u.protocol}//`);
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0) throw new QueueError('BAD_OPTIONS', `Redis URL: "${u.pathname.slice(1)}" is not a database number`);
  return {
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    db,
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    // Reconnect for ever, at most every 2 s: an outage only delays work.
    retryStrategy: (times: number) => Math.min(2000, 50 * times),
  };
}

/** The URL without its password, for logs. */
export const redactRedisUrl = redactUrl;
