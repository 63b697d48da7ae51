/**
 * Jobs without a DAG (`windsock jobs submit`, `/api/windsock/v1/jobs`): each job is a manual run of one of two
 * built-in DAGs that no DAG file declares, so it gets a run, a task instance, logs, retries and the UI's views like
 * any other. The DAG's one task takes every operator argument from the run's conf (`{__type: 'dagrun_conf', key}`
 * markers, resolved by the worker as it resolves XComArgs): the conf carries the job's spec, checked by the jobs
 * API, which is the only way to create such a run.
 *
 *  - `windsock_jobs`: a container (the platform's K8sOperator: image_tag, cmd, resources, node_group, env_vars).
 *  - `windsock_spark_jobs`: a Spark application (SparK8sOperator: code_path, spark_conf, executors or dynamic
 *    allocation, ...).
 *
 * The ids are reserved: a DAG file declaring one is an import error.
 */
import type { SerializedDag, SerializedTask } from './serialized.ts';

export type JobKind = 'container' | 'spark';

export const JOB_DAG_IDS: Readonly<Record<JobKind, string>> = { container: 'windsock_jobs', spark: 'windsock_spark_jobs' };
export const JOB_TASK_ID = 'job';
/** Where the built-in DAGs say they come from (no file of the DAG folder is ever named so). */
export const JOB_DAG_FILELOC = '<windsock>/jobs';

/** The conf key holding a job's operator arguments. */
export const JOB_CONF_ARGS = 'windsock_job';

/** The arguments each kind of job takes from its run's conf: the seed operators' own names. */
export const JOB_ARGS: Readonly<Record<JobKind, readonly string[]>> = {
  container: ['image_tag', 'cmd', 'resources', 'node_group', 'env_vars', 'from_env_secret', 'annotations', 'labels', 'startup_timeout_seconds'],
  spark: ['image_tag', 'code_path', 'main_class', 'arguments', 'deps', 'spark_version', 'spark_conf', 'driver', 'executor',
    'dynamic_allocation', 'node_group', 'env_vars', 'from_env_secret', 'annotations', 'labels', 'startup_timeout_seconds'],
};

export const isReservedDagId = (dagId: string): boolean => dagId === JOB_DAG_IDS.container || dagId === JOB_DAG_IDS.spark;

export function jobKindOfDag(dagId: string): JobKind | null {
  if (dagId === JOB_DAG_IDS.container) return 'container';
  if (dagId === JOB_DAG_IDS.spark) return 'spark';
  return null;
}

/** A marker the worker replaces with `conf[JOB_CONF_ARGS][arg]` of the try's run (absent when the conf has none). */
export interface DagRunConfArg { __type: 'dagrun_conf'; key: string; field: string }

export function isDagRunConfArg(v: unknown): v is DagRunConfArg {
  return typeof v === 'object' && v !== null && (v as { __type?: unknown }).__type === 'dagrun_conf';
}

/** The built-in DAG of a kind of job (the same JSON every time: its hash changes only with this code). */
export function jobDag(kind: JobKind): SerializedDag {
  const spark = kind === 'spark';
  const args: Record<string, unknown> = Object.fromEntries(JOB_ARGS[kind].map((a) => [a, { __type: 'dagrun_conf', key: JOB_CONF_ARGS, field: a } satisfies DagRunConfArg]));
  const task: SerializedTask = {
    task_id: JOB_TASK_ID,
    operator: spark ? 'SparK8sOperator' : 'K8sOperator',
    operator_path: spark ? 'windsock.operators.SparK8sOperator' : 'windsock.operators.K8sOperator',
    kind: spark ? 'spark' : 'pod',
    upstream_task_ids: [], downstream_task_ids: [],
    trigger_rule: 'all_success',
    // A job's retries are its own: the jobs API creates its task instance with the spec's `retries` as max_tries.
    retries: 0, retry_delay: 10, retry_exponential_backoff: false, max_retry_delay: null, execution_timeout: null,
    depends_on_past: false, wait_for_downstream: false,
    pool: 'default_pool', pool_slots: 1, queue: 'default', priority_weight: 1, weight_rule: 'downstream',
    max_active_tis_per_dag: null, max_active_tis_per_dagrun: null, task_group_id: null,
    owner: 'windsock', doc_md: null, template_fields: [], args, executor_config: null,
  };
  return {
    format_version: 1,
    dag_id: JOB_DAG_IDS[kind],
    fileloc: JOB_DAG_FILELOC,
    description: spark ? 'Spark jobs submitted without a DAG (windsock jobs spark-submit)' : 'Container jobs submitted without a DAG (windsock jobs submit)',
    schedule: { kind: 'none' }, timezone: 'UTC', start_date: null, end_date: null, catchup: false,
    max_active_runs: 10_000, max_active_tasks: 10_000, max_consecutive_failed_dag_runs: 0, dagrun_timeout: null,
    tags: ['windsock:jobs'], owners: ['windsock'], params: {}, is_paused_upon_creation: false, doc_md: null,
    render_template_as_native_obj: false, task_groups: [], tasks: [task],
  };
}
