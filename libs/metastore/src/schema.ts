/** Kysely table types for the metastore (see migrations/). */
import type { ColumnType, Generated, JSONColumnType } from 'kysely';
import type { DagRunState, DagRunType, SerializedDag, TiStateOrNone } from '@windsock/dag-model';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Json = ColumnType<unknown, string, string>;

export interface DagTable {
  dag_id: string;
  is_paused: Generated<boolean>;
  is_active: Generated<boolean>;
  last_parsed_time: NullableTimestamp;
  fileloc: string;
  owners: Generated<string>;
  description: string | null;
  timetable_summary: string | null;
  timetable_description: string | null;
  max_active_tasks: Generated<number>;
  max_active_runs: Generated<number>;
  max_consecutive_failed_dag_runs: Generated<number>;
  has_import_errors: Generated<boolean>;
  next_dagrun: NullableTimestamp;
  next_dagrun_data_interval_start: NullableTimestamp;
  next_dagrun_data_interval_end: NullableTimestamp;
  next_dagrun_create_after: NullableTimestamp;
  dag_hash: string | null;
  /** The DAG source (issue 16) and its commit when the DAG was last stored; null for a plain dags_folder. */
  bundle_name: string | null;
  bundle_version: string | null;
}

export interface DagTagTable { name: string; dag_id: string }

export interface SerializedDagTable {
  dag_id: string;
  fileloc: string;
  data: JSONColumnType<SerializedDag>;
  dag_hash: string;
  last_updated: Generated<Date>;
}

export interface DagCodeTable {
  fileloc: string;
  source_code: string;
  source_hash: string;
  last_updated: Generated<Date>;
}

export interface DagRunTable {
  id: Generated<number>;
  dag_id: string;
  run_id: string;
  run_type: DagRunType;
  state: DagRunState;
  logical_date: NullableTimestamp;
  data_interval_start: NullableTimestamp;
  data_interval_end: NullableTimestamp;
  run_after: Timestamp;
  queued_at: NullableTimestamp;
  start_date: NullableTimestamp;
  end_date: NullableTimestamp;
  conf: ColumnType<Record<string, unknown>, string | undefined, string>;
  external_trigger: Generated<boolean>;
  triggered_by: string | null;
  note: string | null;
  dag_hash: string | null;
  clear_number: Generated<number>;
  last_scheduling_decision: NullableTimestamp;
  updated_at: Generated<Date>;
  /** The commit of the DAG's source when the run was created (what it runs). */
  bundle_version: string | null;
}

export interface TaskInstanceTable {
  id: Generated<string>;
  dag_run_id: number;
  dag_id: string;
  run_id: string;
  task_id: string;
  map_index: Generated<number>;
  state: TiStateOrNone;
  try_number: Generated<number>;
  max_tries: Generated<number>;
  operator: string | null;
  pool: Generated<string>;
  pool_slots: Generated<number>;
  queue: Generated<string>;
  priority_weight: Generated<number>;
  start_date: NullableTimestamp;
  end_date: NullableTimestamp;
  duration: number | null;
  scheduled_dttm: NullableTimestamp;
  queued_dttm: NullableTimestamp;
  queued_by_job_id: number | null;
  next_retry_at: NullableTimestamp;
  hostname: string | null;
  worker_id: string | null;
  last_heartbeat_at: NullableTimestamp;
  pid: number | null;
  executor: string | null;
  external_executor_id: string | null;
  rendered_fields: Json | null;
  note: string | null;
  updated_at: Generated<Date>;
}

export interface TaskInstanceHistoryTable {
  id: Generated<number>;
  task_instance_id: string;
  dag_id: string;
  run_id: string;
  task_id: string;
  map_index: number;
  try_number: number;
  state: TiStateOrNone;
  max_tries: number;
  operator: string | null;
  pool: string;
  pool_slots: number;
  queue: string;
  priority_weight: number;
  start_date: NullableTimestamp;
  end_date: NullableTimestamp;
  duration: number | null;
  queued_dttm: NullableTimestamp;
  hostname: string | null;
  worker_id: string | null;
  pid: number | null;
  executor: string | null;
  external_executor_id: string | null;
  rendered_fields: Json | null;
  updated_at: Generated<Date>;
}

export interface TaskLogTable {
  id: Generated<string>;
  task_instance_id: string;
  try_number: number;
  created_at: Generated<Date>;
  chunk: string;
}

/** A reschedule-mode sensor's poke that ended its try up_for_reschedule (migration 0006). */
export interface TaskRescheduleTable {
  id: Generated<string>;
  task_instance_id: string;
  try_number: number;
  start_date: Date;
  end_date: Date;
  duration: number;
  reschedule_date: Date;
  created_at: Generated<Date>;
}

export interface XcomTable {
  dag_run_id: number;
  task_id: string;
  map_index: Generated<number>;
  key: string;
  dag_id: string;
  run_id: string;
  value: Json | null;
  timestamp: Generated<Date>;
}

export interface VariableTable {
  id: Generated<number>;
  key: string;
  val: string;
  description: string | null;
  is_encrypted: Generated<boolean>;
}

export interface ConnectionTable {
  id: Generated<number>;
  conn_id: string;
  conn_type: string;
  description: string | null;
  host: string | null;
  schema: string | null;
  login: string | null;
  password: string | null;
  port: number | null;
  extra: string | null;
  is_encrypted: Generated<boolean>;
  is_extra_encrypted: Generated<boolean>;
}

export interface SlotPoolTable {
  id: Generated<number>;
  pool: string;
  slots: number;
  description: string | null;
  include_deferred: Generated<boolean>;
}

export interface ImportErrorTable {
  id: Generated<number>;
  filename: string;
  line: number | null;
  message: string;
  stacktrace: string;
  timestamp: Generated<Date>;
}

export interface EventLogTable {
  id: Generated<number>;
  dttm: Generated<Date>;
  dag_id: string | null;
  task_id: string | null;
  map_index: number | null;
  event: string;
  logical_date: NullableTimestamp;
  run_id: string | null;
  owner: string | null;
  owner_display_name: string | null;
  extra: string | null;
  try_number: number | null;
}

export interface JobTable {
  id: Generated<number>;
  job_type: 'scheduler' | 'worker' | 'webserver' | 'dag_processor';
  state: 'running' | 'success' | 'failed';
  hostname: string | null;
  worker_id: string | null;
  start_date: Generated<Date>;
  end_date: NullableTimestamp;
  latest_heartbeat: Generated<Date>;
}

/** A user's sandbox (migration 0004), kept by the control plane in the shared instance's schema. */
export interface SandboxTable {
  name: string;
  owner: string;
  /** `{folder: path}` or `{git: {url, branch, subdir?}}`. */
  dag_source: JSONColumnType<Record<string, unknown>>;
  node_group: string | null;
  /** `{cpu?, memory?, pods?, gpu?}` as Kubernetes quantities. */
  quota: ColumnType<Record<string, unknown> | null, string | null, string | null>;
  status: Generated<'pending' | 'ready' | 'failed' | 'deleting'>;
  reason: string | null;
  scheduler: Generated<'starting' | 'running' | 'asleep' | 'stopped'>;
  schema_name: string;
  namespace: string;
  queue_prefix: string;
  created_at: Generated<Date>;
  ready_at: NullableTimestamp;
  expires_at: NullableTimestamp;
  last_active_at: Generated<Date>;
  wake_requested_at: NullableTimestamp;
  lease_owner: string | null;
  lease_until: NullableTimestamp;
}

export interface Database {
  dag: DagTable;
  dag_tag: DagTagTable;
  serialized_dag: SerializedDagTable;
  dag_code: DagCodeTable;
  dag_run: DagRunTable;
  task_instance: TaskInstanceTable;
  task_instance_history: TaskInstanceHistoryTable;
  task_log: TaskLogTable;
  task_reschedule: TaskRescheduleTable;
  xcom: XcomTable;
  variable: VariableTable;
  connection: ConnectionTable;
  slot_pool: SlotPoolTable;
  import_error: ImportErrorTable;
  log: EventLogTable;
  job: JobTable;
  sandbox: SandboxTable;
  dag_source: DagSourceTable;
}

/** A configured DAG source's sync state, written by the DAG processor (migration 0007). */
export interface DagSourceTable {
  name: string;
  kind: string;
  /** Never holds a password (redacted before it is written). */
  url: string | null;
  ref: string | null;
  subdir: string | null;
  commit: string | null;
  last_sync_at: NullableTimestamp;
  last_success_at: NullableTimestamp;
  error: string | null;
  error_code: string | null;
  updated_at: Timestamp;
}
