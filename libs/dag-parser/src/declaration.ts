/**
 * A DAG as a DAG file declared it, before normalisation: what the YAML loader reads and what the
 * Python shim records. `normalizeDeclaration` (normalize.ts) turns it into a SerializedDag; both
 * loaders share that step, so a DAG means the same whichever language declared it.
 *
 * Values are JSON. Python objects that JSON cannot hold are tagged:
 *   timedelta  -> { "__type": "timedelta", "seconds": 300 }
 *   datetime   -> { "__type": "datetime", "value": "2024-01-01T00:00:00+00:00", "tz": "UTC" }
 *                 `value` without an offset is naive (read in the default time zone, or in `tz`
 *                 when given); `tz` is the IANA zone (pendulum's tz name) when known. A date is a
 *                 naive datetime at midnight. Plain ISO strings ("2024-01-01") are read the same way.
 *   Param      -> { "__type": "param", "default": <json>, "description": "..." | null,
 *                   "schema": { "type": "integer", "minimum": 1, ... } }   (default absent = no default)
 *   Dataset / Asset -> { "__type": "dataset", "uri": "s3://..." }
 *   Kubernetes models (V1Volume, ...) -> their Kubernetes JSON (camelCase keys), untagged.
 */
import type { ExpandInput, SerializedDag } from '@windsock/dag-model';

export interface TaskDeclaration {
  /**
   * Full task id (prefixed by its task group, as Airflow does). May be "" for an operator whose
   * task id comes from another argument (K8sOperator's `name`); the normalizer resolves it.
   */
  task_id: string;
  /** Import path of the operator as written, e.g. "airflow.operators.bash.BashOperator". */
  operator_path: string;
  /** Keyword arguments as given (explicit ones only; default_args are applied by the normalizer). */
  kwargs: Record<string, unknown>;
  /** Innermost task group id (already prefixed by its parents), or null. */
  task_group_id: string | null;
  /** Direct upstream task ids. */
  upstream: string[];
  /** 1-based line in the DAG file where the task was declared, when known. */
  line?: number;
  /**
   * A BaseOperator (or EmptyOperator) subclass defined in a DAG-folder file with an execute() of its own: the
   * task runs as Python (runner.py builds the class from its module and calls execute(context)).
   */
  custom_operator?: { class_name: string; module_source: string; template_fields: string[] };
  /** Dynamic task mapping (`.expand` / `.expand_kwargs`): what the task is expanded over at run time. */
  expand_input?: ExpandInput;
}

export interface TaskGroupDeclaration {
  group_id: string;
  parent_group_id: string | null;
  tooltip?: string;
  /** default_args given to the group; they apply to its tasks over the DAG's. */
  default_args?: Record<string, unknown>;
}

export interface DagDeclaration {
  dag_id: string;
  /** Path of the file relative to the DAG folder. */
  fileloc: string;
  line?: number;
  /** DAG constructor keyword arguments (schedule, start_date, catchup, tags, ...). */
  kwargs: Record<string, unknown>;
  default_args: Record<string, unknown>;
  task_groups: TaskGroupDeclaration[];
  tasks: TaskDeclaration[];
}

/** A DAG file that could not be loaded: what `import_error` stores. */
export interface ImportErrorRecord {
  /** Path relative to the DAG folder. */
  filename: string;
  line: number | null;
  message: string;
  /** Full traceback / details, shown to the user. */
  stacktrace: string;
  /**
   * Stable machine-readable kind of the problem when the loader knows it (a DagDeclarationError
   * code such as "YAML_SYNTAX" or "CYCLE", or "LOADER_FAILED" / "UNREADABLE" / "DUPLICATE_DAG_ID" / "OUTSIDE_DAG_FOLDER"
   * from the folder processor). Never parse `message` instead.
   */
  code?: string;
}

/**
 * What loading one file gives: its DAGs (serialized) or an import error, never both.
 * `contentHash` is the sha256 (hex) of the file's bytes; the DAG folder processor always sets it
 * (loaders, which only see the text, may leave it out).
 */
export type FileParseResult =
  | { ok: true; fileloc: string; dags: SerializedDag[]; contentHash?: string }
  | { ok: false; fileloc: string; error: ImportErrorRecord; contentHash?: string };
