import { describe, expect, it } from 'vitest';
import { argsForMapIndex, expandSources, expansionLength, mappedKwargs } from './mapping.ts';
import type { ExpandInput, SerializedTask } from './serialized.ts';

const dict = (value: Record<string, unknown>): ExpandInput => ({ type: 'dict', target: 'args', value });

describe('expansionLength', () => {
  it('is the product of the lengths (a cross product), a dict counting its items', () => {
    expect(expansionLength(dict({}), { a: [1, 2, 3], b: { x: 1, y: 2 } })).toEqual({ ok: true, length: 6 });
    expect(expansionLength(dict({}), { a: [] })).toEqual({ ok: true, length: 0 });
    expect(expansionLength({ type: 'list', target: 'args', value: null }, [{ a: 1 }, { a: 2 }])).toEqual({ ok: true, length: 2 });
  });
  it('refuses more than max_map_length, and values that cannot be mapped', () => {
    expect(expansionLength(dict({}), { a: [1, 2, 3] }, 2)).toEqual({ ok: false, reason: 'expanding into 3 task instances exceeds max_map_length (2)' });
    expect(expansionLength(dict({}), { a: 5 })).toMatchObject({ ok: false, reason: "cannot map over 'a': expected a list or dict, got int" });
    expect(expansionLength({ type: 'list', target: 'args', value: null }, [1])).toMatchObject({ ok: false });
  });
});

describe('mappedKwargs', () => {
  it('varies the last argument fastest, as Airflow does', () => {
    const resolved = { cmd: ['a', 'b'], env: [1, 2, 3] };
    expect([0, 1, 2, 3, 4, 5].map((i) => mappedKwargs(dict({}), resolved, i))).toEqual([
      { cmd: 'a', env: 1 }, { cmd: 'a', env: 2 }, { cmd: 'a', env: 3 }, { cmd: 'b', env: 1 }, { cmd: 'b', env: 2 }, { cmd: 'b', env: 3 }]);
  });
  it('maps a dict as its [key, value] pairs and expand_kwargs as its dicts', () => {
    expect(mappedKwargs(dict({}), { item: { a: 1, b: 2 } }, 1)).toEqual({ item: ['b', 2] });
    expect(mappedKwargs({ type: 'list', target: 'args', value: null }, [{ x: 1 }, { x: 2, y: 3 }], 1)).toEqual({ x: 2, y: 3 });
  });
});

describe('argsForMapIndex', () => {
  it('puts mapped values into op_kwargs for TaskFlow, over the partial ones', () => {
    const task = { args: { op_args: [], op_kwargs: { y: 10 } }, expand_input: { type: 'dict', target: 'op_kwargs', value: {} } } as unknown as SerializedTask;
    expect(argsForMapIndex(task, { x: [1, 2] }, 1)).toEqual({ op_args: [], op_kwargs: { y: 10, x: 2 } });
  });
  it('lists the XComArgs an expand input reads', () => {
    expect(expandSources(dict({ a: { __type: 'xcomarg', task_id: 'up', key: 'return_value' }, b: [1] }))).toEqual(['up']);
  });
});
