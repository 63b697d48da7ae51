/**
 * dag-factory's set_dependencies: each task's, then each task group's `dependencies`, in file
 * order, through Airflow's set_upstream. A name is a task (its raw task_id) or a task group:
 * depending on a group = depending on the group's leaves; a group depending on X = the group's
 * roots depend on X. Roots and leaves are computed when each dependency is applied (the edges
 * within the group known at that moment), exactly as Airflow's TaskGroup does.
 */
import { DagDeclarationError } from '../errors.ts';
import { describe } from '../normalize/time.ts';
import type { YamlPath } from './parse.ts';

export interface GroupNode {
  name: string;
  path: YamlPath;
  conf: Record<string, unknown>;
  parent: GroupNode | null;
  /** Full id, prefixed by the parents (TaskGroup.group_id). */
  groupId: string;
  /** prefix_group_id: child ids are "<groupId>.<name>". */
  prefixChildren: boolean;
}

export interface TaskNode {
  name: string;
  path: YamlPath;
  conf: Record<string, unknown>;
  group: GroupNode | null;
  taskId: string;
}

/** Full task id -> its upstream full task ids. */
export function resolveDependencies(dagId: string, tasks: readonly TaskNode[], groups: readonly GroupNode[],
  ctx: { lineOf(dagId: string, sub: YamlPath): number | null }): Map<string, Set<string>> {
  const upstream = new Map<string, Set<string>>(tasks.map((t) => [t.taskId, new Set<string>()]));
  const taskByName = new Map(tasks.map((t) => [t.name, t]));
  const groupByName = new Map(groups.map((g) => [g.name, g]));
  const members = (g: GroupNode): string[] => tasks.filter((t) => within(t.group, g)).map((t) => t.taskId);
  const roots = (g: GroupNode): string[] => {
    const ids = new Set(members(g));
    return [...ids].filter((id) => ![...upstream.get(id)!].some((u) => ids.has(u)));
  };
  const leaves = (g: GroupNode): string[] => {
    const ids = new Set(members(g));
    const hasDownstreamInside = new Set<string>();
    for (const id of ids) for (const u of upstream.get(id)!) if (ids.has(u)) hasDownstreamInside.add(u);
    return [...ids].filter((id) => !hasDownstreamInside.has(id));
  };

  const apply = (node: { name: string; path: YamlPath; conf: Record<string, unknown> }, downstream: () => string[],
    taskId: string | null): void => {
    const deps = node.conf.dependencies;
    if (deps === undefined || deps === null) return;
    const line = ctx.lineOf(dagId, [...node.path, 'dependencies']);
    if (!Array.isArray(deps)) {
      throw new DagDeclarationError('INVALID_LAYOUT', `dependencies must be a list of task or task group names, `
        + `got ${describe(deps)}`, { dagId, taskId, field: 'dependencies', line });
    }
    for (const dep of deps) {
      const task = typeof dep === 'string' ? taskByName.get(dep) : undefined;
      const group = typeof dep === 'string' ? groupByName.get(dep) : undefined;
      if (!task && !group) {
        const what = taskId ? '' : `task group '${node.name}' `;
        throw new DagDeclarationError('UNKNOWN_DEPENDENCY',
          `${what}depends on '${String(dep)}', which is neither a task nor a task group of the DAG`,
          { dagId, taskId, field: 'dependencies', line });
      }
      const ups = task ? [task.taskId] : leaves(group!);
      for (const down of downstream()) for (const up of ups) upstream.get(down)!.add(up);
    }
  };
  for (const t of tasks) apply(t, () => [t.taskId], t.taskId);
  // Airflow takes the group's roots at each set_upstream call, before adding that call's edges.
  for (const g of groups) apply(g, () => roots(g), null);
  return upstream;
}

function within(group: GroupNode | null, ancestor: GroupNode): boolean {
  for (let g = group; g; g = g.parent) if (g === ancestor) return true;
  return false;
}
