/**
 * Graph helpers over a DAG's tasks. They read only `upstream_task_ids` (the source of truth;
 * `downstream_task_ids` is derived from it by finalizeDag), so they work on a DAG being validated.
 * Orders are deterministic: ties are broken by the order of `dag.tasks`.
 */
import { DagValidationError } from './errors.ts';

export interface GraphTask {
  task_id: string;
  upstream_task_ids: readonly string[];
}
export interface GraphDag {
  tasks: readonly GraphTask[];
}

/** task id → its direct downstream task ids, in `dag.tasks` order. Throws on unknown upstream ids. */
export function downstreamMap(dag: GraphDag): Map<string, string[]> {
  const down = new Map<string, string[]>();
  for (const t of dag.tasks) down.set(t.task_id, []);
  for (const t of dag.tasks) {
    for (const up of t.upstream_task_ids) {
      const list = down.get(up);
      if (list === undefined) {
        throw new DagValidationError('UNKNOWN_UPSTREAM',
          `task ${JSON.stringify(t.task_id)} depends on unknown task ${JSON.stringify(up)}`,
          `tasks.${t.task_id}.upstream_task_ids`);
      }
      if (!list.includes(t.task_id)) list.push(t.task_id);
    }
  }
  return down;
}

/**
 * A cycle as a path that starts and ends at the same task, following downstream edges
 * (`['a', 'b', 'c', 'a']` for a >> b >> c >> a), or null when the graph is acyclic.
 */
export function findCycle(dag: GraphDag): string[] | null {
  const down = downstreamMap(dag);
  const color = new Map<string, 0 | 1 | 2>(); // 0 new, 1 on the current path, 2 done
  for (const start of dag.tasks) {
    if (color.get(start.task_id)) continue;
    // Iterative DFS so that a long chain cannot overflow the stack.
    const path: string[] = [start.task_id];
    const next: number[] = [0];
    color.set(start.task_id, 1);
    while (path.length > 0) {
      const node = path[path.length - 1]!;
      const children = down.get(node)!;
      const i = next[next.length - 1]!;
      if (i >= children.length) {
        color.set(node, 2);
        path.pop();
        next.pop();
        continue;
      }
      next[next.length - 1] = i + 1;
      const child = children[i]!;
      const c = color.get(child) ?? 0;
      if (c === 1) return [...path.slice(path.indexOf(child)), child];
      if (c === 0) {
        color.set(child, 1);
        path.push(child);
        next.push(0);
      }
    }
  }
  return null;
}

/** Task ids with every task after all of its upstreams (Kahn). Throws CYCLE on a cyclic graph. */
export function topologicalOrder(dag: GraphDag): string[] {
  const down = downstreamMap(dag);
  const indegree = new Map<string, number>();
  for (const t of dag.tasks) indegree.set(t.task_id, new Set(t.upstream_task_ids).size);
  const position = new Map(dag.tasks.map((t, i) => [t.task_id, i]));
  // A ready list kept sorted by position gives a stable order; DAGs are small enough for this.
  const ready = dag.tasks.filter((t) => indegree.get(t.task_id) === 0).map((t) => t.task_id);
  const order: string[] = [];
  while (ready.length > 0) {
    const id = ready.shift()!;
    order.push(id);
    for (const child of down.get(id)!) {
      const d = indegree.get(child)! - 1;
      indegree.set(child, d);
      if (d === 0) insertByPosition(ready, child, position);
    }
  }
  if (order.length !== indegree.size) {
    const cycle = findCycle(dag);
    throw new DagValidationError('CYCLE', `the DAG has a cycle: ${(cycle ?? []).join(' -> ')}`);
  }
  return order;
}

function insertByPosition(list: string[], id: string, position: Map<string, number>): void {
  const p = position.get(id)!;
  let i = list.length;
  while (i > 0 && position.get(list[i - 1]!)! > p) i--;
  list.splice(i, 0, id);
}

/** Tasks nothing depends on (the run's outcome is decided by them). */
export function leafTaskIds(dag: GraphDag): string[] {
  const down = downstreamMap(dag);
  return dag.tasks.filter((t) => down.get(t.task_id)!.length === 0).map((t) => t.task_id);
}

/** Tasks without upstream tasks. */
export function rootTaskIds(dag: GraphDag): string[] {
  return dag.tasks.filter((t) => t.upstream_task_ids.length === 0).map((t) => t.task_id);
}

/** Every task reachable downstream of `taskId` (not including it). */
export function descendants(dag: GraphDag, taskId: string): Set<string> {
  return reach(downstreamMap(dag), taskId);
}

/** Every task `taskId` transitively depends on (not including it). */
export function ancestors(dag: GraphDag, taskId: string): Set<string> {
  return reach(new Map(dag.tasks.map((t) => [t.task_id, [...t.upstream_task_ids]])), taskId);
}

/** Transitive closure from `from` along `edges` (excluding `from` unless it is on a cycle). */
export function reach(edges: ReadonlyMap<string, readonly string[]>, from: string): Set<string> {
  const seen = new Set<string>();
  const stack = [...(edges.get(from) ?? [])];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const next of edges.get(id) ?? []) if (!seen.has(next)) stack.push(next);
  }
  return seen;
}
