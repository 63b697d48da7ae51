/**
 * The BullMQ task queue and the Redis event bus against a real Redis (a private server, so FLUSHALL is safe),
 * and BullMQ's PostgreSQL backend against the real Postgres.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { BullMqTaskQueue, RedisEventBus, waitForEvent, jobId, postgresSchemaFor, type TaskJob } from '@windsock/queue';
import { privateRedis, type PrivateRedis } from './distributed-redis.ts';
import { DATABASE_URL } from './support/db.ts';

let redis: PrivateRedis;
const open: Array<{ close(): Promise<void> }> = [];
beforeAll(async () => { redis = await privateRedis(); });
afterAll(async () => { for (const o of open.reverse()) await o.close().catch(() => {}); await redis?.stop(); });

const prefix = () => `wt${randomBytes(4).toString('hex')}`;
function queue(p = prefix()): BullMqTaskQueue { const q = new BullMqTaskQueue({ redisUrl: redis.url, prefix: p }); open.push(q); return q; }
function job(taskId: string, o: Partial<TaskJob> = {}): TaskJob {
  return { tiId: `ti-${taskId}`, dagId: 'd', taskId, runId: 'manual__2024-01-01T00:00:00+00:00', mapIndex: -1, tryNumber: 1, queue: 'default', priority: 1, ...o };
}
/** Collects the jobs a consumer gets until `n` arrived. */
function collect(q: BullMqTaskQueue, queues: string[], n: number, concurrency = 1) {
  const got: TaskJob[] = [];
  let done!: () => void;
  const all = new Promise<void>((r) => { done = r; });
  const consumer = q.consume(queues, async (j) => { got.push(j); if (got.length >= n) done(); }, { concurrency });
  return { got, all, consumer };
}

describe('BullMqTaskQueue on Redis', () => {
  it('keeps one job per try: the same try enqueued twice runs once, the next try is a new job', async () => {
    const q = queue();
    await q.enqueue([job('a'), job('a'), job('a', { tryNumber: 2 })]);
    await q.enqueue([job('a')]);
    expect((await q.waitingJobIds()).size).toBe(2);
    expect(await q.waitingJobIds()).toEqual(new Set([jobId(job('a')), jobId(job('a', { tryNumber: 2 }))]));
    const c = collect(q, ['default'], 2);
    await c.all;
    await c.consumer.close();
    expect(c.got.map((j) => j.tryNumber).sort()).toEqual([1, 2]);
    // Done jobs are removed, so a try whose job was dropped can be put back (the worker's claim drops a stale one).
    await q.enqueue([job('a')]);
    expect(await q.waitingJobIds()).toEqual(new Set([jobId(job('a'))]));
  });

  it('serves higher priority weights first, first-in first-out within one weight', async () => {
    const q = queue();
    await q.enqueue([job('low', { priority: 1 }), job('high', { priority: 10 }), job('mid', { priority: 5 }), job('mid2', { priority: 5 }), job('neg', { priority: -3 })]);
    const c = collect(q, ['default'], 5, 1);
    await c.all;
    await c.consumer.close();
    expect(c.got.map((j) => j.taskId)).toEqual(['high', 'mid', 'mid2', 'low', 'neg']);
  });

  it('routes Airflow named queues: a worker takes only the queues it subscribes to', async () => {
    const q = queue();
    await q.enqueue([job('x', { queue: 'gpu:large' }), job('y', { queue: 'default' })]);
    const c = collect(q, ['gpu:large'], 1);
    await c.all;
    await c.consumer.close();
    expect(c.got.map((j) => j.taskId)).toEqual(['x']);
    expect(await q.waitingJobIds()).toEqual(new Set([jobId(job('y'))]));
  });

  it('isolates instances by prefix on one Redis', async () => {
    const a = queue();
    const b = queue();
    await a.enqueue([job('only-a')]);
    expect((await b.waitingJobIds()).size).toBe(0);
    expect((await a.waitingJobIds()).size).toBe(1);
  });

  it('shares one concurrency across named queues', async () => {
    const q = queue();
    await q.enqueue(Array.from({ length: 6 }, (_, i) => job(`c${i}`, { queue: i % 2 ? 'q1' : 'q2' })));
    let active = 0;
    let peak = 0;
    let seen = 0;
    let done!: () => void;
    const all = new Promise<void>((r) => { done = r; });
    const consumer = q.consume(['q1', 'q2'], async () => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, 30));
      active--;
      if (++seen === 6) done();
    }, { concurrency: 2 });
    await all;
    await consumer.close();
    expect(peak).toBe(2);
  });

  it('accepts jobs again after FLUSHALL (what reconciliation relies on)', async () => {
    const q = queue();
    await q.enqueue([job('f')]);
    await redis.flushAll();
    expect((await q.waitingJobIds()).size).toBe(0);
    await q.enqueue([job('f')]);
    const c = collect(q, ['default'], 1);
    await c.all;
    await c.consumer.close();
    expect(c.got.map((j) => j.taskId)).toEqual(['f']);
  });
});

describe('RedisEventBus', () => {
  it('delivers events to other processes\' buses, and to local listeners at once, never twice', async () => {
    const p = prefix();
    const a = new RedisEventBus({ redisUrl: redis.url, prefix: p });
    const b = new RedisEventBus({ redisUrl: redis.url, prefix: p });
    const otherPrefix = prefix();
    const other = new RedisEventBus({ redisUrl: redis.url, prefix: otherPrefix });
    open.push(a, b, other);
    await Promise.all([a.ready(), b.ready(), other.ready()]);
    const localSeen: string[] = [];
    a.on('ti:cancel', (e) => localSeen.push(e.tiId));
    const leaked: string[] = [];
    other.on('ti:cancel', (e) => leaked.push(e.tiId));
    const atB = waitForEvent(b, 'ti:cancel', (e) => e.tiId === 't2', 5000);
    const bSeen: string[] = [];
    b.on('ti:cancel', (e) => bSeen.push(e.tiId));
    a.emit('ti:cancel', { tiId: 't1', reason: 'x' });
    expect(localSeen).toEqual(['t1']); // synchronous, as LocalEventBus
    a.emit('ti:cancel', { tiId: 't2', reason: 'y' });
    await atB;
    expect(bSeen).toEqual(['t1', 't2']);
    // A round trip on `other` proves its subscription was live while a's events went by.
    const back = waitForEvent(other, 'ti:cancel', (e) => e.tiId === 'probe', 5000);
    const otherPub = new RedisEventBus({ redisUrl: redis.url, prefix: otherPrefix });
    open.push(otherPub);
    await otherPub.ready();
    otherPub.emit('ti:cancel', { tiId: 'probe', reason: '' });
    await back;
    expect(leaked).toEqual(['probe']);
    expect(localSeen).toEqual(['t1', 't2']);
  });
});

describe('BullMQ PostgreSQL backend', () => {
  it('carries jobs on Postgres alone, with the same one-job-per-try and priority rules', async () => {
    const p = prefix();
    const q = new BullMqTaskQueue({ backend: 'postgres', postgresUrl: DATABASE_URL, prefix: p });
    try {
      await q.enqueue([job('p1', { priority: 1 }), job('p1', { priority: 1 }), job('p2', { priority: 9 })]);
      expect((await q.waitingJobIds()).size).toBe(2);
      const c = collect(q, ['default'], 2, 1);
      await c.all;
      await c.consumer.close();
      expect(c.got.map((j) => j.taskId)).toEqual(['p2', 'p1']);
    } finally {
      await q.close();
      const admin = new pg.Client({ connectionString: DATABASE_URL });
      await admin.connect();
      await admin.query(`drop schema if exists ${postgresSchemaFor(p)} cascade`);
      await admin.end();
    }
  });
});
