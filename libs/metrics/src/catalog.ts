/**
 * Every metric Windsock emits, in one table: its Airflow name (or Windsock's own under `windsock.`), its kind, its
 * tags, and which tags Airflow folds into the StatsD name when DogStatsD tags are off (`ti.finish.<dag_id>.<task_id>.<state>`).
 * The Prometheus names, the StatsD names, the Grafana dashboard's test and the README all come from here.
 */
export type MetricKind = 'counter' | 'gauge' | 'timer';

export interface MetricSpec {
  readonly kind: MetricKind;
  readonly help: string;
  /** Tag names, in the order Airflow appends them to the classic StatsD name. */
  readonly tags: readonly string[];
  /** How many of `tags` (from the first) the classic StatsD name carries; the rest are dropped there. */
  readonly inName: number;
  /** Histogram buckets in seconds (timers only). */
  readonly buckets?: readonly number[];
  /** Further StatsD names sent with the same value. */
  readonly aliases?: readonly string[];
}

const SHORT = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const LONG = [0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 1800, 3600, 10800, 43200];

const m = <K extends MetricKind>(kind: K, help: string, tags: readonly string[] = [], inName = tags.length, buckets?: readonly number[]): MetricSpec & { kind: K } =>
  ({ kind, help, tags, inName, ...(buckets ? { buckets } : {}) });

export const METRICS = {
  // Airflow's names (https://airflow.apache.org/docs/apache-airflow/stable/administration-and-deployment/logging-monitoring/metrics.html)
  // Airflow 2 sends scheduler_heartbeat; newer docs list scheduler.heartbeat: StatsD gets both, Prometheus one.
  'scheduler_heartbeat': { ...m('counter', 'Scheduler heartbeats (one per scheduling pass)'), aliases: ['scheduler.heartbeat'] },
  'scheduler.tasks.starving': m('gauge', 'Scheduled task instances that cannot be queued because their pool has no open slot'),
  'scheduler.tasks.executable': m('gauge', 'Task instances queued by the last scheduling pass'),
  'dagrun.duration.success': m('timer', 'Seconds a successful DAG run took, start to end', ['dag_id'], 1, LONG),
  'dagrun.duration.failed': m('timer', 'Seconds a failed DAG run took, start to end', ['dag_id'], 1, LONG),
  'dagrun.schedule_delay': m('timer', 'Seconds between a scheduled run\'s data interval end and its start', ['dag_id'], 1, LONG),
  'ti.start': m('counter', 'Task instance tries started', ['dag_id', 'task_id']),
  'ti.finish': m('counter', 'Task instance tries ended, by their state', ['dag_id', 'task_id', 'state']),
  'ti_failures': m('counter', 'Task instance tries that failed'),
  'ti_successes': m('counter', 'Task instance tries that succeeded'),
  'executor.open_slots': m('gauge', 'Free slots of the worker\'s executor (concurrency minus running)'),
  'executor.queued_tasks': m('gauge', 'Task instances queued in the worker\'s queues, not yet running'),
  'executor.running_tasks': m('gauge', 'Tries the worker is running'),
  'dag_processing.total_parse_time': m('gauge', 'Seconds the last scan of the DAG folder took (parsing changed files included)'),
  'dag_processing.import_errors': m('gauge', 'DAG files that failed to import at the last scan'),
  'dag_processing.last_duration': m('timer', 'Seconds the last scan that parsed a file spent on it', ['file_name'], 1, SHORT),
  'pool.open_slots': m('gauge', 'Open slots of a pool', ['pool']),
  'pool.queued_slots': m('gauge', 'Slots of a pool held by queued task instances', ['pool']),
  'pool.running_slots': m('gauge', 'Slots of a pool held by running task instances', ['pool']),
  'pool.starving_tasks': m('gauge', 'Scheduled task instances waiting for a slot of a full pool', ['pool']),
  // Windsock's own.
  'windsock.task.requested_cpu_seconds': m('counter', 'CPU requested by ended tries × their run time (cpu-seconds): cost per DAG, repo and sandbox', ['dag_id', 'task_id', 'repo', 'sandbox'], 2),
  'windsock.task.requested_memory_byte_seconds': m('counter', 'Memory requested by ended tries × their run time (byte-seconds)', ['dag_id', 'task_id', 'repo', 'sandbox'], 2),
  'windsock.dag_source.sync_failing': m('gauge', 'Whether a DAG source\'s last sync failed (1: it serves its last good commit), per source', ['source'], 0),
  'windsock.queue.depth': m('gauge', 'Task instances queued per named queue, waiting for a worker', ['queue']),
  'windsock.pod.launch_latency': m('timer', 'Seconds from a pod\'s create request to its container running', [], 0, SHORT.concat([60, 120, 300])),
  'windsock.kubernetes.api_requests': m('counter', 'Kubernetes API requests, by verb and response code (0: no response)', ['verb', 'code']),
} as const satisfies Record<string, MetricSpec>;

export type MetricName = keyof typeof METRICS;
type OfKind<K extends MetricKind> = { [N in MetricName]: (typeof METRICS)[N]['kind'] extends K ? N : never }[MetricName];
export type CounterName = OfKind<'counter'>;
export type GaugeName = OfKind<'gauge'>;
export type TimerName = OfKind<'timer'>;
export type Tags = Readonly<Record<string, string | number | undefined>>;
