/**
 * Interpreter snapshots: built once into the cache folder, loaded by later boots, rebuilt when stale or damaged, and
 * a sandbox booted from one keeps its walls (empty environment, no writes, reads of the snapshot file only, a clean
 * interpreter after every call).
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PySandbox, type PySandboxOptions } from './sandbox.ts';

const dir = mkdtempSync(join(tmpdir(), 'ws-pysnap-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SETUP = `
seen = []
def remember(x):
    seen.append(x)
    return {'seen': list(seen), 'preloaded': PRELOADED}
def env():
    import os
    return dict(os.environ)
__sandbox_exports__ = {'remember': remember, 'env': env}
`;

const options = (preloaded: string): PySandboxOptions => ({
  setup: SETUP, snapshotSetup: `import json, textwrap\nPRELOADED = ${JSON.stringify(preloaded)}`, snapshotDir: dir, maxMemoryMb: 768, testHooks: true,
});
const bins = () => readdirSync(dir).filter((f) => f.endsWith('.bin'));

describe('interpreter snapshots', () => {
  it('builds the snapshot once, boots from it, and keeps the walls and the clean state', async () => {
    const first = await PySandbox.start(options('one'));
    try {
      expect(first.fromSnapshot).toBe(true); // built by its own process, then loaded
      expect(bins()).toHaveLength(1);
      expect(await first.call('remember', ['a'], { timeoutMs: 5000, graceMs: 1000 })).toMatchObject({ kind: 'ok', value: { seen: ['a'], preloaded: 'one' } });
      expect(await first.call('remember', ['b'], { timeoutMs: 5000, graceMs: 1000 })).toMatchObject({ kind: 'ok', value: { seen: ['b'] } });
      expect(await first.call('env', [], { timeoutMs: 5000, graceMs: 1000 })).toMatchObject({ kind: 'ok', value: { HOME: '/home/pyodide', PYTHONHASHSEED: '0' } });
      const walls = await first.evalJs(`return JSON.stringify({
        env: Object.keys(process.env).length,
        write: process.permission.has('fs.write', ${JSON.stringify(dir)}),
        readDir: process.permission.has('fs.read', ${JSON.stringify(join(dir, 'other'))}),
        require: typeof require,
      })`);
      expect(JSON.parse(walls)).toEqual({ env: 0, write: false, readDir: false, require: 'undefined' });
    } finally {
      await first.kill();
    }
    const second = await PySandbox.start(options('one'));
    try {
      expect(second.fromSnapshot).toBe(true);
      expect(second.bootPhases.snapshotSetup ?? 0).toBeLessThan(1000);
      expect(bins()).toHaveLength(1);
    } finally {
      await second.kill();
    }
  }, 300_000);

  it('rebuilds a stale snapshot and boots without a damaged one, which the next boot rebuilds', async () => {
    const changed = await PySandbox.start(options('two'));
    try {
      expect(changed.fromSnapshot).toBe(true);
      expect(await changed.call('remember', ['c'], { timeoutMs: 5000, graceMs: 1000 })).toMatchObject({ kind: 'ok', value: { preloaded: 'two' } });
      expect(bins()).toHaveLength(1); // the stale one is gone
    } finally {
      await changed.kill();
    }
    const [bin] = bins();
    writeFileSync(join(dir, bin!), Buffer.alloc(1024, 7));
    const damaged = await PySandbox.start(options('two'));
    try {
      expect(damaged.fromSnapshot).toBe(false); // it refused the damaged snapshot and booted from nothing
      expect(await damaged.call('remember', ['d'], { timeoutMs: 5000, graceMs: 1000 })).toMatchObject({ kind: 'ok', value: { seen: ['d'], preloaded: 'two' } });
      expect(bins()).toHaveLength(0);
    } finally {
      await damaged.kill();
    }
    const rebuilt = await PySandbox.start(options('two'));
    try {
      expect(rebuilt.fromSnapshot).toBe(true);
      expect(bins()).toHaveLength(1);
    } finally {
      await rebuilt.kill();
    }
  }, 300_000);
});
