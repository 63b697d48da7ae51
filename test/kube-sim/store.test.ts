import { describe, expect, it } from 'vitest';
import { StatusError } from './errors.ts';
import { Store, type Change } from './store.ts';
import type { KubeObject } from './types.ts';

const ref = { group: '', plural: 'things' };

function thing(name: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Thing', metadata: { name, namespace: 'ns' } };
}

describe('store', () => {
  it('bumps one global resourceVersion per write and notifies listeners in order', () => {
    const store = new Store(10);
    const seen: Change[] = [];
    store.subscribe((c) => seen.push(c));
    const a = store.create('things', ref, thing('a'));
    const b = store.create('others', ref, thing('b'));
    expect(Number(b.metadata.resourceVersion)).toBe(Number(a.metadata.resourceVersion) + 1);
    store.update('things', ref, 'ns', 'a', (o) => {
      o.metadata.labels = { x: 'y' };
    });
    store.remove('things', ref, 'ns', 'a');
    expect(seen.map((c) => `${c.type} ${c.resource} ${c.rv}`)).toEqual(['ADDED things 2', 'ADDED others 3', 'MODIFIED things 4', 'DELETED things 5']);
    expect(seen[2]?.previous?.metadata.labels).toBeUndefined();
  });

  it('does not bump on a no-op update and answers 409 / 404', () => {
    const store = new Store(10);
    store.create('things', ref, thing('a'));
    const rv = store.currentRv();
    store.update('things', ref, 'ns', 'a', () => {});
    expect(store.currentRv()).toBe(rv);
    expect(() => store.create('things', ref, thing('a'))).toThrow(StatusError);
    expect(() => store.remove('things', ref, 'ns', 'zzz')).toThrow('things "zzz" not found');
  });

  it('keeps a per-resource window and reports RVs older than it as too old', () => {
    const store = new Store(2);
    const start = store.currentRv();
    for (const n of ['a', 'b', 'c']) store.create('things', ref, thing(n));
    expect(store.historySince('things', start)).toEqual({ ok: false, oldest: start + 1 });
    const h = store.historySince('things', start + 1);
    expect(h.ok && h.changes.map((c) => c.object.metadata.name)).toEqual(['b', 'c']);
  });

  it('expiring the window makes every seen RV too old but not a fresh list RV', () => {
    const store = new Store(100);
    store.create('things', ref, thing('a'));
    const seen = store.currentRv();
    store.expireHistory();
    expect(store.historySince('things', seen).ok).toBe(false);
    expect(store.historySince('things', store.currentRv())).toEqual({ ok: true, changes: [] });
  });
});
