import { describe, expect, it } from 'vitest';
import { DagValidationError } from './errors.ts';
import type { GraphDag } from './graph.ts';
import { ancestors, descendants, downstreamMap, findCycle, leafTaskIds, rootTaskIds, topologicalOrder } from './graph.ts';

/** Builds a graph from edges "a>b" (a upstream of b); tasks listed in `ids` order. */
function g(ids: string[], edges: string[] = []): GraphDag {
  const ups = new Map(ids.map((id) => [id, [] as string[]]));
  for (const e of edges) {
    const [a, b] = e.split('>') as [string, string];
    ups.get(b)!.push(a);
  }
  return { tasks: ids.map((id) => ({ task_id: id, upstream_task_ids: ups.get(id)! })) };
}

function isTopological(dag: GraphDag, order: string[]): boolean {
  const pos = new Map(order.map((id, i) => [id, i]));
  return dag.tasks.every((t) => t.upstream_task_ids.every((u) => pos.get(u)! < pos.get(t.task_id)!));
}

describe('topologicalOrder', () => {
  it.each([
    ['single', g(['a']), ['a']],
    ['chain given backwards', g(['c', 'b', 'a'], ['a>b', 'b>c']), ['a', 'b', 'c']],
    ['diamond', g(['a', 'b', 'c', 'd'], ['a>b', 'a>c', 'b>d', 'c>d']), ['a', 'b', 'c', 'd']],
    ['ties keep task order', g(['z', 'y', 'x']), ['z', 'y', 'x']],
    ['two roots', g(['r2', 'r1', 'm'], ['r1>m', 'r2>m']), ['r2', 'r1', 'm']],
    ['later-listed child of early root waits', g(['a', 'x', 'b'], ['a>b', 'x>b']), ['a', 'x', 'b']],
  ] as const)('%s', (_label, dag, expected) => {
    const order = topologicalOrder(dag);
    expect(order).toEqual(expected);
    expect(isTopological(dag, order)).toBe(true);
  });

  it('handles a long chain without recursion limits', () => {
    const ids = Array.from({ length: 20_000 }, (_, i) => `t${i}`);
    const dag = g(ids, ids.slice(1).map((id, i) => `t${i}>${id}`));
    expect(topologicalOrder(dag)).toEqual(ids);
    expect(findCycle(dag)).toBeNull();
  });

  it('throws CYCLE naming the path', () => {
    const dag = g(['a', 'b', 'c', 'd'], ['a>b', 'b>c', 'c>a', 'c>d']);
    try {
      topologicalOrder(dag);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DagValidationError);
      expect((e as DagValidationError).code).toBe('CYCLE');
      expect((e as Error).message).toContain('a -> b -> c -> a');
    }
  });

  it('throws UNKNOWN_UPSTREAM naming task and missing id', () => {
    const dag = { tasks: [{ task_id: 'b', upstream_task_ids: ['nope'] }] };
    expect(() => topologicalOrder(dag)).toThrow(/"b".*"nope"/);
  });
});

describe('findCycle', () => {
  it.each([
    ['self loop', g(['a'], ['a>a']), ['a', 'a']],
    ['two nodes', g(['a', 'b'], ['a>b', 'b>a']), ['a', 'b', 'a']],
    ['cycle behind an acyclic prefix', g(['s', 'a', 'b', 'c'], ['s>a', 'a>b', 'b>c', 'c>a']), ['a', 'b', 'c', 'a']],
    ['acyclic diamond', g(['a', 'b', 'c', 'd'], ['a>b', 'a>c', 'b>d', 'c>d']), null],
  ] as const)('%s', (_l, dag, expected) => {
    expect(findCycle(dag)).toEqual(expected);
  });
});

describe('leaves, roots, relatives', () => {
  const dag = g(['a', 'b', 'c', 'd', 'e'], ['a>b', 'a>c', 'b>d', 'c>d', 'e>d']);
  it('leafTaskIds / rootTaskIds', () => {
    expect(leafTaskIds(dag)).toEqual(['d']);
    expect(rootTaskIds(dag)).toEqual(['a', 'e']);
    expect(leafTaskIds(g(['x', 'y']))).toEqual(['x', 'y']);
  });
  it('descendants / ancestors', () => {
    expect([...descendants(dag, 'a')].sort()).toEqual(['b', 'c', 'd']);
    expect([...descendants(dag, 'd')]).toEqual([]);
    expect([...ancestors(dag, 'd')].sort()).toEqual(['a', 'b', 'c', 'e']);
  });
  it('downstreamMap is derived from upstream ids, without duplicates', () => {
    const dup = { tasks: [{ task_id: 'a', upstream_task_ids: [] }, { task_id: 'b', upstream_task_ids: ['a', 'a'] }] };
    expect(downstreamMap(dup)).toEqual(new Map([['a', ['b']], ['b', []]]));
  });
});
