/**
 * The context of one try: Airflow's template keys (the pure builder in dag-model, plain JSON), and this run's XComs
 * when the task needs them before it starts (TaskFlow XComArgs, Python callables). What templates read from the
 * metastore at render time (`var`, `conn`, `ti.xcom_pull`) is fetched by name while rendering (template-data.ts).
 */
import type { Kysely } from 'kysely';
import type { Database } from '@windsock/metastore';
import { buildTemplateContext, isDagRunConfArg, type SerializedDag, type SerializedTask } from '@windsock/dag-model';

export interface RunRow {
  id: number; dag_id: string; run_id: string; run_type: string; logical_date: Date | null;
  data_interval_start: Date | null; data_interval_end: Date | null; conf: Record<string, unknown>; start_date: Date | null;
}

export interface ContextDeps {
  db: Kysely<Database>;
  /** Decrypts a connection's secret fields. */
  readConnection: (connId: string) => Promise<Record<string, unknown> | null>;
}

export interface TryContext {
  /** Airflow's template keys as JSON: what templates and processes that receive the context (Python callables) see. */
  json: Record<string, unknown>;
  /** This run's XComs by task id and key (loaded only when the task needs them before it starts). */
  xcoms: Record<string, Record<string, unknown>>;
}

export async function buildContext(deps: ContextDeps, dag: SerializedDag, task: SerializedTask, run: RunRow, tryNumber: number, mapIndex: number): Promise<TryContext> {
  const base = buildTemplateContext({ dag, task, run: {
    run_id: run.run_id, run_type: run.run_type, logical_date: run.logical_date, data_interval_start: run.data_interval_start,
    data_interval_end: run.data_interval_end, conf: run.conf, start_date: run.start_date,
  }, tryNumber, mapIndex });
  const rows = JSON.stringify(task.args).includes('"xcomarg"') || task.kind === 'python' || task.expand_input !== undefined
    ? await deps.db.selectFrom('xcom').select(['task_id', 'key', 'value', 'map_index']).where('dag_run_id', '=', run.id)
      .orderBy('map_index').execute()
    : [];
  const xcoms = groupXComs(rows);
  // A mapped task that expanded into nothing (skipped) gives its downstream an empty sequence, as in Airflow.
  if (rows.length > 0 || task.kind === 'python') {
    for (const t of dag.tasks) if (t.expand_input) (xcoms[t.task_id] ??= {}).return_value ??= [];
  }
  return { json: base, xcoms };
}

/**
 * This run's XComs by task id and key. A mapped task's values (map_index 0..N-1) are one list in map_index order,
 * as Airflow's lazy XCom sequence gives them to a downstream task; an unmapped value (map_index -1) wins.
 */
export function groupXComs(rows: readonly { task_id: string; key: string; value: unknown; map_index: number }[]): Record<string, Record<string, unknown>> {
  const xcoms: Record<string, Record<string, unknown>> = {};
  const mapped = new Map<string, { task: string; key: string; values: [number, unknown][] }>();
  for (const r of rows) {
    if (r.map_index < 0) { (xcoms[r.task_id] ??= {})[r.key] = r.value; continue; }
    const k = `${r.task_id}\0${r.key}`;
    (mapped.get(k) ?? mapped.set(k, { task: r.task_id, key: r.key, values: [] }).get(k)!).values.push([r.map_index, r.value]);
  }
  for (const m of mapped.values()) {
    const own = (xcoms[m.task] ??= {});
    if (!(m.key in own)) own[m.key] = m.values.sort((a, b) => a[0] - b[0]).map(([, v]) => v);
  }
  return xcoms;
}

/**
 * Replaces TaskFlow XComArgs (`{__type: 'xcomarg', task_id, key}`) with the upstream task's XCom, as Airflow
 * does before calling the task; a missing one fails the task with Airflow's message.
 */
export function resolveXComArgs(value: unknown, xcoms: Record<string, Record<string, unknown>>, dagId: string, conf: Record<string, unknown> = {}): unknown {
  if (Array.isArray(value)) return value.map((v) => resolveXComArgs(v, xcoms, dagId, conf));
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    // A built-in DAG's argument taken from its run's conf (dag-model's jobs.ts); absent when the conf has none.
    if (isDagRunConfArg(o)) {
      const part = conf[o.key];
      return part && typeof part === 'object' && !Array.isArray(part) ? (part as Record<string, unknown>)[o.field] : undefined;
    }
    if (o.__type === 'xcomarg') {
      const taskId = String(o.task_id);
      const key = String(o.key ?? 'return_value');
      const got = xcoms[taskId];
      if (!got || !(key in got)) throw new Error(`XComArg result from ${taskId} at ${dagId} with key="${key}" is not found!`);
      return got[key];
    }
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, resolveXComArgs(v, xcoms, dagId, conf)]).filter(([, v]) => v !== undefined));
  }
  return value;
}
