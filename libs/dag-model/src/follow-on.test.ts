import { describe, expect, it } from 'vitest';
import { followOnCandidates, followOnChoice, type FollowOnSlot } from './follow-on.ts';
import type { SerializedTask } from './serialized.ts';
import type { TiStateOrNone } from './states.ts';
import { dagFromEdges } from './test-fixtures.ts';
import { finalizeDag } from './validate.ts';
import { effectivePriorityWeights } from './priority.ts';

const SLOT: FollowOnSlot = { pool: 'default_pool', poolSlots: 1, queues: ['default'] };

function candidates(edges: string[], ended: string, over: Record<string, Partial<SerializedTask>> = {}, slot = SLOT): string[] {
  const dag = finalizeDag(dagFromEdges(edges, over));
  return followOnCandidates(new Map(dag.tasks.map((t) => [t.task_id, t])), ended, slot, effectivePriorityWeights(dag)).map((t) => t.task_id);
}

function choice(edges: string[], ended: string, states: Record<string, TiStateOrNone>, over: Record<string, Partial<SerializedTask>> = {}): string | null {
  const dag = finalizeDag(dagFromEdges(edges, over));
  const c = followOnCandidates(new Map(dag.tasks.map((t) => [t.task_id, t])), ended, SLOT, effectivePriorityWeights(dag));
  return followOnChoice(c, (id) => (id in states ? states[id] : undefined))?.task_id ?? null;
}

describe('followOnCandidates', () => {
  it('offers the direct downstream tasks, highest priority first', () => {
    expect(candidates(['a>b', 'b>c'], 'a')).toEqual(['b']);
    expect(candidates(['a>b', 'b>c'], 'c')).toEqual([]);
    // downstream weight rule: b carries b, d and e; c only itself.
    expect(candidates(['a>c', 'a>b', 'b>d', 'b>e'], 'a')).toEqual(['b', 'c']);
    expect(candidates(['a>b', 'a>c'], 'a', { c: { priority_weight: 10 } })).toEqual(['c', 'b']);
  });

  it('leaves to the scheduler what would change a limit or depends on another run', () => {
    expect(candidates(['a>b'], 'a', { b: { depends_on_past: true } })).toEqual([]);
    expect(candidates(['a>b'], 'a', { b: { wait_for_downstream: true } })).toEqual([]);
    expect(candidates(['a>b'], 'a', { b: { max_active_tis_per_dag: 4 } })).toEqual([]);
    expect(candidates(['a>b'], 'a', { b: { max_active_tis_per_dagrun: 1 } })).toEqual([]);
    expect(candidates(['a>b'], 'a', { b: { pool: 'gpu' } })).toEqual([]);
    expect(candidates(['a>b'], 'a', { b: { pool_slots: 2 } })).toEqual([]);
    expect(candidates(['a>b'], 'a', { b: { pool_slots: 2 } }, { ...SLOT, poolSlots: 2 })).toEqual(['b']);
    expect(candidates(['a>b'], 'a', { b: { pool_slots: 1 } }, { ...SLOT, poolSlots: 3 })).toEqual(['b']);
    expect(candidates(['a>b'], 'a', { b: { queue: 'spark' } })).toEqual([]);
    expect(candidates(['a>b'], 'a', { b: { queue: 'spark' } }, { ...SLOT, queues: ['default', 'spark'] })).toEqual(['b']);
  });
});

describe('followOnChoice', () => {
  it('starts a task whose trigger rule is met now', () => {
    expect(choice(['a>b'], 'a', { a: 'success', b: null })).toBe('b');
    expect(choice(['a>c', 'b>c'], 'a', { a: 'success', b: 'success', c: null })).toBe('c');
    expect(choice(['a>b'], 'a', { a: 'failed', b: null }, { b: { trigger_rule: 'all_done' } })).toBe('b');
    expect(choice(['a>b'], 'a', { a: 'failed', b: null }, { b: { trigger_rule: 'one_failed' } })).toBe('b');
  });

  it('waits for other upstream tasks and never forces a state', () => {
    expect(choice(['a>c', 'b>c'], 'a', { a: 'success', b: 'running', c: null })).toBeNull();
    expect(choice(['a>c', 'b>c'], 'a', { a: 'success', c: null })).toBeNull(); // b has no task instance yet
    // all_success after a failure is upstream_failed: the scheduler's decision, not a start.
    expect(choice(['a>b'], 'a', { a: 'failed', b: null })).toBeNull();
  });

  it('starts only a task instance that is still none', () => {
    expect(choice(['a>b'], 'a', { a: 'success', b: 'scheduled' })).toBeNull();
    expect(choice(['a>b'], 'a', { a: 'success', b: 'up_for_retry' })).toBeNull();
    expect(choice(['a>b'], 'a', { a: 'success' })).toBeNull(); // not created yet
  });

  it('falls through to the next candidate when the first is not ready', () => {
    expect(choice(['a>b', 'x>b', 'a>c'], 'a', { a: 'success', x: 'running', b: null, c: null }, { b: { priority_weight: 50 } })).toBe('c');
  });
});

describe('followOnCandidates: mapped tasks', () => {
  it('leaves mapped tasks, and the tasks downstream of one, to the scheduler', () => {
    const m = { expand_input: { type: 'dict' as const, target: 'args' as const, value: { x: [1] } } };
    const tasks = new Map(finalizeDag(dagFromEdges(['a>m', 'm>d', 'a>b'], { m })).tasks.map((t) => [t.task_id, t]));
    const slot = { pool: 'default_pool', poolSlots: 1, queues: ['default'] };
    expect(followOnCandidates(tasks, 'a', slot, new Map()).map((t) => t.task_id)).toEqual(['b']);
    expect(followOnCandidates(tasks, 'm', slot, new Map())).toEqual([]);
  });
});
