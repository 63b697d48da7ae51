import { afterEach, describe, expect, it, vi } from 'vitest';

/** base.ts reads the address once, when first imported: each case imports it afresh at another address. */
async function at(pathname: string) {
  vi.stubGlobal('location', { pathname });
  vi.resetModules();
  return import('./base.ts');
}

afterEach(() => { vi.unstubAllGlobals(); });

describe('the UI base', () => {
  it('is empty on the shared instance, including its own /sandboxes page', async () => {
    for (const p of ['/', '/dags/x/grid', '/sandboxes', '/sandboxes/', '/sandboxes/Bad_Name/dags', '/sandboxesx/a']) {
      const b = await at(p);
      expect([p, b.BASE, b.SANDBOX]).toEqual([p, '', null]);
      expect(b.withBase('/dags')).toBe('/dags');
      expect(b.stripBase('/dags?x=1')).toBe('/dags?x=1');
    }
  });

  it('is /sandboxes/<name> inside a sandbox, added to and stripped from app paths', async () => {
    for (const p of ['/sandboxes/alice-dev', '/sandboxes/alice-dev/', '/sandboxes/alice-dev/dags/a%2Fb/grid']) {
      const b = await at(p);
      expect([b.BASE, b.SANDBOX]).toEqual(['/sandboxes/alice-dev', 'alice-dev']);
    }
    const b = await at('/sandboxes/alice-dev/dags');
    expect(b.withBase('/dags/x/grid?run_id=r')).toBe('/sandboxes/alice-dev/dags/x/grid?run_id=r');
    expect(b.stripBase('/sandboxes/alice-dev/dags/x/grid?run_id=r')).toBe('/dags/x/grid?run_id=r');
    expect(b.stripBase('/sandboxes/alice-dev')).toBe('/');
    expect(b.stripBase('/sandboxes/alice-dev?next=1')).toBe('/?next=1');
    // Another sandbox's path, or one that only starts with the same letters, is left as it is.
    expect(b.stripBase('/sandboxes/alice-devx/dags')).toBe('/sandboxes/alice-devx/dags');
    expect(b.stripBase('/dags')).toBe('/dags');
  });
});
