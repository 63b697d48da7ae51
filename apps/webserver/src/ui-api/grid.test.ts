import { describe, expect, it } from 'vitest';
import { displayOrder } from './grid.ts';

const t = (task_id: string, upstream: string[], task_group_id: string | null = null) => ({ task_id, upstream_task_ids: upstream, task_group_id });

describe('displayOrder', () => {
  it('keeps topological order', () => {
    expect(displayOrder({ tasks: [t('c', ['b']), t('a', []), t('b', ['a'])] as never })).toEqual(['a', 'b', 'c']);
  });

  it("keeps a task group's members together, where its first member would be", () => {
    // Topologically x.one, y, x.two could interleave; the group stays in one block.
    const tasks = [t('start', []), t('x.one', ['start'], 'x'), t('y', ['start']), t('x.two', ['x.one'], 'x'), t('end', ['x.two', 'y'])];
    expect(displayOrder({ tasks } as never)).toEqual(['start', 'x.one', 'x.two', 'y', 'end']);
  });

  it('nests groups inside their parents', () => {
    const tasks = [t('a', []), t('g.h.deep', ['a'], 'g.h'), t('b', ['a']), t('g.top', ['g.h.deep'], 'g'), t('g.h.deeper', ['g.h.deep'], 'g.h')];
    expect(displayOrder({ tasks } as never)).toEqual(['a', 'g.h.deep', 'g.h.deeper', 'g.top', 'b']);
  });
});
