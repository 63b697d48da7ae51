import { describe, expect, it } from 'vitest';
import { reconcileAll, reconcilePods } from './merge.ts';

describe('reconcilePods (Airflow\'s PodGenerator.reconcile_pods)', () => {
  const base = {
    metadata: { labels: { a: '1', shared: 'base' }, annotations: { x: 'base' }, finalizers: ['f1'] },
    spec: {
      serviceAccountName: 'base-sa', nodeSelector: { pool: 'base' }, volumes: [{ name: 'v1', emptyDir: {} }],
      containers: [{ name: 'base', image: 'base:1', env: [{ name: 'A', value: '1' }], resources: { limits: { cpu: '1' } } }, { name: 'sidecar', image: 's:1' }],
    },
  };
  const client = {
    metadata: { labels: { b: '2', shared: 'client' } },
    spec: {
      nodeSelector: { pool: 'client' }, volumes: [{ name: 'v2', emptyDir: {} }],
      containers: [{ name: 'base', image: 'client:2', env: [{ name: 'B', value: '2' }] }],
    },
  };

  it('merges labels (client wins), concatenates lists, takes set fields from the client and keeps the rest from the base', () => {
    const m = reconcilePods(base, client) as { metadata: Record<string, unknown>; spec: Record<string, unknown> };
    expect(m.metadata).toEqual({ labels: { a: '1', shared: 'client', b: '2' }, annotations: { x: 'base' }, finalizers: ['f1'] });
    expect(m.spec.serviceAccountName).toBe('base-sa');
    expect(m.spec.nodeSelector).toEqual({ pool: 'client' }); // a whole field, not merged key by key
    expect(m.spec.volumes).toEqual([{ name: 'v1', emptyDir: {} }, { name: 'v2', emptyDir: {} }]);
    expect(m.spec.containers).toEqual([
      { name: 'base', image: 'client:2', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }], resources: { limits: { cpu: '1' } } },
      { name: 'sidecar', image: 's:1' },
    ]);
  });

  it('a missing layer leaves the other as it is; layers apply in order', () => {
    expect(reconcilePods(base, null)).toBe(base);
    expect(reconcilePods(null, client)).toBe(client);
    const three = reconcileAll([base, client, { spec: { containers: [{ image: 'override:3' }] } }]) as { spec: { containers: Array<{ image: string }> } };
    expect(three.spec.containers[0]!.image).toBe('override:3');
  });
});
