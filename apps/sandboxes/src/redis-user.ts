/**
 * A sandbox's Redis user (an ACL user, Redis 6 and later): it may use the keys and pub/sub channels under its
 * queue prefix and the commands a queue needs, and nothing of the server's own (no FLUSHALL, KEYS, CONFIG, ACL,
 * MONITOR, DEBUG…). Deleting it also closes its connections.
 */

import type { Redis } from 'ioredis';

const SAFE = /^[A-Za-z0-9_.-]{1,64}$/;

async function withRedis<T>(url: string, fn: (r: Redis) => Promise<T>): Promise<T> {
  const { Redis: Client } = await import('ioredis');
  const redis = new Client(url, { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: false });
  try {
    await redis.connect();
    return await fn(redis);
  } finally {
    redis.disconnect();
  }
}

/** The ACL rules of a sandbox's user, after `reset`. */
export function redisUserRules(prefix: string, password: string): string[] {
  if (!SAFE.test(prefix)) throw new RangeError(`queue prefix "${prefix}" is not a sandbox's`);
  if (!/^[0-9a-f]{16,128}$/.test(password)) throw new RangeError('a sandbox\'s Redis password is hex');
  return [
    'on', `>${password}`, `~${prefix}:*`, `&${prefix}:*`,
    // Every command of the data types, scripts (BullMQ's are Lua) and pub/sub, but nothing of the server's.
    '+@all', '-@dangerous', '-@admin',
    // The few a client needs among those: INFO (ioredis's ready check, BullMQ's version check), naming itself.
    '+info', '+client|setname', '+client|getname', '+client|id', '+client|info',
  ];
}

export async function ensureRedisUser(redisUrl: string, user: string, password: string, prefix: string): Promise<void> {
  const rules = redisUserRules(prefix, password);
  await withRedis(redisUrl, async (r) => {
    await r.call('ACL', 'SETUSER', user, 'reset', ...rules);
  });
}

export async function dropRedisUser(redisUrl: string, user: string): Promise<void> {
  if (!SAFE.test(user) || !user.includes('-sb-')) throw new RangeError(`refusing to delete Redis user "${user}": not a sandbox's`);
  await withRedis(redisUrl, async (r) => {
    await r.call('ACL', 'DELUSER', user);
    await r.call('CLIENT', 'KILL', 'USER', user).catch(() => {}); // none connected: an error, and nothing to do
  });
}
