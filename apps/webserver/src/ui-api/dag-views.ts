/**
 * Read models for the DAG pages other than the grid: the graph (tasks, edges, groups, and one run's states),
 * a run's Gantt rows, and the DAG's source from dag_code. Reads only; every write goes through /api/v2.
 */
import type { Kysely } from 'kysely';
import type { Database } from '@windsock/metastore';
import { UiApiError } from './errors.ts';
import { displayOrder } from './grid.ts';

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export interface GraphResponse {
  dag_id: string;
  tasks: { task_id: string; group_id: string | null; operator: string; trigger_rule: string; upstream_task_ids: string[] }[];
  groups: { group_id: string; parent_group_id: string | null; tooltip: string }[];
  /** The run whose states are shown: the one asked for, else the latest; null when the DAG never ran. */
  run: { run_id: string; state: string } | null;
  states: Record<string, string | null>;
  /** The latest runs, newest first, for the run picker. */
  recent_runs: { run_id: string; state: string }[];
}

export async function loadGraph(db: Kysely<Database>, dagId: string, runId: string | undefined): Promise<GraphResponse> {
  const ser = await db.selectFrom('serialized_dag').select('data').where('dag_id', '=', dagId).executeTakeFirst();
  if (!ser) throw new UiApiError('DAG_NOT_FOUND', `The DAG with dag_id: \`${dagId}\` was not found`);
  const recent = await db.selectFrom('dag_run').select(['id', 'run_id', 'state']).where('dag_id', '=', dagId)
    .orderBy('run_after', 'desc').orderBy('id', 'desc').limit(25).execute();
  const run = runId
    ? recent.find((r) => r.run_id === runId) ?? await db.selectFrom('dag_run').select(['id', 'run_id', 'state'])
      .where('dag_id', '=', dagId).where('run_id', '=', runId).executeTakeFirst()
    : recent[0];
  if (runId && !run) throw new UiApiError('RUN_NOT_FOUND', `The DagRun with dag_id: \`${dagId}\` and run_id: \`${runId}\` was not found`);
  const states: Record<string, string | null> = {};
  if (run) {
    const tis = await db.selectFrom('task_instance').select(['task_id', 'state']).where('dag_run_id', '=', run.id).execute();
    for (const ti of tis) states[ti.task_id] = ti.state;
  }
  const byId = new Map(ser.data.tasks.map((t) => [t.task_id, t]));
  return {
    dag_id: dagId,
    tasks: displayOrder(ser.data).map((id) => {
      const t = byId.get(id)!;
      return { task_id: id, group_id: t.task_group_id, operator: t.operator, trigger_rule: t.trigger_rule, upstream_task_ids: t.upstream_task_ids };
    }),
    groups: ser.data.task_groups.map((g) => ({ group_id: g.group_id, parent_group_id: g.parent_group_id, tooltip: g.tooltip })),
    run: run ? { run_id: run.run_id, state: run.state } : null,
    states,
    recent_runs: recent.map((r) => ({ run_id: r.run_id, state: r.state })),
  };
}

export interface GanttRow {
  task_id: string; state: string | null; try_number: number;
  queued_dttm: string | null; start_date: string | null; end_date: string | null;
}
export interface GanttResponse {
  dag_id: string; run_id: string; state: string; start_date: string | null; end_date: string | null; conf: Record<string, unknown>;
  rows: GanttRow[];
}

export async function loadGantt(db: Kysely<Database>, dagId: string, runId: string): Promise<GanttResponse> {
  const run = await db.selectFrom('dag_run').select(['id', 'run_id', 'state', 'start_date', 'end_date', 'conf'])
    .where('dag_id', '=', dagId).where('run_id', '=', runId).executeTakeFirst();
  if (!run) throw new UiApiError('RUN_NOT_FOUND', `The DagRun with dag_id: \`${dagId}\` and run_id: \`${runId}\` was not found`);
  const tis = await db.selectFrom('task_instance').select(['task_id', 'state', 'try_number', 'queued_dttm', 'start_date', 'end_date'])
    .where('dag_run_id', '=', run.id).execute();
  const ser = await db.selectFrom('serialized_dag').select('data').where('dag_id', '=', dagId).executeTakeFirst();
  const rank = new Map((ser ? displayOrder(ser.data) : []).map((id, i) => [id, i]));
  tis.sort((a, b) => (a.start_date?.getTime() ?? Infinity) - (b.start_date?.getTime() ?? Infinity)
    || (rank.get(a.task_id) ?? 0) - (rank.get(b.task_id) ?? 0));
  return {
    dag_id: dagId, run_id: run.run_id, state: run.state, start_date: iso(run.start_date), end_date: iso(run.end_date), conf: run.conf,
    rows: tis.map((t) => ({
      task_id: t.task_id, state: t.state, try_number: t.try_number,
      queued_dttm: iso(t.queued_dttm), start_date: iso(t.start_date), end_date: iso(t.end_date),
    })),
  };
}

export async function loadSource(db: Kysely<Database>, dagId: string): Promise<{ dag_id: string; fileloc: string; content: string | null }> {
  const dag = await db.selectFrom('dag').select(['fileloc']).where('dag_id', '=', dagId).executeTakeFirst();
  if (!dag) throw new UiApiError('DAG_NOT_FOUND', `The DAG with dag_id: \`${dagId}\` was not found`);
  const code = await db.selectFrom('dag_code').select('source_code').where('fileloc', '=', dag.fileloc).executeTakeFirst();
  return { dag_id: dagId, fileloc: dag.fileloc, content: code?.source_code ?? null };
}

export interface DagMeta {
  dag_id: string; description: string | null; is_paused: boolean; tags: string[]; owners: string[]; fileloc: string;
  timetable_summary: string | null; timetable_description: string | null; next_dagrun: string | null; doc_md: string | null;
  /** When the DAG processor last parsed the DAG's file. */
  last_parsed_time: string | null;
  /** The DAG's params as serialized: default, description and a JSON-schema fragment each (for the trigger form). */
  params: Record<string, { default: unknown; description: string | null; schema: Record<string, unknown> }>;
  task_count: number;
}

export async function loadDagMeta(db: Kysely<Database>, dagId: string): Promise<DagMeta> {
  const row = await db.selectFrom('dag').innerJoin('serialized_dag', 'serialized_dag.dag_id', 'dag.dag_id')
    .select(['dag.dag_id', 'dag.is_paused', 'dag.timetable_summary', 'dag.timetable_description', 'dag.next_dagrun', 'dag.last_parsed_time', 'serialized_dag.data'])
    .where('dag.dag_id', '=', dagId).executeTakeFirst();
  if (!row) throw new UiApiError('DAG_NOT_FOUND', `The DAG with dag_id: \`${dagId}\` was not found`);
  const d = row.data;
  return {
    dag_id: d.dag_id, description: d.description, is_paused: row.is_paused, tags: d.tags, owners: d.owners, fileloc: d.fileloc,
    timetable_summary: row.timetable_summary, timetable_description: row.timetable_description, next_dagrun: iso(row.next_dagrun),
    last_parsed_time: iso(row.last_parsed_time), doc_md: d.doc_md, params: d.params,
    task_count: d.tasks.length,
  };
}
