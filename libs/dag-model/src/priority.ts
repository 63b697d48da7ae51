/**
 * Effective priority weights (Airflow's weight rules, `airflow/task/priority_strategy.py`,
 * airflow-semantics.md §3): the value stored on a task instance and used, highest first, to order
 * scheduled task instances when they compete for pool slots.
 *  - downstream (default): own weight + the own weights of all descendants, each counted once;
 *  - upstream: own weight + the own weights of all ancestors, each counted once;
 *  - absolute: own weight.
 * The result is clamped to a 32-bit signed integer, as Airflow does (db_safe_priority), since the
 * column is an integer.
 */
import type { GraphTask } from './graph.ts';
import { downstreamMap, reach } from './graph.ts';
import type { WeightRule } from './serialized.ts';

export interface WeightedTask extends GraphTask {
  priority_weight: number;
  weight_rule: WeightRule;
}

export const DB_SAFE_MINIMUM = -2_147_483_648;
export const DB_SAFE_MAXIMUM = 2_147_483_647;

export function dbSafePriority(weight: number): number {
  return Math.max(DB_SAFE_MINIMUM, Math.min(DB_SAFE_MAXIMUM, weight));
}

export function effectivePriorityWeights(dag: { tasks: readonly WeightedTask[] }): Map<string, number> {
  const own = new Map(dag.tasks.map((t) => [t.task_id, t.priority_weight]));
  let down: Map<string, string[]> | null = null;
  let up: Map<string, readonly string[]> | null = null;
  const result = new Map<string, number>();
  for (const t of dag.tasks) {
    let related: Set<string>;
    switch (t.weight_rule) {
      case 'absolute':
        related = new Set();
        break;
      case 'downstream':
        down ??= downstreamMap(dag);
        related = reach(down, t.task_id);
        break;
      case 'upstream':
        up ??= new Map(dag.tasks.map((x) => [x.task_id, x.upstream_task_ids]));
        related = reach(up, t.task_id);
        break;
      default: {
        const unreachable: never = t.weight_rule;
        throw new Error(`unknown weight rule ${String(unreachable)}`);
      }
    }
    let total = t.priority_weight;
    for (const id of related) if (id !== t.task_id) total += own.get(id) ?? 0;
    result.set(t.task_id, dbSafePriority(total));
  }
  return result;
}
