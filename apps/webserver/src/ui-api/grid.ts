/**
 * The grid view's data in one call: the DAG's last N runs × its tasks. Three indexed reads (the DAG's hash, its
 * runs, their task instances aggregated per run) and a dense matrix; the DAG's row layout is cached per hash.
 * Airflow's grid fans out per task group and takes seconds on large DAGs.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '@windsock/metastore';
import { topologicalOrder, type SerializedDag } from '@windsock/dag-model';
import { UiApiError } from './errors.ts';

export interface GridRun {
  run_id: string; state: string; run_type: string; logical_date: string | null; run_after: string;
  start_date: string | null; end_date: string | null; note: string | null;
  /** The commit of the DAG's source the run ran (DAG sources), or null. */
  bundle_version: string | null;
}
export interface GridTask { task_id: string; group_id: string | null; operator: string; /** A mapped task (`.expand`). */ mapped?: true }
export interface GridResponse {
  dag_id: string;
  /** Oldest first: the grid reads left to right in time, as Airflow's does. */
  runs: GridRun[];
  groups: { group_id: string; parent_group_id: string | null; tooltip: string }[];
  /** Topological order, so a task's row sits below its upstreams. */
  tasks: GridTask[];
  /** states[taskIndex][runIndex]: the task instance's state, null for "no status" or no task instance yet. */
  states: (string | null)[][];
  /** tries[taskIndex][runIndex]: the try number (0 when none was made); shown as a retry mark when > 1. */
  tries: number[][];
  /**
   * Mapped tasks' cells (key `taskIndex,runIndex`): how many expanded instances are in each state. The cell's state
   * in `states` is then their summary (the most alarming state wins, as Airflow's grid shows a mapped task).
   */
  mapped: Record<string, Record<string, number>>;
}

/** Airflow's grid order for summarising several task instances in one cell (the UI's states.ts keeps the same). */
const PRIORITY: readonly (string | null)[] = ['failed', 'upstream_failed', 'up_for_retry', 'up_for_reschedule', 'queued',
  'scheduled', 'deferred', 'running', 'restarting', null, 'success', 'skipped', 'removed'];
const worst = (a: string | null, b: string | null): string | null => (PRIORITY.indexOf(a) <= PRIORITY.indexOf(b) ? a : b);

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

/** Task ids ordered for display: topological order, with each task group's tasks kept next to each other. */
export function displayOrder(dag: Pick<SerializedDag, 'tasks'>): string[] {
  const topo = topologicalOrder(dag);
  const rank = new Map(topo.map((id, i) => [id, i]));
  const groupOf = new Map(dag.tasks.map((t) => [t.task_id, t.task_group_id]));
  // A group sits where its first task (in topological order) would; its members follow in their own order.
  const groupRank = new Map<string, number>();
  for (const id of topo) {
    const g = groupOf.get(id);
    if (!g) continue;
    // Every enclosing group ("a", "a.b") ranks by its first member too.
    const parts = g.split('.');
    for (let i = 1; i <= parts.length; i++) {
      const key = parts.slice(0, i).join('.');
      if (!groupRank.has(key)) groupRank.set(key, rank.get(id)!);
    }
  }
  const sortKey = (id: string): number[] => {
    const g = groupOf.get(id);
    if (!g) return [rank.get(id)!];
    const parts = g.split('.');
    const keys = parts.map((_, i) => groupRank.get(parts.slice(0, i + 1).join('.'))!);
    return [...keys, rank.get(id)!];
  };
  return [...topo].sort((a, b) => {
    const ka = sortKey(a), kb = sortKey(b);
    for (let i = 0; i < Math.min(ka.length, kb.length); i++) if (ka[i] !== kb[i]) return ka[i]! - kb[i]!;
    return ka.length - kb.length;
  });
}

/** A DAG's grid rows, worked out once per dag_hash: display order, group ids and each task's row index. */
interface GridShape { hash: string; tasks: GridTask[]; groups: GridResponse['groups']; row: Map<string, number> }

/**
 * Shapes by dag_id, checked against the stored dag_hash on every call (one indexed single-column read), so a
 * re-parsed DAG is never shown stale while the 1,000-task JSON is parsed and sorted only when it changes.
 */
export class GridShapeCache {
  private readonly byDag = new Map<string, GridShape>();
  private readonly max: number;
  constructor(max = 200) { this.max = max; }

  async get(db: Kysely<Database>, dagId: string): Promise<GridShape> {
    const head = await db.selectFrom('serialized_dag').select('dag_hash').where('dag_id', '=', dagId).executeTakeFirst();
    if (!head) throw new UiApiError('DAG_NOT_FOUND', `The DAG with dag_id: \`${dagId}\` was not found`);
    const hit = this.byDag.get(dagId);
    if (hit && hit.hash === head.dag_hash) return hit;
    const ser = await db.selectFrom('serialized_dag').select(['data', 'dag_hash']).where('dag_id', '=', dagId).executeTakeFirst();
    if (!ser) throw new UiApiError('DAG_NOT_FOUND', `The DAG with dag_id: \`${dagId}\` was not found`);
    const order = displayOrder(ser.data);
    const byId = new Map(ser.data.tasks.map((t) => [t.task_id, t]));
    const shape: GridShape = {
      hash: ser.dag_hash,
      tasks: order.map((id) => {
        const t = byId.get(id)!;
        return { task_id: id, group_id: t.task_group_id, operator: t.operator, ...(t.expand_input ? { mapped: true as const } : {}) };
      }),
      groups: ser.data.task_groups.map((g) => ({ group_id: g.group_id, parent_group_id: g.parent_group_id, tooltip: g.tooltip })),
      row: new Map(order.map((id, i) => [id, i])),
    };
    if (this.byDag.size >= this.max) this.byDag.delete(this.byDag.keys().next().value!);
    this.byDag.set(dagId, shape);
    return shape;
  }
}

export async function loadGrid(db: Kysely<Database>, dagId: string, limit: number, shapes = new GridShapeCache()): Promise<GridResponse> {
  const shape = await shapes.get(db, dagId);
  const runs = (await db.selectFrom('dag_run')
    .select(['id', 'run_id', 'state', 'run_type', 'logical_date', 'run_after', 'start_date', 'end_date', 'note', 'bundle_version'])
    .where('dag_id', '=', dagId).orderBy('run_after', 'desc').orderBy('id', 'desc').limit(limit).execute()).reverse();
  const runIndex = new Map(runs.map((r, i) => [r.id, i]));
  const states = shape.tasks.map(() => new Array<string | null>(runs.length).fill(null));
  const tries = shape.tasks.map(() => new Array<number>(runs.length).fill(0));
  const mapped: GridResponse['mapped'] = {};
  if (runs.length > 0) {
    // One row per run with its task instances as a JSON array: 25 rows instead of 25,000 row objects, which is
    // what makes the call cheap (on PGlite above all, where every row crosses the WASM boundary).
    const perRun = await db.selectFrom('task_instance')
      .select(['dag_run_id', sql<[string, string | null, number, number][]>`json_agg(json_build_array(task_id, state, try_number, map_index))`.as('tis')])
      .where('dag_run_id', 'in', runs.map((r) => r.id)).groupBy('dag_run_id').execute();
    for (const { dag_run_id, tis } of perRun) {
      const r = runIndex.get(dag_run_id)!;
      const list = typeof tis === 'string' ? JSON.parse(tis) as typeof tis : tis;
      for (const [taskId, state, tryNumber, mapIndex] of list) {
        const t = shape.row.get(taskId);
        if (t === undefined) continue; // a task removed from the DAG since that run
        if (mapIndex >= 0) {
          const counts = (mapped[`${t},${r}`] ??= {});
          const first = Object.keys(counts).length === 0;
          counts[state ?? 'none'] = (counts[state ?? 'none'] ?? 0) + 1;
          states[t]![r] = first ? state : worst(states[t]![r]!, state);
          tries[t]![r] = Math.max(first ? 0 : tries[t]![r]!, tryNumber);
          continue;
        }
        states[t]![r] = state;
        tries[t]![r] = tryNumber;
      }
    }
  }
  return {
    dag_id: dagId,
    runs: runs.map((r) => ({
      run_id: r.run_id, state: r.state, run_type: r.run_type, logical_date: iso(r.logical_date), run_after: r.run_after.toISOString(),
      start_date: iso(r.start_date), end_date: iso(r.end_date), note: r.note, bundle_version: r.bundle_version,
    })),
    groups: shape.groups, tasks: shape.tasks, states, tries, mapped,
  };
}
