import { describe, expect, it } from 'vitest';
import { MomentBatcher } from './moment-batcher.ts';

describe('MomentBatcher', () => {
  it('answers the calls of one moment with one run, and later calls with another', async () => {
    const runs: number[][] = [];
    const b = new MomentBatcher<number, number>(async (items) => { runs.push(items); return (i) => i * 10; }, queueMicrotask);
    expect(await Promise.all([b.add(1), b.add(2), b.add(3)])).toEqual([10, 20, 30]);
    expect(await b.add(4)).toBe(40);
    expect(runs).toEqual([[1, 2, 3], [4]]);
  });

  it('rejects every call of a moment when its run fails, and recovers for the next', async () => {
    let fail = true;
    const b = new MomentBatcher<string, string>(async (items) => { if (fail) throw new Error(`down: ${items.join(',')}`); return (s) => s.toUpperCase(); }, setImmediate);
    const results = await Promise.allSettled([b.add('a'), b.add('b')]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect((results[0] as PromiseRejectedResult).reason.message).toBe('down: a,b');
    fail = false;
    expect(await b.add('c')).toBe('C');
  });

  it('flush runs what waits at once (on close), and the deferred flush then finds nothing', async () => {
    const runs: string[][] = [];
    const deferred: Array<() => void> = [];
    const b = new MomentBatcher<string, void>(async (items) => { runs.push(items); return () => undefined; }, (fn) => deferred.push(fn));
    const sent = Promise.all([b.add('x'), b.add('y')]);
    await b.flush();
    await sent;
    expect(runs).toEqual([['x', 'y']]);
    for (const fn of deferred) fn();
    await new Promise((r) => setImmediate(r));
    expect(runs).toEqual([['x', 'y']]);
  });
});
