import { afterEach, describe, expect, it, vi } from 'vitest';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { SandboxProcess, SandboxProcessError } from './sandbox-process.ts';

const entry = fileURLToPath(new URL('./test-fixtures/probe-child.ts', import.meta.url));
const opened: SandboxProcess[] = [];
const open = (o: { requestTimeoutMs?: number; idleReleaseMs?: number } = {}) => {
  const p = new SandboxProcess({ entry, readPaths: [entry], requestTimeoutMs: o.requestTimeoutMs ?? 10_000, bootTimeoutMs: 30_000, idleReleaseMs: o.idleReleaseMs ?? 0 });
  opened.push(p);
  return p;
};
afterEach(() => { for (const p of opened.splice(0)) p.close(); });

describe('SandboxProcess', () => {
  it('runs its child with an empty environment under the permission model', async () => {
    process.env.WINDSOCK_SANDBOX_CANARY = 'canary-sandbox-51c';
    const p = open();
    expect(JSON.parse(await p.request('env'))).toEqual({});
    expect(await p.request('readOutside')).toBe('refused: ERR_ACCESS_DENIED');
    expect(await p.request('write')).toBe('refused: ERR_ACCESS_DENIED');
    expect(existsSync('/tmp/windsock-sandbox-probe')).toBe(false);
    expect(await p.request('spawn')).toBe('refused: ERR_ACCESS_DENIED');
    expect(await p.request('evalCode')).toMatch(/^refused: Code generation from strings disallowed/);
    expect(await p.request('functionCtor')).toMatch(/^refused: Code generation from strings disallowed/);
  });

  it('answers requests in order, one at a time', async () => {
    const p = open();
    const pids = await Promise.all(['pid', 'pid', 'pid'].map((b) => p.request(b)));
    expect(new Set(pids).size).toBe(1);
    expect(p.stats.requests).toBe(3);
  });

  it('kills a child that outlives a request, fails only that request and starts again for the next', async () => {
    const p = open({ requestTimeoutMs: 300 });
    const first = await p.request('pid');
    const [hung, after] = await Promise.allSettled([p.request('hang'), p.request('pid')]);
    expect(hung.status === 'rejected' && hung.reason instanceof SandboxProcessError && hung.reason.code).toBe('TIMEOUT');
    expect(after.status === 'fulfilled' && after.value).not.toBe(first);
    expect(p.stats.boots).toBe(2);
  });

  it('a child that dies fails its request with CRASHED, and the next one gets a new child', async () => {
    const p = open();
    await expect(p.request('crash')).rejects.toMatchObject({ code: 'CRASHED' });
    expect(await p.request('pid')).toMatch(/^\d+$/);
  });

  it('releases an idle child', async () => {
    const p = open({ idleReleaseMs: 100 });
    await p.request('pid');
    expect(p.running).toBe(true);
    await vi.waitFor(() => expect(p.running).toBe(false), { timeout: 5000, interval: 50 });
    p.close();
    await expect(p.request('pid')).rejects.toMatchObject({ code: 'CLOSED' });
  });
});
