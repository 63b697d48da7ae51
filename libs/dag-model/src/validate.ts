/**
 * Validation of serialized DAGs, done once at the edge: whatever the parsers produce, and whatever
 * is read back from the metastore, passes through parseSerializedDag before anything trusts it.
 * The first problem found is thrown as a DagValidationError whose `code` says what kind it is and
 * whose `path` says where (`tasks[2].retries`, `tasks.load.upstream_task_ids`).
 *
 * parseSerializedDag checks the shape and every field, then returns finalizeDag of it: upstream
 * ids sorted and de-duplicated, `downstream_task_ids` derived from them (given values are
 * replaced), `depends_on_past` forced on by `wait_for_downstream` (as Airflow's BaseOperator
 * does), deprecated trigger-rule aliases resolved, and the graph checked.
 */
import { DagValidationError } from './errors.ts';
import { isValidTimeZone } from './cron.ts';
import { downstreamMap, findCycle } from './graph.ts';
import type { ExpandInput, SerializedDag, SerializedParam, SerializedTask, SerializedTaskGroup, TaskKind } from './serialized.ts';
import { TRIGGER_RULES, WEIGHT_RULES } from './serialized.ts';
import type { Obj } from './shape.ts';
import {
  anyInteger, boolean, fail, integer, isObject, json, nonEmptyString, nullableBoolean, nullableInstant, nullableInteger,
  nullableNumber, nullableString, number, object, oneOf, onlyKeys, string, stringArray,
} from './shape.ts';
import { parseSchedule } from './timetable.ts';
import { parseTriggerRule } from './trigger-rules.ts';

export const TASK_KINDS: readonly TaskKind[] = ['bash', 'empty', 'pod', 'spark', 'python'];

/** Airflow's KEY_REGEX for dag and task ids (`^[\w.-]+$`, at most 250 characters). */
const KEY = /^[\p{L}\p{N}_.-]+$/u;
const MAX_KEY_LENGTH = 250;

function key(v: unknown, path: string): string {
  if (typeof v !== 'string' || v.length > MAX_KEY_LENGTH || !KEY.test(v)) {
    fail(path, `at most ${MAX_KEY_LENGTH} letters, digits, dashes, dots and underscores`, v);
  }
  return v;
}

const DAG_FIELDS: readonly (keyof SerializedDag)[] = [
  'format_version', 'dag_id', 'fileloc', 'description', 'schedule', 'timezone', 'start_date', 'end_date', 'catchup',
  'max_active_runs', 'max_active_tasks', 'max_consecutive_failed_dag_runs', 'dagrun_timeout', 'tags', 'owners', 'params',
  'is_paused_upon_creation', 'doc_md', 'render_template_as_native_obj', 'task_groups', 'tasks',
];
const TASK_FIELDS: readonly (keyof SerializedTask)[] = [
  'task_id', 'operator', 'operator_path', 'kind', 'upstream_task_ids', 'downstream_task_ids', 'trigger_rule', 'retries',
  'retry_delay', 'retry_exponential_backoff', 'max_retry_delay', 'execution_timeout', 'depends_on_past',
  'wait_for_downstream', 'pool', 'pool_slots', 'queue', 'priority_weight', 'weight_rule', 'max_active_tis_per_dag',
  'max_active_tis_per_dagrun', 'task_group_id', 'owner', 'doc_md', 'template_fields', 'args', 'executor_config',
];
/** Fields a task may leave out. */
const OPTIONAL_TASK_FIELDS: readonly (keyof SerializedTask)[] = ['run_as_user', 'expand_input'];

function parseTask(v: unknown, path: string): SerializedTask {
  const t = object(v, path);
  onlyKeys(t, [...TASK_FIELDS, ...OPTIONAL_TASK_FIELDS], path);
  const triggerRule = string(t.trigger_rule, `${path}.trigger_rule`);
  let trigger_rule;
  try {
    trigger_rule = parseTriggerRule(triggerRule);
  } catch (e) {
    throw e instanceof DagValidationError ? new DagValidationError(e.code, `${path}.trigger_rule: ${e.message}`, `${path}.trigger_rule`) : e;
  }
  const wait_for_downstream = boolean(t.wait_for_downstream, `${path}.wait_for_downstream`);
  return {
    task_id: key(t.task_id, `${path}.task_id`),
    operator: nonEmptyString(t.operator, `${path}.operator`),
    operator_path: string(t.operator_path, `${path}.operator_path`),
    kind: oneOf(t.kind, TASK_KINDS, `${path}.kind`, 'UNKNOWN_OPERATOR'),
    upstream_task_ids: stringArray(t.upstream_task_ids, `${path}.upstream_task_ids`),
    downstream_task_ids: stringArray(t.downstream_task_ids, `${path}.downstream_task_ids`),
    trigger_rule,
    retries: integer(t.retries, `${path}.retries`),
    retry_delay: number(t.retry_delay, `${path}.retry_delay`),
    retry_exponential_backoff: boolean(t.retry_exponential_backoff, `${path}.retry_exponential_backoff`),
    max_retry_delay: nullableNumber(t.max_retry_delay, `${path}.max_retry_delay`),
    execution_timeout: nullableNumber(t.execution_timeout, `${path}.execution_timeout`),
    depends_on_past: boolean(t.depends_on_past, `${path}.depends_on_past`) || wait_for_downstream,
    wait_for_downstream,
    pool: nonEmptyString(t.pool, `${path}.pool`),
    pool_slots: integer(t.pool_slots, `${path}.pool_slots`, 1),
    queue: string(t.queue, `${path}.queue`),
    priority_weight: anyInteger(t.priority_weight, `${path}.priority_weight`),
    weight_rule: oneOf(t.weight_rule, WEIGHT_RULES, `${path}.weight_rule`),
    max_active_tis_per_dag: nullableInteger(t.max_active_tis_per_dag, `${path}.max_active_tis_per_dag`, 1),
    max_active_tis_per_dagrun: nullableInteger(t.max_active_tis_per_dagrun, `${path}.max_active_tis_per_dagrun`, 1),
    task_group_id: nullableString(t.task_group_id, `${path}.task_group_id`),
    owner: string(t.owner, `${path}.owner`),
    doc_md: nullableString(t.doc_md, `${path}.doc_md`),
    template_fields: stringArray(t.template_fields, `${path}.template_fields`),
    args: json(object(t.args, `${path}.args`), `${path}.args`) as Record<string, unknown>,
    executor_config: t.executor_config === null ? null
      : json(object(t.executor_config, `${path}.executor_config`), `${path}.executor_config`) as Record<string, unknown>,
    ...(t.run_as_user !== undefined ? { run_as_user: nonEmptyString(t.run_as_user, `${path}.run_as_user`) } : {}),
    ...(t.expand_input !== undefined ? { expand_input: parseExpandInput(t.expand_input, `${path}.expand_input`) } : {}),
  };
}

function parseExpandInput(v: unknown, path: string): ExpandInput {
  const e = object(v, path);
  onlyKeys(e, ['type', 'target', 'value'], path);
  const target = oneOf(e.target, ['args', 'op_kwargs'] as const, `${path}.target`);
  if (e.type === 'dict') {
    return { type: 'dict', target, value: json(object(e.value, `${path}.value`), `${path}.value`) as Record<string, unknown> };
  }
  oneOf(e.type, ['list'] as const, `${path}.type`);
  return { type: 'list', target, value: json(e.value, `${path}.value`) };
}

function parseGroup(v: unknown, path: string): SerializedTaskGroup {
  const g = object(v, path);
  onlyKeys(g, ['group_id', 'parent_group_id', 'tooltip'], path);
  return {
    group_id: key(g.group_id, `${path}.group_id`),
    parent_group_id: nullableString(g.parent_group_id, `${path}.parent_group_id`),
    tooltip: string(g.tooltip, `${path}.tooltip`),
  };
}

function parseParams(v: unknown, path: string): Record<string, SerializedParam> {
  const o = object(v, path);
  const out: Record<string, SerializedParam> = {};
  for (const [name, raw] of Object.entries(o)) {
    const p = object(raw, `${path}.${name}`);
    onlyKeys(p, ['default', 'description', 'schema'], `${path}.${name}`);
    if (!('default' in p)) fail(`${path}.${name}.default`, 'a JSON value (null for none)', undefined);
    out[name] = {
      default: json(p.default, `${path}.${name}.default`),
      description: nullableString(p.description, `${path}.${name}.description`),
      schema: json(object(p.schema, `${path}.${name}.schema`), `${path}.${name}.schema`) as Record<string, unknown>,
    };
  }
  return out;
}

/** Validates untrusted JSON as a serialized DAG and returns it finalized (see the file comment). */
export function parseSerializedDag(input: unknown): SerializedDag {
  const d: Obj = object(input, 'dag');
  onlyKeys(d, DAG_FIELDS, 'dag');
  for (const f of DAG_FIELDS) if (!(f in d)) fail(`dag.${f}`, 'a value', undefined);
  if (d.format_version !== 1) fail('dag.format_version', '1', d.format_version);
  const timezone = nonEmptyString(d.timezone, 'dag.timezone');
  if (!isValidTimeZone(timezone)) fail('dag.timezone', 'an IANA time zone', timezone);
  if (!Array.isArray(d.tasks)) fail('dag.tasks', 'a list of tasks', d.tasks);
  if (!Array.isArray(d.task_groups)) fail('dag.task_groups', 'a list of task groups', d.task_groups);
  const tasks = d.tasks.map((t, i) => {
    if (isObject(t)) for (const f of TASK_FIELDS) if (!(f in t)) fail(`tasks[${i}].${f}`, 'a value', undefined);
    return parseTask(t, `tasks[${i}]`);
  });
  const dag: SerializedDag = {
    format_version: 1,
    dag_id: key(d.dag_id, 'dag.dag_id'),
    fileloc: string(d.fileloc, 'dag.fileloc'),
    description: nullableString(d.description, 'dag.description'),
    schedule: parseSchedule(d.schedule),
    timezone,
    start_date: nullableInstant(d.start_date, 'dag.start_date'),
    end_date: nullableInstant(d.end_date, 'dag.end_date'),
    catchup: boolean(d.catchup, 'dag.catchup'),
    max_active_runs: integer(d.max_active_runs, 'dag.max_active_runs'),
    max_active_tasks: integer(d.max_active_tasks, 'dag.max_active_tasks'),
    max_consecutive_failed_dag_runs: integer(d.max_consecutive_failed_dag_runs, 'dag.max_consecutive_failed_dag_runs'),
    dagrun_timeout: nullableNumber(d.dagrun_timeout, 'dag.dagrun_timeout'),
    tags: stringArray(d.tags, 'dag.tags'),
    owners: stringArray(d.owners, 'dag.owners'),
    params: parseParams(d.params, 'dag.params'),
    is_paused_upon_creation: nullableBoolean(d.is_paused_upon_creation, 'dag.is_paused_upon_creation'),
    doc_md: nullableString(d.doc_md, 'dag.doc_md'),
    render_template_as_native_obj: boolean(d.render_template_as_native_obj, 'dag.render_template_as_native_obj'),
    task_groups: d.task_groups.map((g, i) => parseGroup(g, `task_groups[${i}]`)),
    tasks,
  };
  return finalizeDag(dag);
}

/**
 * The checks that need the whole DAG, for a DAG that is already well-typed (e.g. built in code):
 * duplicate task or group ids, field values out of range, unknown upstream tasks and groups, cycles.
 */
export function validateDagGraph(dag: SerializedDag): void {
  const seen = new Set<string>();
  for (const t of dag.tasks) {
    if (seen.has(t.task_id)) {
      throw new DagValidationError('DUPLICATE_TASK_ID', `task id ${JSON.stringify(t.task_id)} is used more than once`, `tasks.${t.task_id}`);
    }
    seen.add(t.task_id);
  }
  const groups = new Set<string>();
  for (const g of dag.task_groups) {
    if (groups.has(g.group_id)) fail(`task_groups.${g.group_id}`, 'a unique group id', g.group_id);
    groups.add(g.group_id);
  }
  for (const g of dag.task_groups) {
    if (g.parent_group_id !== null && !groups.has(g.parent_group_id)) {
      fail(`task_groups.${g.group_id}.parent_group_id`, 'a known task group', g.parent_group_id);
    }
  }
  for (const t of dag.tasks) {
    const path = `tasks.${t.task_id}`;
    if (!(TRIGGER_RULES as readonly string[]).includes(t.trigger_rule)) fail(`${path}.trigger_rule`, 'a trigger rule', t.trigger_rule, 'BAD_TRIGGER_RULE');
    oneOf(t.weight_rule, WEIGHT_RULES, `${path}.weight_rule`);
    oneOf(t.kind, TASK_KINDS, `${path}.kind`, 'UNKNOWN_OPERATOR');
    integer(t.retries, `${path}.retries`);
    number(t.retry_delay, `${path}.retry_delay`);
    nullableNumber(t.max_retry_delay, `${path}.max_retry_delay`);
    nullableNumber(t.execution_timeout, `${path}.execution_timeout`);
    integer(t.pool_slots, `${path}.pool_slots`, 1);
    anyInteger(t.priority_weight, `${path}.priority_weight`);
    if (t.task_group_id !== null && !groups.has(t.task_group_id)) fail(`${path}.task_group_id`, 'a known task group', t.task_group_id);
  }
  downstreamMap(dag); // throws UNKNOWN_UPSTREAM naming the task and the missing id
  const cycle = findCycle(dag);
  if (cycle !== null) throw new DagValidationError('CYCLE', `the DAG has a cycle: ${cycle.join(' -> ')}`);
}

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Derives `downstream_task_ids` from the upstream ids, sorts both, and validates the result.
 * Returns a new DAG; the argument is not modified.
 */
export function finalizeDag(dag: SerializedDag): SerializedDag {
  const tasks = dag.tasks.map((t) => ({
    ...t,
    upstream_task_ids: [...new Set(t.upstream_task_ids)].sort(byCodeUnit),
    depends_on_past: t.depends_on_past || t.wait_for_downstream,
  }));
  const finalized: SerializedDag = { ...dag, tasks };
  validateDagGraph(finalized);
  const down = downstreamMap(finalized);
  finalized.tasks = tasks.map((t) => ({ ...t, downstream_task_ids: [...down.get(t.task_id)!].sort(byCodeUnit) }));
  return finalized;
}
