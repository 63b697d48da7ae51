/**
 * The template context of one try: Airflow's keys (from the pure builder in dag-model) plus what needs the
 * metastore — `var`, `conn` and `ti.xcom_pull` — loaded only when a template mentions them.
 */
import type { Kysely } from 'kysely';
import type { Database } from '@windsock/metastore';
import { addVariableSecret, buildTemplateContext, type SecretsMasker, type SerializedDag, type SerializedTask } from '@windsock/dag-model';
import { splitKeywordArgs } from './templates.ts';

export interface RunRow {
  id: number; dag_id: string; run_id: string; run_type: string; logical_date: Date | null;
  data_interval_start: Date | null; data_interval_end: Date | null; conf: Record<string, unknown>; start_date: Date | null;
}

export interface ContextDeps {
  db: Kysely<Database>;
  /** Decrypts a connection's secret fields. */
  readConnection: (connId: string) => Promise<Record<string, unknown> | null>;
  /** The try's secrets masker: every variable whose key looks sensitive is registered when variables load. */
  secrets?: SecretsMasker;
}

export interface TryContext {
  /** What templates see: Airflow's keys plus var, conn and ti. */
  context: Record<string, unknown>;
  /** The JSON-only part, for processes that receive the context (Python callables). */
  json: Record<string, unknown>;
  /** This run's XComs by task id and key (loaded only when the task pulls any). */
  xcoms: Record<string, Record<string, unknown>>;
}

export async function buildContext(deps: ContextDeps, dag: SerializedDag, task: SerializedTask, run: RunRow, tryNumber: number, mapIndex: number): Promise<TryContext> {
  const base = buildTemplateContext({ dag, task, run: {
    run_id: run.run_id, run_type: run.run_type, logical_date: run.logical_date, data_interval_start: run.data_interval_start,
    data_interval_end: run.data_interval_end, conf: run.conf, start_date: run.start_date,
  }, tryNumber, mapIndex });
  const text = JSON.stringify(task.args);
  const ctx: Record<string, unknown> = { ...base };

  if (text.includes('var.')) {
    const rows = await deps.db.selectFrom('variable').select(['key', 'val']).execute();
    const vals = new Map(rows.map((r) => [r.key, r.val]));
    if (deps.secrets) for (const r of rows) addVariableSecret(deps.secrets, r.key, r.val);
    const lookup = (json: boolean) => new Proxy({}, {
      get(_t, key) {
        if (key === 'get') return (k: string, dflt?: unknown) => (vals.has(k) ? (json ? JSON.parse(vals.get(k)!) : vals.get(k)) : dflt);
        if (typeof key !== 'string' || !vals.has(key)) return undefined;
        return json ? JSON.parse(vals.get(key)!) : vals.get(key);
      },
    });
    ctx.var = { value: lookup(false), json: lookup(true) };
  }
  if (text.includes('conn.')) {
    const ids = [...new Set([...text.matchAll(/conn\.([A-Za-z0-9_]+)/g)].map((m) => m[1]!))];
    const conns: Record<string, unknown> = {};
    for (const id of ids) { const c = await deps.readConnection(id); if (c) conns[id] = c; }
    ctx.conn = conns;
  }
  const rows = text.includes('xcom_pull') || text.includes('"xcomarg"') || task.kind === 'python'
    ? await deps.db.selectFrom('xcom').select(['task_id', 'key', 'value', 'map_index']).where('dag_run_id', '=', run.id).execute()
    : [];
  const xcoms: Record<string, Record<string, unknown>> = {};
  for (const r of rows) (xcoms[r.task_id] ??= {})[r.key] = r.value;
  const ti = {
    dag_id: dag.dag_id, task_id: task.task_id, run_id: run.run_id, try_number: tryNumber, map_index: mapIndex,
    xcom_pull: (...args: unknown[]) => {
      const { positional, keywords } = splitKeywordArgs(args);
      const taskIds = keywords.task_ids ?? positional[0] ?? task.task_id;
      const key = (keywords.key ?? positional[1] ?? 'return_value') as string;
      const one = (id: unknown) => xcoms[String(id)]?.[key] ?? null;
      return Array.isArray(taskIds) ? taskIds.map(one) : one(taskIds);
    },
  };
  ctx.ti = ti;
  ctx.task_instance = ti;
  return { context: ctx, json: base as Record<string, unknown>, xcoms };
}

/**
 * Replaces TaskFlow XComArgs (`{__type: 'xcomarg', task_id, key}`) with the upstream task's XCom, as Airflow
 * does before calling the task; a missing one fails the task with Airflow's message.
 */
export function resolveXComArgs(value: unknown, xcoms: Record<string, Record<string, unknown>>, dagId: string): unknown {
  if (Array.isArray(value)) return value.map((v) => resolveXComArgs(v, xcoms, dagId));
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (o.__type === 'xcomarg') {
      const taskId = String(o.task_id);
      const key = String(o.key ?? 'return_value');
      const got = xcoms[taskId];
      if (!got || !(key in got)) throw new Error(`XComArg result from ${taskId} at ${dagId} with key="${key}" is not found!`);
      return got[key];
    }
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, resolveXComArgs(v, xcoms, dagId)]));
  }
  return value;
}
