/**
 * The closed set of errors @windsock/dag-model throws. Callers branch on `code`, never on the
 * message text: the message is for humans and may change.
 */

export const DAG_VALIDATION_CODES = [
  'DUPLICATE_TASK_ID', 'UNKNOWN_UPSTREAM', 'CYCLE', 'BAD_SCHEDULE', 'BAD_TRIGGER_RULE', 'BAD_FIELD',
  'UNKNOWN_OPERATOR',
] as const;
export type DagValidationCode = (typeof DAG_VALIDATION_CODES)[number];

/** A DAG (or a value inside one) that Windsock cannot accept. `path` locates the offending field. */
export class DagValidationError extends Error {
  override name = 'DagValidationError';
  readonly code: DagValidationCode;
  /** Dotted path of the offending field, e.g. `tasks[3].retries`; null when the DAG as a whole is at fault. */
  readonly path: string | null;

  constructor(code: DagValidationCode, message: string, path: string | null = null) {
    super(message);
    this.code = code;
    this.path = path;
  }
}

/** A state change that the state machine of a task instance or DAG run does not allow. */
export class InvalidTransitionError extends Error {
  override name = 'InvalidTransitionError';
  readonly code = 'INVALID_TRANSITION' as const;
  readonly entity: 'task_instance' | 'dag_run';
  readonly from: string | null;
  readonly to: string | null;

  constructor(entity: 'task_instance' | 'dag_run', from: string | null, to: string | null) {
    super(`${entity === 'task_instance' ? 'task instance' : 'DAG run'} cannot go from ${from ?? 'none'} to ${to ?? 'none'}`);
    this.entity = entity;
    this.from = from;
    this.to = to;
  }
}

/** A template macro (ds_add, ds_format, ...) called with an argument it cannot use. */
export class MacroError extends Error {
  override name = 'MacroError';
  readonly code = 'BAD_MACRO_ARGUMENT' as const;
}
