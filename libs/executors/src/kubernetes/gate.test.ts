import { describe, expect, it } from 'vitest';
import { ApiException } from '@kubernetes/client-node';
import { ApiGate, TokenBucket } from './gate.ts';

describe('TokenBucket', () => {
  it('lets a burst through at once, then one request per 1/qps, in order', async () => {
    let now = 0;
    const b = new TokenBucket(10, 3, () => now);
    const order: number[] = [];
    const all = Array.from({ length: 5 }, (_, i) => b.take().then(() => order.push(i)));
    await Promise.resolve();
    await Promise.resolve();
    expect(order).toEqual([0, 1, 2]);
    now = 100; // one more token
    await new Promise((r) => setTimeout(r, 120));
    expect(order).toEqual([0, 1, 2, 3]);
    now = 200;
    await Promise.all(all);
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });
});

describe('ApiGate', () => {
  const gate = () => new ApiGate({ qps: 1000, burst: 1000, maxConcurrentCreates: 2, retries: 3, timeoutMs: 200 });

  it('retries 429 / 5xx / timeouts, not 4xx, and caps creates in flight', async () => {
    const g = gate();
    let calls = 0;
    await expect(g.call(async () => { calls++; if (calls < 3) throw new ApiException(calls === 1 ? 429 : 503, 'busy', '', {}); return 'ok'; })).resolves.toBe('ok');
    expect(calls).toBe(3);
    calls = 0;
    await expect(g.call(async () => { calls++; throw new ApiException(422, 'invalid', '', {}); })).rejects.toMatchObject({ code: 422 });
    expect(calls).toBe(1);
    calls = 0;
    await expect(g.call(() => { calls++; return new Promise(() => {}); })).rejects.toMatchObject({ code: 'REQUEST_TIMEOUT' });
    expect(calls).toBe(4);
    let inFlight = 0;
    let peak = 0;
    await Promise.all(Array.from({ length: 6 }, () => g.call(async () => { inFlight++; peak = Math.max(peak, inFlight); await new Promise((r) => setTimeout(r, 20)); inFlight--; }, 'create')));
    expect(peak).toBe(2);
  }, 15_000);
});
