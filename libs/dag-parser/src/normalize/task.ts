/**
 * One task declaration -> SerializedTask, by Airflow's BaseOperator rules: default_args supply the
 * keyword arguments a task does not give (only those the operator takes: Airflow's apply_defaults
 * looks at the signature), task-group default_args override the DAG's, explicit kwargs win;
 * then BaseOperator's defaults fill the rest.
 */
import { parseTriggerRule, TRIGGER_RULES, WEIGHT_RULES, type SerializedTask, type TriggerRule, type WeightRule }
  from '@windsock/dag-model';
import type { TaskDeclaration } from '../declaration.ts';
import type { OperatorSpec } from '../operators.ts';
import type { ParserOptions } from './options.ts';
import {
  checkKey, fail, readBool, readInt, readOptionalInt, readOptionalObject, readOptionalSeconds, readOptionalString,
  readString, type Where,
} from './read.ts';
import { describe } from './time.ts';

/** BaseOperator's keyword arguments (Airflow 2.10 / 3): accepted by every operator, not kept in `args`. */
export const BASE_OPERATOR_ARGS: ReadonlySet<string> = new Set([
  'task_id', 'owner', 'email', 'email_on_retry', 'email_on_failure', 'retries', 'retry_delay',
  'retry_exponential_backoff', 'max_retry_delay', 'start_date', 'end_date', 'depends_on_past',
  'ignore_first_depends_on_past', 'wait_for_past_depends_before_skipping', 'wait_for_downstream', 'dag', 'params',
  'default_args', 'priority_weight', 'weight_rule', 'queue', 'pool', 'pool_slots', 'sla', 'execution_timeout',
  'on_execute_callback', 'on_failure_callback', 'on_success_callback', 'on_retry_callback', 'on_skipped_callback',
  'pre_execute', 'post_execute', 'trigger_rule', 'resources', 'run_as_user', 'task_concurrency',
  'max_active_tis_per_dag', 'max_active_tis_per_dagrun', 'executor', 'executor_config', 'do_xcom_push',
  'multiple_outputs', 'inlets', 'outlets', 'task_group', 'doc', 'doc_md', 'doc_json', 'doc_yaml', 'doc_rst',
  'task_display_name', 'logger_name', 'allow_nested_operators', 'map_index_template', 'retry_delay_multiplier',
]);

export interface TaskScope {
  dagId: string;
  opts: ParserOptions;
  /** DAG default_args, then the task's groups' default_args from the outermost in, already merged. */
  defaultArgs: Record<string, unknown>;
}

export function normalizeTask(decl: TaskDeclaration, scope: TaskScope): SerializedTask {
  const where: Where = { dagId: scope.dagId, taskId: decl.task_id || null, line: decl.line ?? null };
  const custom = decl.custom_operator;
  const spec = custom ? customOperatorSpec(custom) : scope.opts.operators.resolve(decl.operator_path, {
    dagId: scope.dagId, taskId: decl.task_id || undefined, line: decl.line ?? null,
  });
  const taskId = resolveTaskId(decl, spec, where);
  where.taskId = taskId;

  const explicit = decl.kwargs;
  for (const key of Object.keys(explicit)) {
    if (!spec.argNames.includes(key) && !BASE_OPERATOR_ARGS.has(key) && !spec.acceptsUnknownArgs) {
      throw fail(where, 'UNEXPECTED_ARGUMENT', key,
        `${spec.name} does not take '${key}' (Airflow: "Invalid arguments were passed to ${spec.name}")`);
    }
  }
  const defaults: Record<string, unknown> = { ...scope.defaultArgs };
  const ownDefaults = readOptionalObject(where, 'default_args', explicit.default_args);
  if (ownDefaults) Object.assign(defaults, ownDefaults);
  const kw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(defaults)) {
    if (key !== 'params' && (spec.argNames.includes(key) || BASE_OPERATOR_ARGS.has(key))) kw[key] = value;
  }
  Object.assign(kw, explicit);

  const args: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(kw)) {
    if (spec.argNames.includes(key) || (!BASE_OPERATOR_ARGS.has(key) && spec.acceptsUnknownArgs)) args[key] = value;
  }
  const expand = decl.expand_input;
  // Expanded arguments exist only at run time: they count as given (expand_kwargs may give any of them).
  const mappedKeys = new Set(expand?.type === 'dict' && expand.target === 'args' ? Object.keys(expand.value) : []);
  for (const key of mappedKeys) {
    if (!spec.argNames.includes(key) && !BASE_OPERATOR_ARGS.has(key) && !spec.acceptsUnknownArgs) {
      throw fail(where, 'UNEXPECTED_ARGUMENT', key,
        `${spec.name} does not take '${key}' (Airflow: "Invalid arguments were passed to ${spec.name}")`);
    }
  }
  if (!(expand?.type === 'list' && expand.target === 'args')) {
    checkRequired(spec, { ...args, ...Object.fromEntries([...mappedKeys].map((k) => [k, true])) }, where);
  }
  if (custom) {
    // The operator's own arguments become the class's keyword arguments; it runs as Python (runner.py).
    const own = { ...args };
    for (const k of Object.keys(args)) delete args[k];
    args.python_callable = { __type: 'callable', name: custom.class_name, source: '', module_source: custom.module_source, operator_class: true };
    args.op_kwargs = own;
  }

  const waitForDownstream = readBool(where, 'wait_for_downstream', kw.wait_for_downstream, false);
  return {
    task_id: taskId,
    operator: spec.name,
    operator_path: decl.operator_path,
    kind: spec.kind,
    upstream_task_ids: [...new Set(decl.upstream)].sort(),
    downstream_task_ids: [],
    trigger_rule: readTriggerRule(where, kw.trigger_rule),
    retries: readInt(where, 'retries', kw.retries, scope.opts.defaultRetries, { lenient: true }),
    retry_delay: readOptionalSeconds(where, 'retry_delay', kw.retry_delay) ?? 300,
    retry_exponential_backoff: readBool(where, 'retry_exponential_backoff', kw.retry_exponential_backoff, false),
    max_retry_delay: readOptionalSeconds(where, 'max_retry_delay', kw.max_retry_delay),
    execution_timeout: readOptionalSeconds(where, 'execution_timeout', kw.execution_timeout),
    // wait_for_downstream implies depends_on_past (BaseOperator.__init__).
    depends_on_past: waitForDownstream || readBool(where, 'depends_on_past', kw.depends_on_past, false),
    wait_for_downstream: waitForDownstream,
    pool: readString(where, 'pool', kw.pool, 'default_pool'),
    pool_slots: readInt(where, 'pool_slots', kw.pool_slots, 1, { min: 1 }),
    queue: readString(where, 'queue', kw.queue, scope.opts.defaultQueue),
    priority_weight: readInt(where, 'priority_weight', kw.priority_weight, 1),
    weight_rule: readWeightRule(where, kw.weight_rule),
    max_active_tis_per_dag: readOptionalInt(where, 'max_active_tis_per_dag',
      kw.max_active_tis_per_dag ?? kw.task_concurrency, { min: 1 }),
    max_active_tis_per_dagrun: readOptionalInt(where, 'max_active_tis_per_dagrun', kw.max_active_tis_per_dagrun,
      { min: 1 }),
    task_group_id: decl.task_group_id,
    owner: readString(where, 'owner', kw.owner, scope.opts.defaultOwner),
    doc_md: readOptionalString(where, 'doc_md', kw.doc_md),
    template_fields: custom ? (Object.keys(args.op_kwargs as object).some((k) => spec.templateFields.includes(k)) ? ['op_kwargs'] : [])
      : spec.templateFields.filter((f) => f in args || mappedKeys.has(f)
        || (expand?.type === 'list' && expand.target === 'args')),
    args,
    executor_config: readOptionalObject(where, 'executor_config', kw.executor_config),
    ...runAsUser(where, kw.run_as_user),
    ...(expand ? { expand_input: expand } : {}),
  };
}

/** run_as_user: a user name or a numeric uid (YAML files often give a number); absent when not set. */
function runAsUser(where: Where, v: unknown): { run_as_user?: string } {
  if (v === undefined || v === null || v === '') return {};
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return { run_as_user: String(v) };
  if (typeof v === 'string') return { run_as_user: v };
  throw fail(where, 'INVALID_ARGUMENT', 'run_as_user', `must be a user name or a uid, got ${describe(v)}`);
}

/** task_id, or (K8sOperator) the `name` argument, prefixed with the task group as Airflow does. */
function resolveTaskId(decl: TaskDeclaration, spec: OperatorSpec, where: Where): string {
  let taskId = decl.task_id;
  if (!taskId && spec.taskIdFallback) {
    const fallback = decl.kwargs[spec.taskIdFallback];
    if (typeof fallback === 'string' && fallback !== '') {
      taskId = decl.task_group_id ? `${decl.task_group_id}.${fallback}` : fallback;
    }
  }
  if (!taskId) {
    const alt = spec.taskIdFallback ? ` (or '${spec.taskIdFallback}')` : '';
    throw fail(where, 'MISSING_ARGUMENT', 'task_id', `${spec.name} needs a task_id${alt}`);
  }
  checkKey(where, 'task_id', taskId);
  return taskId;
}

function checkRequired(spec: OperatorSpec, args: Record<string, unknown>, where: Where): void {
  if (spec.requiredOneOf.length === 0) return;
  const present = (k: string): boolean => args[k] !== undefined && args[k] !== null;
  if (spec.requiredOneOf.some((set) => set.every(present))) return;
  const first = spec.requiredOneOf[0]!;
  const missing = first.filter((k) => !present(k));
  const others = spec.requiredOneOf.slice(1).map((s) => s.join(' + '));
  throw fail(where, 'MISSING_ARGUMENT', missing[0] ?? first[0] ?? null,
    `${spec.name} needs ${first.join(' + ')}${others.length ? ` (or ${others.join(' or ')})` : ''}`);
}

function readTriggerRule(where: Where, v: unknown): TriggerRule {
  if (v === undefined || v === null) return 'all_success';
  if (typeof v !== 'string') {
    throw fail(where, 'INVALID_ARGUMENT', 'trigger_rule', `must be a string, got ${describe(v)}`);
  }
  try {
    return parseTriggerRule(v); // also takes the deprecated aliases (dummy, ...)
  } catch (err) {
    throw fail(where, 'INVALID_ARGUMENT', 'trigger_rule',
      `'${v}' is not a trigger rule; use one of ${TRIGGER_RULES.join(', ')}`, err);
  }
}

function readWeightRule(where: Where, v: unknown): WeightRule {
  if (v === undefined || v === null) return 'downstream';
  if (typeof v === 'string' && (WEIGHT_RULES as readonly string[]).includes(v)) return v as WeightRule;
  throw fail(where, 'INVALID_ARGUMENT', 'weight_rule', `${describe(v)} is not one of ${WEIGHT_RULES.join(', ')}`);
}

/** A DAG-folder BaseOperator subclass: Python, any keyword argument (its own __init__ decides at run time). */
function customOperatorSpec(custom: NonNullable<TaskDeclaration['custom_operator']>): OperatorSpec {
  return { name: custom.class_name.split('.').pop()!, kind: 'python', templateFields: custom.template_fields, argNames: [],
    requiredOneOf: [], acceptsUnknownArgs: true, taskIdFallback: null };
}
