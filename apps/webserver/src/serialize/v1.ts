/** Metastore rows → Airflow 2 (`/api/v1`) objects: the v2 objects renamed where Airflow 2 named things differently. */
import type { Selectable } from 'kysely';
import type { DagRunTable, DagTable, TaskInstanceTable } from '@windsock/metastore';
import type { SerializedDag } from '@windsock/dag-model';
import { fileToken, iso, scheduleInterval } from './common.ts';

export function dagV1(d: Selectable<DagTable>, tags: string[], ser: SerializedDag | null) {
  return {
    dag_id: d.dag_id, dag_display_name: d.dag_id, root_dag_id: null, is_paused: d.is_paused, is_active: d.is_active, is_subdag: false,
    last_parsed_time: iso(d.last_parsed_time), last_pickled: null, last_expired: null, scheduler_lock: null, pickle_id: null,
    default_view: 'grid', fileloc: d.fileloc, file_token: fileToken(d.fileloc),
    owners: d.owners ? d.owners.split(',').map((s) => s.trim()).filter(Boolean) : [], description: d.description,
    schedule_interval: ser ? scheduleInterval(ser.schedule) : null, timetable_description: d.timetable_description,
    tags: tags.map((name) => ({ name })), max_active_tasks: d.max_active_tasks, max_active_runs: d.max_active_runs,
    has_task_concurrency_limits: ser ? ser.tasks.some((t) => t.max_active_tis_per_dag != null || t.max_active_tis_per_dagrun != null) : false,
    has_import_errors: d.has_import_errors, next_dagrun: iso(d.next_dagrun), next_dagrun_data_interval_start: iso(d.next_dagrun_data_interval_start),
    next_dagrun_data_interval_end: iso(d.next_dagrun_data_interval_end), next_dagrun_create_after: iso(d.next_dagrun_create_after),
    max_consecutive_failed_dag_runs: d.max_consecutive_failed_dag_runs,
  };
}

export function dagRunV1(r: Selectable<DagRunTable>) {
  return {
    dag_run_id: r.run_id, dag_id: r.dag_id, logical_date: iso(r.logical_date), execution_date: iso(r.logical_date),
    start_date: iso(r.start_date), end_date: iso(r.end_date), data_interval_start: iso(r.data_interval_start),
    data_interval_end: iso(r.data_interval_end), last_scheduling_decision: iso(r.last_scheduling_decision),
    run_type: r.run_type === 'asset_triggered' ? 'dataset_triggered' : r.run_type, state: r.state,
    external_trigger: r.external_trigger, conf: r.conf, note: r.note,
  };
}

export function tiV1(t: Selectable<TaskInstanceTable>, logicalDate: Date | null) {
  return {
    task_id: t.task_id, task_display_name: t.task_id, dag_id: t.dag_id, dag_run_id: t.run_id, execution_date: iso(logicalDate),
    start_date: iso(t.start_date), end_date: iso(t.end_date), duration: t.duration, state: t.state, try_number: t.try_number,
    map_index: t.map_index, max_tries: t.max_tries, hostname: t.hostname ?? '', unixname: '', pool: t.pool, pool_slots: t.pool_slots,
    queue: t.queue, priority_weight: t.priority_weight, operator: t.operator, queued_when: iso(t.queued_dttm), pid: t.pid,
    executor: t.executor, executor_config: '{}', sla_miss: null, rendered_map_index: null,
    rendered_fields: (t.rendered_fields as Record<string, unknown> | null) ?? {}, trigger: null, triggerer_job: null, note: t.note,
  };
}
