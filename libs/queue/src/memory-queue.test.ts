import { describe, expect, it } from 'vitest';
import { MemoryTaskQueue } from './memory-queue.ts';
import { jobId, type TaskJob } from './types.ts';

const job = (taskId: string, priority: number, queue = 'default', tryNumber = 1): TaskJob =>
  ({ tiId: taskId, dagId: 'd', taskId, runId: 'r', mapIndex: -1, tryNumber, queue, priority });

describe('MemoryTaskQueue', () => {
  it('hands out higher priority first, then first come first served, deduplicating a waiting try', async () => {
    const q = new MemoryTaskQueue();
    await q.enqueue([job('a', 1), job('b', 5), job('c', 5), job('b', 5), job('d', 9)]);
    expect((await q.waitingJobIds()).size).toBe(4);
    const seen: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    const c = q.consume(['default'], async (j) => { seen.push(j.taskId); if (seen.length === 4) release(); }, { concurrency: 1 });
    await gate;
    await c.close();
    expect(seen).toEqual(['d', 'b', 'c', 'a']);
  });
  it('honours concurrency and named queues', async () => {
    const q = new MemoryTaskQueue();
    let active = 0;
    let peak = 0;
    const done: string[] = [];
    let finish!: () => void;
    const all = new Promise<void>((r) => { finish = r; });
    const c = q.consume(['gpu'], async (j) => {
      active++; peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, 5));
      active--; done.push(j.taskId);
      if (done.length === 5) finish();
    }, { concurrency: 2 });
    await q.enqueue([job('x', 1, 'default'), ...['1', '2', '3', '4', '5'].map((n) => job(`g${n}`, 1, 'gpu'))]);
    await all;
    await c.close();
    expect(peak).toBe(2);
    expect(done.sort()).toEqual(['g1', 'g2', 'g3', 'g4', 'g5']);
    expect([...(await q.waitingJobIds())]).toEqual([jobId(job('x', 1))]);
  });
  it('gives each try its own job id', () => {
    expect(jobId(job('a', 1, 'default', 1))).not.toBe(jobId(job('a', 1, 'default', 2)));
    expect(jobId({ dagId: 'a|b', taskId: 'c', runId: 'r', mapIndex: -1, tryNumber: 1 })).not.toBe(jobId({ dagId: 'a', taskId: 'b|c', runId: 'r', mapIndex: -1, tryNumber: 1 }));
  });
});
