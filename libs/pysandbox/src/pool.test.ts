/**
 * SandboxPool and PySandbox with a tiny Python setup: one process at start, growth only while calls
 * wait, idle processes released, a clean interpreter for every call, the time limit, the slow lane.
 */
import { describe, expect, it } from 'vitest';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SandboxPool, type PoolEvent } from './pool.ts';

/** Shared with the repository's other tests (test/support/snapshots.ts): boots copy a snapshot, built once. */
const SNAPSHOTS = join(tmpdir(), `windsock-test-snapshots-${process.getuid?.() ?? 0}`);

const SETUP = `
import time
seen = []
def remember(x):
    seen.append(x)
    return {'seen': list(seen)}
def nap(seconds):
    time.sleep(seconds)
    return 'rested'
def spin():
    while True:
        pass
__sandbox_exports__ = {'remember': remember, 'nap': nap, 'spin': spin}
`;

// The ceiling sits well above an interpreter's own RSS (about 250 MiB booted from a snapshot under load), so no
// process is replaced for memory here: these tests are about growth, time limits and idle release.
function pool(idleReleaseMs: number, events: PoolEvent[] = []): SandboxPool {
  return new SandboxPool({ sandbox: { setup: SETUP, maxMemoryMb: 768, snapshotDir: SNAPSHOTS }, size: 2, timeoutMs: 1000, graceMs: 500, idleReleaseMs, onEvent: (e) => events.push(e) });
}

describe('SandboxPool', () => {
  it('starts one process, grows to its size only while calls wait, and gives every call a clean interpreter', async () => {
    const p = pool(0);
    try {
      await p.start();
      expect(p.processes).toHaveLength(1);
      expect(await p.call('remember', ['a'])).toMatchObject({ kind: 'ok', value: { seen: ['a'] } });
      expect(await p.call('remember', ['b'])).toMatchObject({ kind: 'ok', value: { seen: ['b'] } }); // not ['a', 'b']
      expect(p.processes).toHaveLength(1); // nothing waited
      const naps = await Promise.all([p.call('nap', [0.5]), p.call('nap', [0.5]), p.call('nap', [0.5])]);
      expect(naps.map((n) => n.kind)).toEqual(['ok', 'ok', 'ok']);
      expect(p.processes.length).toBeGreaterThanOrEqual(1);
      expect(p.processes.length).toBeLessThanOrEqual(2);
    } finally {
      await p.close();
    }
  }, 120_000);

  it('interrupts a call at its time limit and keeps the process; releases idle processes', async () => {
    const events: PoolEvent[] = [];
    const p = pool(300, events);
    try {
      const spun = await p.call('spin', [], { key: 'spinner' });
      expect(spun).toMatchObject({ kind: 'error', interrupted: true });
      expect(await p.call('remember', ['c'])).toMatchObject({ kind: 'ok', value: { seen: ['c'] } });
      const stopped = new Promise<void>((resolve) => {
        const check = setInterval(() => {
          if (events.some((e) => e.type === 'stopped' && e.reason === 'idle')) {
            clearInterval(check);
            resolve();
          }
        }, 50);
      });
      await stopped;
      expect(p.processes).toHaveLength(0); // an idle pool holds no interpreter
      expect(await p.call('remember', ['d'])).toMatchObject({ kind: 'ok', value: { seen: ['d'] } }); // and starts one again
    } finally {
      await p.close();
    }
  }, 120_000);
});
