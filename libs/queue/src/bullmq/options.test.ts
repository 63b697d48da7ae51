import { describe, expect, it } from 'vitest';
import { BULLMQ_MAX_PRIORITY, bullPriority, bullQueueName, compileBullMqOptions, postgresSchemaFor } from './options.ts';
import { QueueError } from '../errors.ts';
import { Semaphore } from './semaphore.ts';
import { redisOptionsFromUrl, redactRedisUrl } from '../redis/connection.ts';

describe('bullPriority', () => {
  it('serves a higher Airflow priority weight first (a lower BullMQ number), never 0', () => {
    expect(bullPriority(10)).toBeLessThan(bullPriority(5));
    expect(bullPriority(5)).toBeLessThan(bullPriority(1));
    expect(bullPriority(1)).toBeLessThan(bullPriority(0));
    expect(bullPriority(0)).toBeLessThan(bullPriority(-7));
  });
  it('clamps extremes into BullMQ\'s range', () => {
    expect(bullPriority(10 ** 9)).toBe(1);
    expect(bullPriority(-(10 ** 9))).toBe(BULLMQ_MAX_PRIORITY);
    expect(bullPriority(Number.NaN)).toBe(bullPriority(0));
    expect(bullPriority(2.9)).toBe(bullPriority(2));
  });
});

describe('options', () => {
  const code = (f: () => unknown) => { try { f(); } catch (e) { return e instanceof QueueError ? e.code : 'other'; } return null; };
  it('validates once, with stable codes', () => {
    expect(compileBullMqOptions({ prefix: 'sandbox-a.1' })).toMatchObject({ backend: 'redis', lockDurationMs: 30_000 });
    expect(code(() => compileBullMqOptions({ prefix: 'a:b' }))).toBe('BAD_OPTIONS');
    expect(code(() => compileBullMqOptions({ prefix: '' }))).toBe('BAD_OPTIONS');
    expect(code(() => compileBullMqOptions({ prefix: 'p', backend: 'mongo' as 'redis' }))).toBe('BAD_OPTIONS');
    expect(code(() => compileBullMqOptions({ prefix: 'p', backend: 'postgres' }))).toBe('BAD_OPTIONS');
    expect(code(() => compileBullMqOptions({ prefix: 'p', lockDurationMs: 10 }))).toBe('BAD_OPTIONS');
  });
  it('names queues and schemas safely', () => {
    expect(bullQueueName('default')).toBe('default');
    expect(bullQueueName('gpu:large')).not.toContain(':');
    expect(code(() => bullQueueName(''))).toBe('BAD_OPTIONS');
    expect(postgresSchemaFor('Sandbox-A.1')).toBe('bullmq_sandbox_a_1');
  });
  it('reads Redis URLs', () => {
    expect(redisOptionsFromUrl('redis://:s%40cret@redis.svc:6380/2')).toMatchObject({ host: 'redis.svc', port: 6380, password: 's@cret', db: 2 });
    expect(redisOptionsFromUrl('rediss://u:p@h')).toMatchObject({ host: 'h', port: 6379, username: 'u', password: 'p', db: 0, tls: {} });
    expect(code(() => redisOptionsFromUrl('http://h'))).toBe('BAD_OPTIONS');
    expect(code(() => redisOptionsFromUrl('redis://h/x'))).toBe('BAD_OPTIONS');
    expect(redactRedisUrl('redis://u:secret@h:1/0')).not.toContain('secret');
  });
});

describe('Semaphore', () => {
  it('lets `limit` holders in and hands a released slot to the next waiter', async () => {
    const s = new Semaphore(2);
    await s.acquire();
    await s.acquire();
    let third = false;
    const p = s.acquire().then(() => { third = true; });
    await Promise.resolve();
    expect(third).toBe(false);
    expect(s.active).toBe(2);
    s.release();
    await p;
    expect(third).toBe(true);
    expect(s.active).toBe(2);
    s.release();
    s.release();
    expect(s.active).toBe(0);
  });
});
