/**
 * The operator registry: which operator import paths Windsock runs, how (TaskKind), which of their
 * keyword arguments are operator-specific (kept in SerializedTask.args) and which of those Airflow
 * renders as Jinja templates. BaseOperator's own arguments (retries, pool, ...) are not listed
 * here: the normalizer turns them into SerializedTask fields.
 *
 * Operators with a published signature (Bash, Empty, Python, and the platform's own K8sOperator and
 * SparK8sOperator, whose signature is ours) are strict like Airflow: an argument they do not take is an
 * import error naming it. The provider's Kubernetes/Spark ones accept arguments this list does not know
 * and keep them in `args`: their signatures grow with every provider release, and refusing a DAG that
 * real Airflow accepts would be the worse failure.
 */
import type { TaskKind } from '@windsock/dag-model';
import { DagDeclarationError, DagParserConfigError } from './errors.ts';

export interface OperatorSpec {
  /** Class name, what Airflow reports as the task's operator. */
  name: string;
  kind: TaskKind;
  /** Airflow's `template_fields` of the class. */
  templateFields: readonly string[];
  /** Operator-specific keyword arguments (kept in `args`; default_args may supply them). */
  argNames: readonly string[];
  /** Each inner list is one acceptable set of required arguments; empty = nothing required. */
  requiredOneOf: readonly (readonly string[])[];
  /** Keep unknown keyword arguments in `args` instead of rejecting them. */
  acceptsUnknownArgs: boolean;
  /** The argument that stands in for task_id when task_id is absent (K8sOperator's `name`). */
  taskIdFallback: string | null;
}

const BASH: OperatorSpec = {
  name: 'BashOperator',
  kind: 'bash',
  templateFields: ['bash_command', 'env', 'cwd'],
  argNames: ['bash_command', 'env', 'append_env', 'output_encoding', 'skip_exit_code', 'skip_on_exit_code', 'cwd',
    'output_processor'],
  requiredOneOf: [['bash_command']],
  acceptsUnknownArgs: false,
  taskIdFallback: null,
};

const EMPTY: OperatorSpec = {
  name: 'EmptyOperator', kind: 'empty', templateFields: [], argNames: [], requiredOneOf: [],
  acceptsUnknownArgs: false, taskIdFallback: null,
};

const PYTHON: OperatorSpec = {
  name: 'PythonOperator',
  kind: 'python',
  templateFields: ['templates_dict', 'op_args', 'op_kwargs'],
  // python_callable_name/_file are dag-factory's way of naming a callable in YAML.
  argNames: ['python_callable', 'op_args', 'op_kwargs', 'templates_dict', 'templates_exts',
    'show_return_value_in_logs', 'python_callable_name', 'python_callable_file'],
  requiredOneOf: [['python_callable'], ['python_callable_name', 'python_callable_file']],
  acceptsUnknownArgs: false,
  taskIdFallback: null,
};

/** KubernetesPodOperator's own arguments (cncf.kubernetes provider 7.x-10.x), plus BaseOperator's do_xcom_push, which drives the xcom sidecar. */
const KPO_ARGS = ['kubernetes_conn_id', 'namespace', 'image', 'name', 'random_name_suffix', 'cmds', 'arguments', 'ports',
  'volume_mounts', 'volumes', 'env_vars', 'env_from', 'secrets', 'in_cluster', 'cluster_context', 'labels',
  'reattach_on_restart', 'startup_timeout_seconds', 'get_logs', 'container_logs', 'image_pull_policy', 'annotations',
  'container_resources', 'affinity', 'config_file', 'node_selector', 'image_pull_secrets', 'service_account_name',
  'hostnetwork', 'host_aliases', 'tolerations', 'security_context', 'container_security_context', 'dnspolicy',
  'dns_config', 'hostname', 'subdomain', 'schedulername', 'full_pod_spec', 'init_containers', 'log_events_on_failure',
  'do_xcom_push', 'pod_template_file', 'pod_template_dict', 'priority_class_name', 'pod_runtime_info_envs',
  'termination_grace_period', 'configmaps', 'skip_on_exit_code', 'base_container_name', 'deferrable', 'poll_interval',
  'log_pod_spec_on_failure', 'on_finish_action', 'is_delete_operator_pod', 'termination_message_policy',
  'active_deadline_seconds', 'automount_service_account_token', 'init_container_logs', 'logging_interval',
  'container_name_prefix'] as const;

const KPO: OperatorSpec = {
  name: 'KubernetesPodOperator',
  kind: 'pod',
  templateFields: ['image', 'cmds', 'arguments', 'env_vars', 'labels', 'config_file', 'pod_template_file', 'namespace',
    'container_resources', 'volumes', 'volume_mounts', 'cluster_context'],
  argNames: KPO_ARGS,
  requiredOneOf: [],
  acceptsUnknownArgs: true,
  taskIdFallback: null,
};

const SPARK_K8S: OperatorSpec = {
  name: 'SparkKubernetesOperator',
  kind: 'spark',
  templateFields: ['application_file', 'namespace', 'template_spec', 'kubernetes_conn_id'],
  argNames: [...KPO_ARGS, 'application_file', 'template_spec', 'code_path', 'success_run_history_limit',
    'delete_on_termination', 'api_group', 'api_version', 'watch'],
  requiredOneOf: [],
  acceptsUnknownArgs: true,
  taskIdFallback: null,
};

/** The platform's container operator (DESIGN.md): `name` is the task id unless task_id is given. */
const K8S_OPERATOR: OperatorSpec = {
  name: 'K8sOperator',
  kind: 'pod',
  templateFields: ['cmd', 'env_vars'],
  argNames: ['name', 'cmd', 'image_tag', 'image', 'env_vars', 'resources', 'node_group', 'namespace', 'service_account_name',
    'volumes', 'volume_mounts', 'config_map_mounts', 'from_env_config_map', 'from_env_secret', 'env_from', 'labels',
    'annotations', 'do_xcom_push', 'image_pull_policy', 'startup_timeout_seconds', 'on_finish_action', 'is_delete_operator_pod'],
  requiredOneOf: [],
  acceptsUnknownArgs: false,
  taskIdFallback: 'name',
};

/**
 * The platform's Spark operator (DESIGN.md): code_path and image_tag, plus per task the driver/executor sizing
 * (`driver`/`executor` {cores, memory, core_limit, memory_overhead, instances}), `main_class`, `arguments`, `deps`
 * {jars, files, py_files, packages, archives}, `spark_version`, `spark_conf` and `dynamic_allocation` (True, or
 * {min_executors, max_executors, initial_executors}); see libs/executors/src/spark/spark-spec.ts.
 */
const SPARK8S_OPERATOR: OperatorSpec = {
  name: 'SparK8sOperator',
  kind: 'spark',
  templateFields: ['code_path', 'env_vars', 'arguments'],
  argNames: ['namespace', 'service_account_name', 'code_path', 'image_tag', 'image', 'env_vars', 'volumes', 'volume_mounts',
    'config_map_mounts', 'from_env_config_map', 'from_env_secret', 'env_from', 'dynamic_allocation', 'arguments',
    'resources', 'node_group', 'spark_conf', 'driver', 'executor', 'labels', 'annotations', 'main_class', 'deps',
    'spark_version', 'startup_timeout_seconds', 'delete_on_termination'],
  requiredOneOf: [['code_path']],
  acceptsUnknownArgs: false,
  taskIdFallback: null,
};

/** Branching on a callable's result (libs/dag-model/src/skips.ts): a task id, a list of them, or None. */
const BRANCH_PYTHON: OperatorSpec = { ...PYTHON, name: 'BranchPythonOperator' };

/** A falsy result skips downstream: all of it, or only the direct tasks when ignore_downstream_trigger_rules=False. */
const SHORT_CIRCUIT: OperatorSpec = { ...PYTHON, name: 'ShortCircuitOperator', argNames: [...PYTHON.argNames, 'ignore_downstream_trigger_rules'] };

/** Branch operators the worker decides itself from the run and the clock: nothing runs (kind empty). */
const BRANCH_DATETIME: OperatorSpec = {
  name: 'BranchDateTimeOperator', kind: 'empty', templateFields: [],
  argNames: ['follow_task_ids_if_true', 'follow_task_ids_if_false', 'target_lower', 'target_upper', 'use_task_logical_date', 'use_task_execution_date'],
  requiredOneOf: [['follow_task_ids_if_true', 'follow_task_ids_if_false']], acceptsUnknownArgs: false, taskIdFallback: null,
};
const BRANCH_DAY_OF_WEEK: OperatorSpec = {
  name: 'BranchDayOfWeekOperator', kind: 'empty', templateFields: [],
  argNames: ['follow_task_ids_if_true', 'follow_task_ids_if_false', 'week_day', 'use_task_logical_date', 'use_task_execution_date'],
  requiredOneOf: [['follow_task_ids_if_true', 'follow_task_ids_if_false', 'week_day']], acceptsUnknownArgs: false, taskIdFallback: null,
};
const LATEST_ONLY: OperatorSpec = { ...EMPTY, name: 'LatestOnlyOperator' };

/**
 * BaseSensorOperator's arguments (airflow/sensors/base.py), kept in `args` for the runner's poke loop
 * (libs/executors/src/python/runner.py) and the worker's reschedule handling.
 */
export const SENSOR_ARG_NAMES = ['poke_interval', 'timeout', 'soft_fail', 'mode', 'exponential_backoff', 'max_wait',
  'silent_fail', 'never_fail'] as const;
/** PythonSensor: the callable is the poke. */
const PYTHON_SENSOR: OperatorSpec = { ...PYTHON, name: 'PythonSensor', argNames: [...PYTHON.argNames, ...SENSOR_ARG_NAMES] };
/** The sensors whose poke Airflow ships: the shim records it as python_callable + op_kwargs (windsock/_time_sensors.py). */
const builtinSensor = (name: string, own: readonly string[]): OperatorSpec => ({ ...PYTHON_SENSOR, name, argNames: [...PYTHON_SENSOR.argNames, ...own] });
const TIME_DELTA = ['delta', 'end_from_trigger', 'deferrable'];
const DATE_TIME = ['target_time', 'end_from_trigger', 'deferrable'];
const FILE_SENSOR = ['filepath', 'fs_conn_id', 'recursive', 'deferrable', 'start_from_trigger', 'trigger_kwargs'];
const BUILTIN_SENSORS: Record<string, OperatorSpec> = Object.fromEntries(([
  ['time_delta', 'TimeDeltaSensor', TIME_DELTA], ['time_delta', 'TimeDeltaSensorAsync', TIME_DELTA],
  ['date_time', 'DateTimeSensor', DATE_TIME], ['date_time', 'DateTimeSensorAsync', DATE_TIME],
  ['time_sensor', 'TimeSensor', DATE_TIME], ['time_sensor', 'TimeSensorAsync', DATE_TIME],
  ['filesystem', 'FileSensor', FILE_SENSOR],
  ['bash', 'BashSensor', ['bash_command', 'env', 'output_encoding', 'retry_exit_code', 'cwd']],
  ['weekday', 'DayOfWeekSensor', ['week_day', 'use_task_logical_date', 'use_task_execution_day']],
] as const).flatMap(([module, name, own]) => {
  const spec = builtinSensor(name, own);
  const standard = module === 'time_sensor' ? 'time' : module;
  return [[`airflow.sensors.${module}.${name}`, spec], [`airflow.providers.standard.sensors.${standard}.${name}`, spec]];
}));
/** ExternalTaskSensor reads the metastore: the worker pokes it itself (kind empty: no process runs). */
const EXTERNAL_TASK_SENSOR: OperatorSpec = {
  name: 'ExternalTaskSensor', kind: 'empty', templateFields: ['external_dag_id', 'external_task_ids', 'external_task_group_id'],
  argNames: ['external_dag_id', 'external_task_ids', 'external_task_group_id', 'allowed_states', 'skipped_states', 'failed_states',
    'execution_delta', 'check_existence', 'deferrable', 'poll_interval', ...SENSOR_ARG_NAMES],
  requiredOneOf: [['external_dag_id']], acceptsUnknownArgs: false, taskIdFallback: null,
};
/** ExternalTaskMarker does nothing when it runs; it marks what a recursive clear reaches. */
const EXTERNAL_TASK_MARKER: OperatorSpec = {
  name: 'ExternalTaskMarker', kind: 'empty', templateFields: ['external_dag_id', 'external_task_id', 'execution_date'],
  argNames: ['external_dag_id', 'external_task_id', 'execution_date', 'recursion_depth'],
  requiredOneOf: [['external_dag_id', 'external_task_id']], acceptsUnknownArgs: false, taskIdFallback: null,
};
/** `@task.sensor`: the decorated function is the poke. */
const TASK_SENSOR: OperatorSpec = { ...PYTHON_SENSOR, name: '@task.sensor', templateFields: ['op_args', 'op_kwargs'] };

/** TaskFlow `@task` / `@task.python`: a PythonOperator Airflow names by its decorator. */
const TASK_PYTHON: OperatorSpec = { ...PYTHON, name: '@task' };
const TASK_BRANCH: OperatorSpec = { ...PYTHON, name: '@task.branch' };
const TASK_SHORT_CIRCUIT: OperatorSpec = { ...SHORT_CIRCUIT, name: '@task.short_circuit' };

/**
 * `@task.kubernetes`: the function runs inside a pod of the given image (KubernetesPodOperator's
 * arguments plus the callable and its arguments).
 */
const TASK_KUBERNETES: OperatorSpec = {
  name: '@task.kubernetes',
  kind: 'pod',
  templateFields: ['op_args', 'op_kwargs', 'image', 'cmds', 'arguments', 'env_vars', 'namespace'],
  argNames: [...KPO_ARGS, 'python_callable', 'op_args', 'op_kwargs'],
  requiredOneOf: [['python_callable']],
  acceptsUnknownArgs: true,
  taskIdFallback: null,
};

/**
 * Import path -> operator, for Airflow 2 and 3 layouts and the legacy 1.x module names. The
 * decorator paths are what the Python shim records for TaskFlow tasks.
 */
export const BUILTIN_OPERATORS: Readonly<Record<string, OperatorSpec>> = {
  'airflow.operators.bash.BashOperator': BASH,
  'airflow.operators.bash_operator.BashOperator': BASH,
  'airflow.providers.standard.operators.bash.BashOperator': BASH,
  'airflow.operators.empty.EmptyOperator': EMPTY,
  'airflow.providers.standard.operators.empty.EmptyOperator': EMPTY,
  'airflow.operators.dummy.DummyOperator': { ...EMPTY, name: 'DummyOperator' },
  'airflow.operators.dummy_operator.DummyOperator': { ...EMPTY, name: 'DummyOperator' },
  'airflow.operators.python.PythonOperator': PYTHON,
  'airflow.operators.python_operator.PythonOperator': PYTHON,
  'airflow.providers.standard.operators.python.PythonOperator': PYTHON,
  'airflow.providers.cncf.kubernetes.operators.pod.KubernetesPodOperator': KPO,
  'airflow.providers.cncf.kubernetes.operators.kubernetes_pod.KubernetesPodOperator': KPO,
  'airflow.providers.cncf.kubernetes.operators.spark_kubernetes.SparkKubernetesOperator': SPARK_K8S,
  'airflow.operators.python.BranchPythonOperator': BRANCH_PYTHON,
  'airflow.providers.standard.operators.python.BranchPythonOperator': BRANCH_PYTHON,
  'airflow.operators.python.ShortCircuitOperator': SHORT_CIRCUIT,
  'airflow.providers.standard.operators.python.ShortCircuitOperator': SHORT_CIRCUIT,
  'airflow.operators.datetime.BranchDateTimeOperator': BRANCH_DATETIME,
  'airflow.providers.standard.operators.datetime.BranchDateTimeOperator': BRANCH_DATETIME,
  'airflow.operators.weekday.BranchDayOfWeekOperator': BRANCH_DAY_OF_WEEK,
  'airflow.providers.standard.operators.weekday.BranchDayOfWeekOperator': BRANCH_DAY_OF_WEEK,
  'airflow.providers.standard.time.operators.weekday.BranchDayOfWeekOperator': BRANCH_DAY_OF_WEEK,
  'airflow.providers.standard.time.operators.datetime.BranchDateTimeOperator': BRANCH_DATETIME,
  'airflow.operators.latest_only.LatestOnlyOperator': LATEST_ONLY,
  'airflow.providers.standard.operators.latest_only.LatestOnlyOperator': LATEST_ONLY,
  'airflow.decorators.python': TASK_PYTHON,
  'airflow.decorators.branch_python': TASK_BRANCH,
  'airflow.decorators.sensor': TASK_SENSOR,
  ...BUILTIN_SENSORS,
  'airflow.sensors.external_task.ExternalTaskSensor': EXTERNAL_TASK_SENSOR,
  'airflow.sensors.external_task_sensor.ExternalTaskSensor': EXTERNAL_TASK_SENSOR,
  'airflow.providers.standard.sensors.external_task.ExternalTaskSensor': EXTERNAL_TASK_SENSOR,
  'airflow.sensors.external_task.ExternalTaskMarker': EXTERNAL_TASK_MARKER,
  'airflow.sensors.external_task_sensor.ExternalTaskMarker': EXTERNAL_TASK_MARKER,
  'airflow.providers.standard.sensors.external_task.ExternalTaskMarker': EXTERNAL_TASK_MARKER,
  'airflow.sensors.python.PythonSensor': PYTHON_SENSOR,
  'airflow.providers.standard.sensors.python.PythonSensor': PYTHON_SENSOR,
  'airflow.decorators.short_circuit': TASK_SHORT_CIRCUIT,
  'airflow.providers.cncf.kubernetes.decorators.kubernetes': TASK_KUBERNETES,
  'windsock.operators.K8sOperator': K8S_OPERATOR,
  'windsock.operators.SparK8sOperator': SPARK8S_OPERATOR,
};

export interface OperatorRegistry {
  /** The operator an import path names, through the aliases; throws UNKNOWN_OPERATOR. */
  resolve(path: string, where?: { dagId?: string; taskId?: string; line?: number | null }): OperatorSpec;
  /** Every import path accepted (built-in paths, then aliases), for messages and docs. */
  supportedPaths(): string[];
}

/**
 * Builds the registry. `aliases` maps a path a DAG file may use (e.g. `dsp.operators.K8sOperator`)
 * to a built-in path; a target that is not built in is a configuration error.
 */
export function createOperatorRegistry(aliases: Readonly<Record<string, string>> = {}): OperatorRegistry {
  const table = new Map<string, OperatorSpec>(Object.entries(BUILTIN_OPERATORS));
  const aliasPaths: string[] = [];
  for (const [alias, target] of Object.entries(aliases)) {
    const spec = BUILTIN_OPERATORS[target];
    if (!spec) {
      throw new DagParserConfigError('INVALID_OPTION',
        `operatorAliases: '${alias}' points to '${target}', which is not a supported operator`);
    }
    if (!table.has(alias)) aliasPaths.push(alias);
    table.set(alias, spec);
  }
  const supported = [...Object.keys(BUILTIN_OPERATORS), ...aliasPaths];
  return {
    resolve(path, where = {}) {
      const spec = table.get(path);
      if (spec) return spec;
      throw new DagDeclarationError('UNKNOWN_OPERATOR',
        `operator '${path}' is not supported; supported operators: ${supported.join(', ')}`,
        { dagId: where.dagId, taskId: where.taskId, field: 'operator', line: where.line });
    },
    supportedPaths: () => [...supported],
  };
}
