import { describe, expect, it } from 'vitest';
import type { StatusError } from './errors.ts';
import { jsonPatch, mergePatch, strategicMergePatch } from './patch.ts';

const pod = { metadata: { labels: { a: '1', b: '2' } }, spec: { containers: [{ name: 'base', image: 'x:1' }, { name: 'side', image: 'y:1' }] } };

describe('patches', () => {
  it('merge patch sets, replaces and deletes (null) keys, replacing lists', () => {
    expect(mergePatch(pod, { metadata: { labels: { a: null, c: '3' } }, spec: { containers: [{ name: 'base' }] } })).toEqual({
      metadata: { labels: { b: '2', c: '3' } }, spec: { containers: [{ name: 'base' }] },
    });
  });

  it('strategic merge patch merges containers by name', () => {
    const out = strategicMergePatch(pod, { spec: { containers: [{ name: 'side', image: 'y:2' }] } }) as typeof pod;
    expect(out.spec.containers).toEqual([{ name: 'base', image: 'x:1' }, { name: 'side', image: 'y:2' }]);
  });

  it('json patch applies add / replace / remove / test and fails a failed test with 422', () => {
    const out = jsonPatch(pod, [
      { op: 'add', path: '/metadata/labels/already_checked', value: 'True' },
      { op: 'replace', path: '/spec/containers/0/image', value: 'x:2' },
      { op: 'remove', path: '/metadata/labels/b' },
      { op: 'test', path: '/metadata/labels/a', value: '1' },
    ]) as typeof pod;
    expect(out.metadata.labels).toEqual({ a: '1', already_checked: 'True' });
    expect(out.spec.containers[0]?.image).toBe('x:2');
    expect(pod.spec.containers[0]?.image).toBe('x:1');
    let caught: unknown;
    try {
      jsonPatch(pod, [{ op: 'test', path: '/metadata/labels/a', value: 'nope' }]);
    } catch (err) {
      caught = err;
    }
    expect((caught as StatusError).httpCode).toBe(422);
  });
});
