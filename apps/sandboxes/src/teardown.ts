/**
 * What a deleted sandbox leaves to remove outside Kubernetes: its Postgres schema (every table of its instance)
 * and its queue's keys in Redis. Both are idempotent, so a delete interrupted half-way simply runs them again.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '@windsock/metastore';

export async function dropSandboxSchema(db: Kysely<Database>, schema: string): Promise<void> {
  if (!/^sb_[a-z0-9_]+$/.test(schema)) throw new RangeError(`refusing to drop schema "${schema}": not a sandbox's`);
  await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(db);
}

/** The schema of a sandbox's queue kept in Postgres (`[queue] backend = postgres`). */
export async function dropQueueSchema(db: Kysely<Database>, schema: string): Promise<void> {
  if (!/^bullmq_[a-z0-9_]*_sb_[a-z0-9_]+$/.test(schema)) throw new RangeError(`refusing to drop schema "${schema}": not a sandbox queue's`);
  await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(db);
}

/** Unlinks every key under `<prefix>:` (BullMQ's queues and locks of the sandbox); returns how many went. */
export async function removeQueueKeys(redisUrl: string, prefix: string): Promise<number> {
  if (!prefix.includes('-sb-')) throw new RangeError(`refusing to remove keys under "${prefix}": not a sandbox's prefix`);
  const { Redis } = await import('ioredis');
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: false });
  try {
    await redis.connect();
    let removed = 0;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length) removed += await redis.unlink(...keys);
    } while (cursor !== '0');
    return removed;
  } finally {
    redis.disconnect();
  }
}
