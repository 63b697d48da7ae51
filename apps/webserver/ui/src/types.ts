/** Shapes of the /ui/* responses (apps/webserver/src/ui-api) and the few /api/v2 ones the pages read. */
export interface RecentRun { run_id: string; state: string; logical_date: string | null; run_after: string }
export interface DagListEntry {
  dag_id: string; description: string | null; is_paused: boolean; fileloc: string; owners: string; tags: string[];
  timetable_summary: string | null; timetable_description: string | null; next_dagrun: string | null;
  next_dagrun_create_after: string | null; has_import_errors: boolean; recent_runs: RecentRun[];
  last_run: { run_id: string; state: string; run_after: string; start_date: string | null; end_date: string | null } | null;
  run_counts: Record<string, number>;
}
export interface ImportError { filename: string; line: number | null; message: string; timestamp: string }
export interface DagList {
  dags: DagListEntry[]; total_entries: number; all_entries: number; all_tags: string[];
  limit: number; offset: number; order_by: string; import_errors: ImportError[];
  source_errors?: { name: string; error: string; commit: string | null; last_success_at: string | null }[];
}
/** An import error as `/api/v2/importErrors` gives it, with the whole traceback. */
export interface ImportErrorFull { import_error_id: number; timestamp: string; filename: string; bundle_name?: string | null; stack_trace: string }

export interface Param { default: unknown; description: string | null; schema: Record<string, unknown> }
export interface DagMeta {
  dag_id: string; description: string | null; is_paused: boolean; tags: string[]; owners: string[]; fileloc: string;
  timetable_summary: string | null; timetable_description: string | null; next_dagrun: string | null; last_parsed_time: string | null;
  doc_md: string | null; params: Record<string, Param>; task_count: number;
}

export interface GridRun {
  run_id: string; state: string; run_type: string; logical_date: string | null; run_after: string;
  start_date: string | null; end_date: string | null; note: string | null; bundle_version?: string | null;
}
export interface Group { group_id: string; parent_group_id: string | null; tooltip: string }
export interface Grid {
  dag_id: string; runs: GridRun[]; groups: Group[];
  tasks: { task_id: string; group_id: string | null; operator: string; mapped?: true }[];
  states: (string | null)[][]; tries: number[][];
  /** Mapped tasks' cells (`taskIndex,runIndex`): expanded instances per state. */
  mapped?: Record<string, Record<string, number>>;
}
export interface Graph {
  recent_runs: { run_id: string; state: string }[];
  dag_id: string; groups: Group[]; run: { run_id: string; state: string } | null; states: Record<string, string | null>;
  tasks: { task_id: string; group_id: string | null; operator: string; trigger_rule: string; upstream_task_ids: string[] }[];
}
export interface GanttRow { task_id: string; state: string | null; try_number: number; queued_dttm: string | null; start_date: string | null; end_date: string | null }
export interface Gantt { dag_id: string; run_id: string; state: string; start_date: string | null; end_date: string | null; conf: Record<string, unknown>; rows: GanttRow[] }
export interface TryRow { try_number: number; state: string | null; start_date: string | null; end_date: string | null; duration: number | null; hostname: string | null; executor: string | null }
export interface TiDetails {
  id: string; dag_id: string; run_id: string; task_id: string; map_index: number; state: string | null; try_number: number;
  max_tries: number; operator: string | null; pool: string; queue: string; priority_weight: number; start_date: string | null;
  end_date: string | null; duration: number | null; hostname: string | null; note: string | null;
  rendered_fields: Record<string, unknown> | null; tries: TryRow[]; xcoms: { key: string; value: unknown; timestamp: string }[];
  task: { trigger_rule: string; retries: number; args: Record<string, unknown>; template_fields: string[]; doc_md: string | null } | null;
  /** A mapped task's expanded instances in map_index order (empty for an unmapped task). */
  mapped?: { map_index: number; state: string | null; try_number: number }[];
}

/** A sandbox as `/api/windsock/v1/sandboxes` shows it. */
export interface Sandbox {
  name: string; owner: string; status: 'pending' | 'ready' | 'failed' | 'deleting'; reason: string | null;
  dag_source: Record<string, unknown>; scheduler: 'starting' | 'running' | 'asleep' | 'stopped';
  created_at: string; ready_at: string | null; expires_at: string | null; last_active_at: string; api_url: string; ui_url: string;
}
