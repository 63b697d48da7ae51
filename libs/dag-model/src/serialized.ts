/**
 * The serialized DAG: plain JSON, produced by the DAG parsers (YAML and Python) and the only form
 * of a DAG the scheduler, worker and webserver ever read. Field names follow Airflow's (snake_case);
 * durations are seconds (as Airflow serializes timedeltas); datetimes are ISO 8601 strings in UTC.
 */
import type { TiState } from './states.ts';

export const TRIGGER_RULES = [
  'all_success', 'all_failed', 'all_done', 'all_done_setup_success', 'one_success', 'one_failed',
  'one_done', 'none_failed', 'none_failed_min_one_success', 'none_skipped', 'all_skipped', 'always',
] as const;
export type TriggerRule = (typeof TRIGGER_RULES)[number];

export const WEIGHT_RULES = ['downstream', 'upstream', 'absolute'] as const;
export type WeightRule = (typeof WEIGHT_RULES)[number];

/** How a DAG's runs are timed. Presets are resolved to cron with the preset kept in `raw`. */
export type Schedule =
  | { kind: 'none' }
  | { kind: 'once' }
  | { kind: 'cron'; expression: string; raw: string }
  | { kind: 'delta'; seconds: number };

/**
 * How Windsock runs a task:
 *  - bash: `bash -c <bash_command>` (args.bash_command, args.env, args.cwd, args.append_env)
 *  - empty: nothing runs; succeeds at once (Airflow's EmptyOperator never reaches an executor)
 *  - pod: a container (KubernetesPodOperator / K8sOperator); locally its command runs as a process
 *  - spark: a SparkApplication (SparkKubernetesOperator / SparK8sOperator)
 *  - python: a Python callable (PythonOperator / @task), run by a real interpreter
 */
export type TaskKind = 'bash' | 'empty' | 'pod' | 'spark' | 'python';

export interface SerializedTask {
  task_id: string;
  /** Operator class name as Airflow reports it (`operator_name`), e.g. "BashOperator". */
  operator: string;
  /** The import path the DAG file used, e.g. "airflow.operators.bash.BashOperator". */
  operator_path: string;
  kind: TaskKind;
  /** Direct upstream task ids (sorted). downstream is derived from these. */
  upstream_task_ids: string[];
  downstream_task_ids: string[];
  trigger_rule: TriggerRule;
  retries: number;
  retry_delay: number;
  retry_exponential_backoff: boolean;
  max_retry_delay: number | null;
  execution_timeout: number | null;
  depends_on_past: boolean;
  wait_for_downstream: boolean;
  pool: string;
  pool_slots: number;
  queue: string;
  priority_weight: number;
  weight_rule: WeightRule;
  max_active_tis_per_dag: number | null;
  max_active_tis_per_dagrun: number | null;
  /** The innermost task group, e.g. "transform.clean" for a nested group; null at the top. */
  task_group_id: string | null;
  owner: string;
  doc_md: string | null;
  /** Names of the entries in `args` that are Jinja templates, rendered at run time. */
  template_fields: string[];
  /** Operator-specific arguments (bash_command, env, image, cmds, arguments, ...), JSON only. */
  args: Record<string, unknown>;
  /** executor_config as given (e.g. {pod_override: {...}}). */
  executor_config: Record<string, unknown> | null;
  /** The OS user a local task runs as (Airflow's run_as_user); absent when the task names none. */
  run_as_user?: string;
  /**
   * A mapped task (`.partial().expand()`): expanded at run time into one task instance per element (map_index 0..N-1).
   * The expanded arguments are not in `args`; each try gets its own (mapping.ts).
   */
  expand_input?: ExpandInput;
}

/**
 * Airflow's expand input (expandinput.py). `dict` (`.expand(a=..., b=...)`): each value a literal list, a literal
 * dict (mapped as its (key, value) pairs) or an XComArg; the task is mapped over their cross product.
 * `list` (`.expand_kwargs(...)`): a list of kwargs dicts or one XComArg resolving to such a list.
 * `target`: where the expanded values go: the operator's arguments, or a TaskFlow function's op_kwargs.
 */
export type ExpandInput =
  | { type: 'dict'; target: 'args' | 'op_kwargs'; value: Record<string, unknown> }
  | { type: 'list'; target: 'args' | 'op_kwargs'; value: unknown };

export interface SerializedTaskGroup {
  group_id: string;
  parent_group_id: string | null;
  tooltip: string;
}

/** A DAG param (airflow.models.param.Param): a default and a JSON-schema fragment. */
export interface SerializedParam {
  default: unknown;
  description: string | null;
  schema: Record<string, unknown>;
}

export interface SerializedDag {
  format_version: 1;
  dag_id: string;
  /** Path of the DAG file relative to the DAG folder. */
  fileloc: string;
  description: string | null;
  schedule: Schedule;
  /** IANA time zone of the DAG (start_date's zone); cron schedules are evaluated in it. */
  timezone: string;
  start_date: string | null;
  end_date: string | null;
  catchup: boolean;
  max_active_runs: number;
  max_active_tasks: number;
  max_consecutive_failed_dag_runs: number;
  dagrun_timeout: number | null;
  tags: string[];
  owners: string[];
  params: Record<string, SerializedParam>;
  is_paused_upon_creation: boolean | null;
  doc_md: string | null;
  render_template_as_native_obj: boolean;
  task_groups: SerializedTaskGroup[];
  tasks: SerializedTask[];
}

/** The states a finished try may end in, as reported by an executor. */
export type TryOutcome = Extract<TiState, 'success' | 'failed' | 'skipped'>;
