/**
 * The pure part of a task's template context (Airflow 2.10's TaskInstance.get_template_context,
 * airflow-semantics.md §3). The worker adds what needs I/O on top: `var`, `conn`, `ti` /
 * `task_instance`, Airflow's `conf`.
 *
 * Dates in the context are strings: Python's isoformat of the UTC datetime
 * (`2024-01-01T00:00:00+00:00`, the same text as `ts`), so the context is plain JSON and renders
 * the way Airflow prints these values with a `T` separator. Derived values (ds, ts_nodash, …)
 * are computed in UTC, as Airflow computes them from the UTC logical date.
 */
import { MacroError } from './errors.ts';
import { pyFromDate, pythonIsoformat, strftime, strptime, utcMs } from './python-datetime.ts';
import type { SerializedDag, SerializedTask } from './serialized.ts';
import type { DagRunType } from './states.ts';
import { cronClock } from './cron.ts';
import { scheduleSummary } from './timetable.ts';

export const ds = (d: Date): string => strftime(pyFromDate(d), '%Y-%m-%d');
export const dsNodash = (d: Date): string => strftime(pyFromDate(d), '%Y%m%d');
export const ts = (d: Date): string => pythonIsoformat(d);
export const tsNodash = (d: Date): string => strftime(pyFromDate(d), '%Y%m%dT%H%M%S');
export const tsNodashWithTz = (d: Date): string => ts(d).replace(/[-:]/g, '');

/** Airflow's `macros.ds_add`: a YYYY-MM-DD date plus (or minus) whole days. */
export function dsAdd(dsValue: string, days: number): string {
  if (!Number.isInteger(days)) throw new MacroError(`ds_add: days must be an integer, got ${String(days)}`);
  const p = strptime(dsValue, '%Y-%m-%d');
  const shifted = new Date(utcMs(p.year, p.month, p.day) + days * 86_400_000);
  return pythonIsoformat(shifted).slice(0, 10);
}

/** Airflow's `macros.ds_format`: strptime with one format, strftime with another. */
export function dsFormat(dsValue: string, inputFormat: string, outputFormat: string): string {
  return strftime(strptime(dsValue, inputFormat), outputFormat);
}

/** The `macros` object of the context (the pure macros; Python modules such as `datetime` are not offered). */
export const macros = Object.freeze({ ds_add: dsAdd, ds_format: dsFormat });

export interface TemplateDagRun {
  run_id: string;
  /** A DagRunType; a plain string is accepted as read from the metastore. */
  run_type: DagRunType | string;
  /** Null for an Airflow 3 style run without a logical date: the date keys are then left out. */
  logical_date: Date | null;
  data_interval_start: Date | null;
  data_interval_end: Date | null;
  conf: Record<string, unknown>;
  /** Airflow 2's external_trigger; defaults to run_type === 'manual'. */
  external_trigger?: boolean;
  start_date?: Date | null;
}

/** The latest earlier successful run of the DAG, for the prev_*_success variables. */
export interface PreviousSuccess {
  data_interval_start: Date | null;
  data_interval_end: Date | null;
  start_date: Date | null;
  end_date: Date | null;
}

export interface TemplateContextInput {
  dag: SerializedDag;
  task: SerializedTask;
  run: TemplateDagRun;
  tryNumber: number;
  /** -1 for an unmapped task instance. */
  mapIndex?: number;
  previousSuccess?: PreviousSuccess | null;
  testMode?: boolean;
  /** `[core] dag_run_conf_overrides_params` (default true): the run's conf overrides params. */
  dagRunConfOverridesParams?: boolean;
}

const isoOrNull = (d: Date | null | undefined): string | null => (d ? ts(d) : null);

/**
 * Airflow's deprecated prev_execution_date / next_execution_date: the logical date itself for a
 * triggered run; otherwise the previous schedule tick, and the next run's logical date.
 */
function neighbours(dag: SerializedDag, logical: Date, intervalEnd: Date | null, external: boolean): { prev: Date | null; next: Date | null } {
  if (external) return { prev: logical, next: logical };
  const s = dag.schedule;
  switch (s.kind) {
    case 'cron': {
      const clock = cronClock(s.expression, dag.timezone);
      return { prev: clock.prev(logical), next: intervalEnd === null ? null : clock.alignToPrev(intervalEnd) };
    }
    case 'delta':
      return { prev: new Date(logical.getTime() - s.seconds * 1000), next: intervalEnd };
    case 'once':
    case 'none':
      return { prev: null, next: null };
    default: {
      const unreachable: never = s;
      throw new Error(`unknown schedule ${JSON.stringify(unreachable)}`);
    }
  }
}

function params(dag: SerializedDag, run: TemplateDagRun, overrides: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, p] of Object.entries(dag.params)) out[name] = p.default;
  if (overrides) Object.assign(out, run.conf);
  return out;
}

/** The keys derived from the logical date (absent when the run has none, as in Airflow 3). */
function dateKeys(dag: SerializedDag, run: TemplateDagRun, logical: Date, external: boolean): Record<string, unknown> {
  const { prev, next } = neighbours(dag, logical, run.data_interval_end, external);
  const dayMs = 86_400_000;
  return {
    ds: ds(logical),
    ds_nodash: dsNodash(logical),
    ts: ts(logical),
    ts_nodash: tsNodash(logical),
    ts_nodash_with_tz: tsNodashWithTz(logical),
    logical_date: ts(logical),
    execution_date: ts(logical),
    prev_execution_date: isoOrNull(prev),
    prev_ds: prev ? ds(prev) : null,
    prev_ds_nodash: prev ? dsNodash(prev) : null,
    next_execution_date: isoOrNull(next),
    next_ds: next ? ds(next) : null,
    next_ds_nodash: next ? dsNodash(next) : null,
    yesterday_ds: ds(new Date(logical.getTime() - dayMs)),
    yesterday_ds_nodash: dsNodash(new Date(logical.getTime() - dayMs)),
    tomorrow_ds: ds(new Date(logical.getTime() + dayMs)),
    tomorrow_ds_nodash: dsNodash(new Date(logical.getTime() + dayMs)),
  };
}

/** The template context as a plain object with Airflow's keys; see the file comment for dates. */
export function buildTemplateContext(input: TemplateContextInput): Record<string, unknown> {
  const { dag, task, run } = input;
  const logical = run.logical_date;
  const external = run.external_trigger ?? run.run_type === 'manual';
  const prevSuccess = input.previousSuccess ?? null;
  return {
    ...(logical === null ? {} : dateKeys(dag, run, logical, external)),
    task_instance_key_str: `${dag.dag_id}__${task.task_id}__${logical === null ? run.run_id : dsNodash(logical)}`,
    data_interval_start: isoOrNull(run.data_interval_start),
    data_interval_end: isoOrNull(run.data_interval_end),
    prev_data_interval_start_success: isoOrNull(prevSuccess?.data_interval_start),
    prev_data_interval_end_success: isoOrNull(prevSuccess?.data_interval_end),
    prev_start_date_success: isoOrNull(prevSuccess?.start_date),
    prev_end_date_success: isoOrNull(prevSuccess?.end_date),
    run_id: run.run_id,
    dag_run: {
      dag_id: dag.dag_id,
      run_id: run.run_id,
      run_type: run.run_type,
      logical_date: isoOrNull(logical),
      execution_date: isoOrNull(logical),
      data_interval_start: isoOrNull(run.data_interval_start),
      data_interval_end: isoOrNull(run.data_interval_end),
      start_date: isoOrNull(run.start_date),
      external_trigger: external,
      conf: run.conf,
    },
    dag: {
      dag_id: dag.dag_id,
      description: dag.description,
      owner: dag.owners.join(', '),
      tags: dag.tags,
      timezone: dag.timezone,
      fileloc: dag.fileloc,
      catchup: dag.catchup,
      start_date: dag.start_date,
      end_date: dag.end_date,
      timetable_summary: scheduleSummary(dag.schedule),
      max_active_runs: dag.max_active_runs,
      max_active_tasks: dag.max_active_tasks,
      doc_md: dag.doc_md,
    },
    // Operator arguments first, so `{{ task.bash_command }}` works, then the BaseOperator fields.
    task: {
      ...task.args,
      task_id: task.task_id,
      dag_id: dag.dag_id,
      owner: task.owner,
      operator_name: task.operator,
      task_type: task.operator,
      queue: task.queue,
      pool: task.pool,
      pool_slots: task.pool_slots,
      retries: task.retries,
      retry_delay: task.retry_delay,
      trigger_rule: task.trigger_rule,
      priority_weight: task.priority_weight,
      weight_rule: task.weight_rule,
      depends_on_past: task.depends_on_past,
      wait_for_downstream: task.wait_for_downstream,
      execution_timeout: task.execution_timeout,
      task_group_id: task.task_group_id,
      upstream_task_ids: task.upstream_task_ids,
      downstream_task_ids: task.downstream_task_ids,
      doc_md: task.doc_md,
    },
    params: params(dag, run, input.dagRunConfOverridesParams ?? true),
    try_number: input.tryNumber,
    map_index: input.mapIndex ?? -1,
    test_mode: input.testMode ?? false,
    expanded_ti_count: null,
    macros,
  };
}
