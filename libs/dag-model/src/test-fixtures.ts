/**
 * Builders of well-formed serialized DAGs for this package's tests (not exported from index.ts).
 * Every field has Airflow's default; tests override what they exercise.
 */
import type { SerializedDag, SerializedTask } from './serialized.ts';

export function makeTask(taskId: string, over: Partial<SerializedTask> = {}): SerializedTask {
  return {
    task_id: taskId,
    operator: 'BashOperator',
    operator_path: 'airflow.operators.bash.BashOperator',
    kind: 'bash',
    upstream_task_ids: [],
    downstream_task_ids: [],
    trigger_rule: 'all_success',
    retries: 0,
    retry_delay: 300,
    retry_exponential_backoff: false,
    max_retry_delay: null,
    execution_timeout: null,
    depends_on_past: false,
    wait_for_downstream: false,
    pool: 'default_pool',
    pool_slots: 1,
    queue: 'default',
    priority_weight: 1,
    weight_rule: 'downstream',
    max_active_tis_per_dag: null,
    max_active_tis_per_dagrun: null,
    task_group_id: null,
    owner: 'airflow',
    doc_md: null,
    template_fields: ['bash_command', 'env'],
    args: { bash_command: `echo ${taskId}` },
    executor_config: null,
    ...over,
  };
}

export function makeDag(tasks: SerializedTask[], over: Partial<SerializedDag> = {}): SerializedDag {
  return {
    format_version: 1,
    dag_id: 'example',
    fileloc: 'example.py',
    description: null,
    schedule: { kind: 'cron', expression: '0 0 * * *', raw: '@daily' },
    timezone: 'UTC',
    start_date: '2024-01-01T00:00:00Z',
    end_date: null,
    catchup: true,
    max_active_runs: 16,
    max_active_tasks: 16,
    max_consecutive_failed_dag_runs: 0,
    dagrun_timeout: null,
    tags: [],
    owners: ['airflow'],
    params: {},
    is_paused_upon_creation: null,
    doc_md: null,
    render_template_as_native_obj: false,
    task_groups: [],
    tasks,
    ...over,
  };
}

/**
 * A DAG from a compact edge list: `chain('a>b', 'a>c', 'b>d')`; tasks are created in order of first
 * mention, with per-task overrides.
 */
export function dagFromEdges(edges: string[], over: Record<string, Partial<SerializedTask>> = {}, extraTasks: string[] = []): SerializedDag {
  const ids: string[] = [];
  const ups = new Map<string, string[]>();
  const add = (id: string) => {
    if (!ups.has(id)) { ups.set(id, []); ids.push(id); }
  };
  for (const e of edges) {
    const [a, b] = e.split('>') as [string, string];
    add(a);
    add(b);
    ups.get(b)!.push(a);
  }
  for (const id of extraTasks) add(id);
  for (const id of Object.keys(over)) add(id);
  return makeDag(ids.map((id) => makeTask(id, { upstream_task_ids: ups.get(id)!, ...over[id] })));
}
