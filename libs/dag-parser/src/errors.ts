/**
 * The dag-parser's errors: a closed set of classes, each with a stable `code`. Callers branch on
 * `code` (never on message text); messages are for the person who wrote the DAG file and name the
 * DAG, the task and the field at fault.
 */

export const DAG_DECLARATION_ERROR_CODES = [
  /** The YAML text does not parse. */
  'YAML_SYNTAX',
  /** The file's layout is wrong: a DAG that is not a mapping, a task without task_id, tasks not a list/dict... */
  'INVALID_LAYOUT',
  /** An operator import path that no registry entry or alias knows. */
  'UNKNOWN_OPERATOR',
  /** A `__type__` object whose Python type the YAML loader cannot represent. */
  'UNKNOWN_TYPE',
  /** A keyword argument the operator does not take (Airflow raises "Invalid arguments were passed"). */
  'UNEXPECTED_ARGUMENT',
  /** A required keyword argument is missing (task_id, bash_command, ...). */
  'MISSING_ARGUMENT',
  /** A value of the wrong type or out of range (retries: "two", trigger_rule: "sometimes", pool_slots: 0...). */
  'INVALID_ARGUMENT',
  /** A date/datetime or time zone that cannot be read. */
  'INVALID_DATE',
  /** A schedule Windsock cannot turn into a timetable. */
  'INVALID_SCHEDULE',
  /** Two tasks or task groups with the same id in one DAG (or two DAGs with one id in a file). */
  'DUPLICATE_ID',
  /** A dependency (or parent group) that names no task or task group of the DAG. */
  'UNKNOWN_DEPENDENCY',
  /** The dependencies form a cycle. */
  'CYCLE',
  /** The DAG-model validator rejected the DAG for a reason the checks above did not catch. */
  'INVALID_DAG',
] as const;
export type DagDeclarationErrorCode = (typeof DAG_DECLARATION_ERROR_CODES)[number];

export interface DagDeclarationErrorContext {
  dagId?: string | null;
  taskId?: string | null;
  field?: string | null;
  /** 1-based line in the DAG file, when the declaration knows it. */
  line?: number | null;
  cause?: unknown;
}

/** A DAG file declares something Windsock (or Airflow) cannot accept. Becomes an import error. */
export class DagDeclarationError extends Error {
  override readonly name = 'DagDeclarationError';
  readonly code: DagDeclarationErrorCode;
  readonly dagId: string | null;
  readonly taskId: string | null;
  readonly field: string | null;
  line: number | null;

  constructor(code: DagDeclarationErrorCode, message: string, ctx: DagDeclarationErrorContext = {}) {
    super(withContext(message, ctx), ctx.cause === undefined ? undefined : { cause: ctx.cause });
    this.code = code;
    this.dagId = ctx.dagId ?? null;
    this.taskId = ctx.taskId ?? null;
    this.field = ctx.field ?? null;
    this.line = ctx.line ?? null;
  }
}

/** "DAG 'etl', task 'load', field 'retries': must be an integer" */
function withContext(message: string, ctx: DagDeclarationErrorContext): string {
  const where: string[] = [];
  if (ctx.dagId) where.push(`DAG '${ctx.dagId}'`);
  if (ctx.taskId) where.push(`task '${ctx.taskId}'`);
  if (ctx.field) where.push(`field '${ctx.field}'`);
  return where.length > 0 ? `${where.join(', ')}: ${message}` : message;
}

export const DAG_PARSER_CONFIG_ERROR_CODES = ['INVALID_OPTION', 'FOLDER_NOT_FOUND'] as const;
export type DagParserConfigErrorCode = (typeof DAG_PARSER_CONFIG_ERROR_CODES)[number];

/** The parser was set up wrongly (bad options, a DAG folder that does not exist): an operator's mistake. */
export class DagParserConfigError extends Error {
  override readonly name = 'DagParserConfigError';
  readonly code: DagParserConfigErrorCode;
  constructor(code: DagParserConfigErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}
