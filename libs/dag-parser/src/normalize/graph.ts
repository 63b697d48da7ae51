/**
 * Graph checks done before dag-model's finalizeDag so that each problem can name the task and its
 * line: duplicate ids, unknown task groups and upstreams, cycles. finalizeDag still runs after
 * these as the last word.
 */
import type { SerializedTask, SerializedTaskGroup } from '@windsock/dag-model';
import { fail, type Where } from './read.ts';

export function checkGroups(dagId: string, groups: readonly SerializedTaskGroup[]): void {
  const ids = new Set<string>();
  for (const g of groups) {
    if (ids.has(g.group_id)) {
      throw fail({ dagId }, 'DUPLICATE_ID', 'task_group', `task group '${g.group_id}' is declared twice`);
    }
    ids.add(g.group_id);
  }
  for (const g of groups) {
    if (g.parent_group_id !== null && !ids.has(g.parent_group_id)) {
      throw fail({ dagId }, 'UNKNOWN_DEPENDENCY', 'parent_group',
        `task group '${g.group_id}' has parent '${g.parent_group_id}', which is not a task group of the DAG`);
    }
  }
  const parent = new Map(groups.map((g) => [g.group_id, g.parent_group_id]));
  for (const g of groups) {
    const seen = [g.group_id];
    for (let p = parent.get(g.group_id) ?? null; p !== null; p = parent.get(p) ?? null) {
      if (seen.includes(p)) {
        throw fail({ dagId }, 'CYCLE', 'parent_group', `task groups are nested in a cycle: ${[...seen, p].join(' -> ')}`);
      }
      seen.push(p);
    }
  }
}

/** `lines` maps task_id to its declaration line, for messages. */
export function checkTasks(dagId: string, tasks: readonly SerializedTask[], groups: readonly SerializedTaskGroup[],
  lines: ReadonlyMap<string, number | null>): void {
  const groupIds = new Set(groups.map((g) => g.group_id));
  const taskIds = new Set<string>();
  const at = (taskId: string): Where => ({ dagId, taskId, line: lines.get(taskId) ?? null });
  for (const t of tasks) {
    if (taskIds.has(t.task_id)) {
      throw fail(at(t.task_id), 'DUPLICATE_ID', 'task_id', `task id '${t.task_id}' is used by more than one task`);
    }
    if (groupIds.has(t.task_id)) {
      throw fail(at(t.task_id), 'DUPLICATE_ID', 'task_id', `task id '${t.task_id}' is also the id of a task group`);
    }
    taskIds.add(t.task_id);
    if (t.task_group_id !== null && !groupIds.has(t.task_group_id)) {
      throw fail(at(t.task_id), 'UNKNOWN_DEPENDENCY', 'task_group',
        `task group '${t.task_group_id}' is not a task group of the DAG`);
    }
  }
  for (const t of tasks) {
    for (const up of t.upstream_task_ids) {
      if (!taskIds.has(up)) {
        throw fail(at(t.task_id), 'UNKNOWN_DEPENDENCY', 'dependencies',
          `depends on '${up}', which is not a task of the DAG`);
      }
      if (up === t.task_id) throw fail(at(t.task_id), 'CYCLE', 'dependencies', 'the task depends on itself');
    }
  }
  const cycle = findCycle(tasks);
  if (cycle) {
    throw fail(at(cycle[0]!), 'CYCLE', 'dependencies', `the dependencies form a cycle: ${cycle.join(' -> ')}`);
  }
}

/** A cycle as a path of task ids that starts and ends with the same id, or null. */
export function findCycle(tasks: readonly SerializedTask[]): string[] | null {
  const upstream = new Map(tasks.map((t) => [t.task_id, t.upstream_task_ids]));
  const state = new Map<string, 'active' | 'done'>();
  const path: string[] = [];
  // Iterative DFS over upstream edges: deep chains must not overflow the stack.
  for (const start of upstream.keys()) {
    if (state.has(start)) continue;
    const stack: { id: string; next: number }[] = [{ id: start, next: 0 }];
    state.set(start, 'active');
    path.push(start);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const ups = upstream.get(top.id) ?? [];
      if (top.next < ups.length) {
        const up = ups[top.next++]!;
        const s = state.get(up);
        if (s === 'active') return [...path.slice(path.indexOf(up)), up].reverse();
        if (s === undefined && upstream.has(up)) {
          state.set(up, 'active');
          path.push(up);
          stack.push({ id: up, next: 0 });
        }
      } else {
        state.set(top.id, 'done');
        path.pop();
        stack.pop();
      }
    }
  }
  return null;
}
