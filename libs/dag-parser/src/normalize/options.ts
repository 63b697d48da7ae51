/**
 * The parser's options, validated once (compileParserOptions) and then passed as they are to
 * normalizeDeclaration, loadYamlFile and the DAG folder processor. Defaults are Airflow 2's
 * configuration defaults ([core] default_timezone, [core] default_task_retries,
 * [scheduler] catchup_by_default, ...).
 */
import type { Schedule } from '@windsock/dag-model';
import { DagParserConfigError } from '../errors.ts';
import { createOperatorRegistry, type OperatorRegistry } from '../operators.ts';
import { canonicalZone, TimeValueError } from './time.ts';

export interface ParserOptionsInput {
  /** Zone naive dates are read in, and the DAG zone when start_date has none. Default "UTC". */
  defaultTimezone?: string;
  /** retries of a task that sets none. Default 0. */
  defaultRetries?: number;
  /** catchup of a DAG that sets none. Default true (Airflow 2; Airflow 3 uses false). */
  catchupByDefault?: boolean;
  /** Schedule of a DAG that sets none. Default one day (Airflow 2; Airflow 3 uses none). */
  defaultSchedule?: Schedule;
  /** Default 16 each ([core] max_active_runs_per_dag / max_active_tasks_per_dag). */
  maxActiveRunsPerDag?: number;
  maxActiveTasksPerDag?: number;
  /** Default "airflow" ([operators] default_owner). */
  defaultOwner?: string;
  /** Default "default" ([operators] default_queue). */
  defaultQueue?: string;
  /** Operator import paths a DAG file may use for a built-in one, e.g. {"dsp.operators.K8sOperator": "windsock.operators.K8sOperator"}. */
  operatorAliases?: Record<string, string>;
  /**
   * Variables that `$VAR` / `${VAR}` in YAML DAG files expand to (dag-factory expands the process
   * environment). Default: no expansion, so a scheduler's secrets never leak into a DAG.
   */
  yamlEnv?: Record<string, string> | null;
}

export interface ParserOptions {
  readonly defaultTimezone: string;
  readonly defaultRetries: number;
  readonly catchupByDefault: boolean;
  readonly defaultSchedule: Schedule;
  readonly maxActiveRunsPerDag: number;
  readonly maxActiveTasksPerDag: number;
  readonly defaultOwner: string;
  readonly defaultQueue: string;
  readonly operators: OperatorRegistry;
  readonly yamlEnv: Readonly<Record<string, string>> | null;
}

const compiled = new WeakSet<ParserOptions>();
const cache = new WeakMap<ParserOptionsInput, ParserOptions>();

/**
 * Compiled options as they are, or raw ones compiled (once per object). Lets callers that hold
 * raw options (a loader built from configuration) pass them without compiling them each time.
 */
export function resolveParserOptions(opts: ParserOptions | ParserOptionsInput | undefined): ParserOptions {
  if (opts === undefined) return compileParserOptions();
  if (compiled.has(opts as ParserOptions)) return opts as ParserOptions;
  let out = cache.get(opts as ParserOptionsInput);
  if (!out) {
    out = compileParserOptions(opts as ParserOptionsInput);
    cache.set(opts as ParserOptionsInput, out);
  }
  return out;
}

export function compileParserOptions(input: ParserOptionsInput = {}): ParserOptions {
  const bad = (field: string, why: string): never => {
    throw new DagParserConfigError('INVALID_OPTION', `${field}: ${why}`);
  };
  let defaultTimezone = 'UTC';
  if (input.defaultTimezone !== undefined) {
    try {
      defaultTimezone = canonicalZone(input.defaultTimezone);
    } catch (err) {
      if (err instanceof TimeValueError) bad('defaultTimezone', err.message);
      throw err;
    }
  }
  const count = (field: string, value: number | undefined, fallback: number, min: number): number => {
    if (value === undefined) return fallback;
    if (!Number.isInteger(value) || value < min) bad(field, `must be an integer >= ${min}, got ${value}`);
    return value;
  };
  const text = (field: string, value: string | undefined, fallback: string): string => {
    if (value === undefined) return fallback;
    if (typeof value !== 'string' || value === '') bad(field, 'must be a non-empty string');
    return value;
  };
  if (input.catchupByDefault !== undefined && typeof input.catchupByDefault !== 'boolean') {
    bad('catchupByDefault', 'must be a boolean');
  }
  const out: ParserOptions = {
    defaultTimezone,
    defaultRetries: count('defaultRetries', input.defaultRetries, 0, 0),
    catchupByDefault: input.catchupByDefault ?? true,
    defaultSchedule: input.defaultSchedule ?? { kind: 'delta', seconds: 86_400 },
    maxActiveRunsPerDag: count('maxActiveRunsPerDag', input.maxActiveRunsPerDag, 16, 1),
    maxActiveTasksPerDag: count('maxActiveTasksPerDag', input.maxActiveTasksPerDag, 16, 1),
    defaultOwner: text('defaultOwner', input.defaultOwner, 'airflow'),
    defaultQueue: text('defaultQueue', input.defaultQueue, 'default'),
    operators: createOperatorRegistry(input.operatorAliases ?? {}),
    yamlEnv: input.yamlEnv ? { ...input.yamlEnv } : null,
  };
  compiled.add(out);
  return out;
}
