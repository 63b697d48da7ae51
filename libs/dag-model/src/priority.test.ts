import { describe, expect, it } from 'vitest';
import type { WeightedTask } from './priority.ts';
import { effectivePriorityWeights } from './priority.ts';
import type { WeightRule } from './serialized.ts';

function dag(rule: WeightRule, weights: Record<string, number>, edges: string[]): { tasks: WeightedTask[] } {
  const ups = new Map(Object.keys(weights).map((id) => [id, [] as string[]]));
  for (const e of edges) {
    const [a, b] = e.split('>') as [string, string];
    ups.get(b)!.push(a);
  }
  return {
    tasks: Object.entries(weights).map(([id, w]) => ({
      task_id: id, upstream_task_ids: ups.get(id)!, priority_weight: w, weight_rule: rule,
    })),
  };
}

// Diamond a > (b, c) > d with distinct weights so that double counting would show.
const W = { a: 1, b: 10, c: 100, d: 1000 };
const E = ['a>b', 'a>c', 'b>d', 'c>d'];

describe('effectivePriorityWeights', () => {
  it.each([
    ['downstream', { a: 1111, b: 1010, c: 1100, d: 1000 }],
    ['upstream', { a: 1, b: 11, c: 101, d: 1111 }],
    ['absolute', { a: 1, b: 10, c: 100, d: 1000 }],
  ] as const)('%s rule on a diamond counts each relative once', (rule, expected) => {
    expect(Object.fromEntries(effectivePriorityWeights(dag(rule, W, E)))).toEqual(expected);
  });

  it('mixes rules per task', () => {
    const d = dag('downstream', W, E);
    d.tasks[3]!.weight_rule = 'upstream';
    d.tasks[0]!.weight_rule = 'absolute';
    expect(Object.fromEntries(effectivePriorityWeights(d))).toEqual({ a: 1, b: 1010, c: 1100, d: 1111 });
  });

  it('default weights on a chain of 3 give 3, 2, 1 (the Airflow UI numbers)', () => {
    expect([...effectivePriorityWeights(dag('downstream', { x: 1, y: 1, z: 1 }, ['x>y', 'y>z'])).values()]).toEqual([3, 2, 1]);
  });

  it('clamps to a 32-bit integer', () => {
    const d = dag('downstream', { a: 2_000_000_000, b: 2_000_000_000, c: -2_000_000_000, e: -2_000_000_000 }, ['a>b', 'c>e']);
    const w = effectivePriorityWeights(d);
    expect(w.get('a')).toBe(2_147_483_647);
    expect(w.get('c')).toBe(-2_147_483_648);
  });
});
