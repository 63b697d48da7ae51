/** Metastore rows → Airflow 3 (`/api/v2`) response objects, field for field as the document names them. */
import type { Selectable } from 'kysely';
import type { DagRunTable, DagTable, TaskInstanceHistoryTable, TaskInstanceTable, SlotPoolTable } from '@windsock/metastore';
import type { SerializedDag, SerializedTask } from '@windsock/dag-model';
import { fileToken, iso, timeDelta } from './common.ts';

type Dag = Selectable<DagTable>;
type Run = Selectable<DagRunTable>;
type Ti = Selectable<TaskInstanceTable>;
type Tih = Selectable<TaskInstanceHistoryTable>;

export function dagV2(d: Dag, tags: string[], ser?: SerializedDag | null) {
  return {
    dag_id: d.dag_id, dag_display_name: d.dag_id, is_paused: d.is_paused, is_stale: !d.is_active,
    last_parsed_time: iso(d.last_parsed_time), last_parse_duration: null, last_expired: null,
    bundle_name: d.bundle_name ?? 'dags-folder', bundle_version: d.bundle_version ?? null,
    relative_fileloc: d.bundle_name && d.fileloc.startsWith(`${d.bundle_name}/`) ? d.fileloc.slice(d.bundle_name.length + 1) : d.fileloc, fileloc: d.fileloc, file_token: fileToken(d.fileloc),
    description: d.description, timetable_summary: d.timetable_summary, timetable_description: d.timetable_description,
    timetable_partitioned: false,
    tags: tags.map((name) => ({ name, dag_id: d.dag_id, dag_display_name: d.dag_id })),
    max_active_tasks: d.max_active_tasks, max_active_runs: d.max_active_runs,
    max_consecutive_failed_dag_runs: d.max_consecutive_failed_dag_runs,
    has_task_concurrency_limits: ser ? ser.tasks.some((t) => t.max_active_tis_per_dag != null || t.max_active_tis_per_dagrun != null) : false,
    has_import_errors: d.has_import_errors,
    next_dagrun_logical_date: iso(d.next_dagrun), next_dagrun_data_interval_start: iso(d.next_dagrun_data_interval_start),
    next_dagrun_data_interval_end: iso(d.next_dagrun_data_interval_end), next_dagrun_run_after: iso(d.next_dagrun_create_after),
    owners: d.owners ? d.owners.split(',').map((s) => s.trim()).filter(Boolean) : [],
    allowed_run_types: null,
  };
}

export function dagDetailsV2(d: Dag, tags: string[], ser: SerializedDag, activeRuns: number) {
  return {
    ...dagV2(d, tags, ser),
    catchup: ser.catchup, dag_run_timeout: ser.dagrun_timeout == null ? null : `PT${ser.dagrun_timeout}S`,
    asset_expression: null, doc_md: ser.doc_md, start_date: ser.start_date, end_date: ser.end_date,
    is_paused_upon_creation: ser.is_paused_upon_creation, params: paramsOf(ser), render_template_as_native_obj: ser.render_template_as_native_obj,
    template_search_path: [], timezone: ser.timezone, last_parsed: iso(d.last_parsed_time), default_args: null, owner_links: null,
    concurrency: ser.max_active_tasks, is_favorite: false, active_runs_count: activeRuns, latest_dag_version: null,
    allowed_run_types: null,
  };
}

export function paramsOf(ser: SerializedDag): Record<string, unknown> {
  return Object.fromEntries(Object.entries(ser.params).map(([k, p]) => [k, { __class: 'airflow.sdk.definitions.param.Param', value: p.default, description: p.description, schema: p.schema }]));
}

export function taskV2(t: SerializedTask, ser: SerializedDag) {
  return {
    task_id: t.task_id, task_display_name: t.task_id, owner: t.owner, start_date: ser.start_date, end_date: ser.end_date,
    trigger_rule: t.trigger_rule, depends_on_past: t.depends_on_past, wait_for_downstream: t.wait_for_downstream,
    retries: t.retries, queue: t.queue, pool: t.pool, pool_slots: t.pool_slots, execution_timeout: timeDelta(t.execution_timeout),
    retry_delay: timeDelta(t.retry_delay), retry_exponential_backoff: t.retry_exponential_backoff ? 2 : 0,
    priority_weight: t.priority_weight, weight_rule: t.weight_rule, ui_color: '#fff', ui_fgcolor: '#000',
    template_fields: t.template_fields, downstream_task_ids: t.downstream_task_ids, doc_md: t.doc_md, operator_name: t.operator,
    params: {}, class_ref: { module_path: t.operator_path.split('.').slice(0, -1).join('.'), class_name: t.operator }, is_mapped: false,
    extra_links: [],
  };
}

export function dagRunV2(r: Run) {
  return {
    dag_run_id: r.run_id, dag_id: r.dag_id, dag_display_name: r.dag_id, logical_date: iso(r.logical_date),
    queued_at: iso(r.queued_at), start_date: iso(r.start_date), end_date: iso(r.end_date),
    duration: r.start_date && r.end_date ? (new Date(r.end_date).getTime() - new Date(r.start_date).getTime()) / 1000 : null,
    data_interval_start: iso(r.data_interval_start), data_interval_end: iso(r.data_interval_end), run_after: iso(r.run_after)!,
    last_scheduling_decision: iso(r.last_scheduling_decision), run_type: r.run_type, state: r.state,
    triggered_by: r.triggered_by, triggering_user_name: null, conf: r.conf, note: r.note, dag_versions: [], bundle_version: r.bundle_version ?? null,
    partition_key: null,
  };
}

export function tiV2(t: Ti, run: Pick<Run, 'logical_date' | 'run_after'>) {
  return {
    id: t.id, task_id: t.task_id, dag_id: t.dag_id, dag_run_id: t.run_id, map_index: t.map_index,
    logical_date: iso(run.logical_date), run_after: iso(run.run_after)!, start_date: iso(t.start_date), end_date: iso(t.end_date),
    duration: t.duration, state: t.state, try_number: t.try_number, max_tries: t.max_tries, task_display_name: t.task_id,
    dag_display_name: t.dag_id, hostname: t.hostname, unixname: null, pool: t.pool, pool_slots: t.pool_slots, queue: t.queue,
    priority_weight: t.priority_weight, operator: t.operator, operator_name: t.operator, queued_when: iso(t.queued_dttm),
    scheduled_when: iso(t.scheduled_dttm), pid: t.pid, executor: t.executor, executor_config: '{}', note: t.note,
    rendered_map_index: null, rendered_fields: (t.rendered_fields as Record<string, unknown> | null) ?? {}, trigger: null,
    triggerer_job: null, dag_version: null,
  };
}

export function tiHistoryV2(t: Tih) {
  return {
    task_id: t.task_id, dag_id: t.dag_id, dag_run_id: t.run_id, map_index: t.map_index, start_date: iso(t.start_date),
    end_date: iso(t.end_date), duration: t.duration, state: t.state, try_number: t.try_number, max_tries: t.max_tries,
    task_display_name: t.task_id, dag_display_name: t.dag_id, hostname: t.hostname, unixname: null, pool: t.pool,
    pool_slots: t.pool_slots, queue: t.queue, priority_weight: t.priority_weight, operator: t.operator, operator_name: t.operator,
    queued_when: iso(t.queued_dttm), scheduled_when: null, pid: t.pid, executor: t.executor, executor_config: '{}', dag_version: null,
  };
}

export interface PoolSlots { running: number; queued: number; scheduled: number; deferred: number }

export function poolV2(p: Selectable<SlotPoolTable>, s: PoolSlots) {
  const occupied = s.running + s.queued + (p.include_deferred ? s.deferred : 0);
  return {
    name: p.pool, slots: p.slots, description: p.description, include_deferred: p.include_deferred,
    occupied_slots: occupied, running_slots: s.running, queued_slots: s.queued, scheduled_slots: s.scheduled,
    deferred_slots: s.deferred, open_slots: p.slots < 0 ? -1 : Math.max(0, p.slots - occupied), team_name: null,
  };
}
