/**
 * The dag-factory layout (astronomer/dag-factory 1.x, DagFactory + DagBuilder) -> DagDeclarations.
 *
 * Top-level keys are dag ids, except `default`, which is deep-merged under every DAG (the DAG wins;
 * lists are not merged). A DAG's keys are DAG keyword arguments plus `default_args`, `tasks` and
 * `task_groups`; tasks and task groups come as a list (with `task_id` / `group_name`) or as a mapping
 * keyed by them. dag-factory's own conveniences are applied: `schedule_interval` -> `schedule`,
 * "None" -> None, `*_sec(s)` -> timedeltas, `timezone` for naive start/end dates, the
 * `dagfactory` tag.
 */
import type { DagDeclaration, TaskDeclaration, TaskGroupDeclaration } from '../declaration.ts';
import { DagDeclarationError } from '../errors.ts';
import type { ParserOptions } from '../normalize/options.ts';
import { describe, describeKind } from '../normalize/time.ts';
import { cleanKpoArgs } from './kubernetes.ts';
import { resolveDependencies, type GroupNode, type TaskNode } from './dependencies.ts';
import type { YamlPath } from './parse.ts';

import { isObject as isObj, type JsonObject as Obj } from '@windsock/dag-model';

/** Keys of a task entry that are dag-factory's, not operator arguments. */
const TASK_SYSTEM_KEYS = ['operator', 'dependencies', 'task_group_name', 'parent_group_name', 'task_id'];

export interface LayoutContext {
  relPath: string;
  opts: ParserOptions;
  /** Line of `path` under the DAG's own block, else under `default`, else of the closest parent. */
  lineOf(dagId: string, sub: YamlPath): number | null;
}

export function declarationsFromConfig(root: unknown, ctx: LayoutContext): DagDeclaration[] {
  if (root === null || root === undefined) return [];
  if (!isObj(root)) {
    throw new DagDeclarationError('INVALID_LAYOUT',
      `the top level of a dag-factory file must be a mapping of dag_id to DAG config, got ${describeKind(root)}`,
      { line: 1 });
  }
  const defaults = root.default ?? {};
  if (!isObj(defaults)) {
    throw new DagDeclarationError('INVALID_LAYOUT', `'default' must be a mapping, got ${describe(defaults)}`,
      { field: 'default', line: ctx.lineOf('default', []) });
  }
  const out: DagDeclaration[] = [];
  for (const [dagId, cfg] of Object.entries(root)) {
    if (dagId === 'default') continue;
    if (!isObj(cfg)) {
      throw new DagDeclarationError('INVALID_LAYOUT', `the DAG config must be a mapping, got ${describe(cfg)}`,
        { dagId, line: ctx.lineOf(dagId, []) });
    }
    out.push(buildDag(dagId, mergeConfigs(structuredClone(cfg), structuredClone(defaults)), ctx));
  }
  return out;
}

/** dag-factory's merge_configs: `defaults` fill what `config` lacks, mappings merged recursively. */
export function mergeConfigs(config: Obj, defaults: Obj): Obj {
  for (const [key, value] of Object.entries(defaults)) {
    if (!(key in config)) config[key] = value;
    else if (isObj(config[key]) && isObj(value)) mergeConfigs(config[key] as Obj, value);
  }
  return config;
}

function buildDag(dagId: string, cfg: Obj, ctx: LayoutContext): DagDeclaration {
  const layoutError = (sub: YamlPath, message: string, field: string | null = null): DagDeclarationError =>
    new DagDeclarationError('INVALID_LAYOUT', message, { dagId, field, line: ctx.lineOf(dagId, sub) });
  const { default_args: rawDefaults, tasks: rawTasks, task_groups: rawGroups, ...kwargs } = cfg;
  if (rawDefaults !== undefined && rawDefaults !== null && !isObj(rawDefaults)) {
    throw layoutError(['default_args'], `default_args must be a mapping, got ${describe(rawDefaults)}`, 'default_args');
  }
  const defaultArgs: Obj = { ...(rawDefaults ?? {}) };
  dagKwargs(kwargs, defaultArgs);

  const groups = entries(rawGroups, 'group_name', 'task_groups', dagId, ctx);
  const tasks = entries(rawTasks, 'task_id', 'tasks', dagId, ctx);
  const groupNodes = groupTree(groups, dagId, ctx);
  const taskNodes: TaskNode[] = tasks.map((t) => {
    const groupName = t.conf.task_group_name;
    if (groupName !== undefined && groupName !== null && (typeof groupName !== 'string' || !groupNodes.has(groupName))) {
      throw new DagDeclarationError('UNKNOWN_DEPENDENCY', `task group '${String(groupName)}' is not declared in task_groups`,
        { dagId, taskId: t.name, field: 'task_group_name', line: ctx.lineOf(dagId, [...t.path, 'task_group_name']) });
    }
    const group = typeof groupName === 'string' ? groupNodes.get(groupName)! : null;
    return {
      name: t.name, path: t.path, conf: t.conf, group,
      taskId: group?.prefixChildren ? `${group.groupId}.${t.name}` : t.name,
    };
  });
  const names = new Set(taskNodes.map((t) => t.name));
  for (const g of groupNodes.values()) {
    if (names.has(g.name)) {
      throw new DagDeclarationError('DUPLICATE_ID', `'${g.name}' is both a task and a task group`,
        { dagId, field: 'group_name', line: ctx.lineOf(dagId, g.path) });
    }
  }
  const upstream = resolveDependencies(dagId, taskNodes, [...groupNodes.values()], ctx);

  const taskDecls = taskNodes.map((t): TaskDeclaration => ({
    task_id: t.taskId,
    operator_path: operatorPath(t, dagId, ctx),
    kwargs: taskKwargs(t, ctx.opts),
    task_group_id: t.group?.groupId ?? null,
    upstream: [...(upstream.get(t.taskId) ?? [])].sort(),
    line: ctx.lineOf(dagId, t.path) ?? undefined,
  }));
  const groupDecls = [...groupNodes.values()].map((g): TaskGroupDeclaration => ({
    group_id: g.groupId,
    parent_group_id: g.parent?.groupId ?? null,
    ...(typeof g.conf.tooltip === 'string' ? { tooltip: g.conf.tooltip } : {}),
    ...(isObj(g.conf.default_args) ? { default_args: g.conf.default_args } : {}),
  }));
  return {
    dag_id: dagId, fileloc: ctx.relPath, line: ctx.lineOf(dagId, []) ?? undefined,
    kwargs, default_args: defaultArgs, task_groups: groupDecls, tasks: taskDecls,
  };
}

/** dag-factory's DagBuilder.get_dag_params conveniences, applied in place. */
function dagKwargs(kwargs: Obj, defaultArgs: Obj): void {
  // schedule_interval wins over schedule, as in dag-factory; an explicit null means None (manual runs only).
  if ('schedule_interval' in kwargs && (kwargs.schedule_interval !== null || !('schedule' in kwargs))) {
    kwargs.schedule = kwargs.schedule_interval;
  }
  delete kwargs.schedule_interval;
  if (typeof kwargs.schedule === 'string' && kwargs.schedule.trim().toLowerCase() === 'none') kwargs.schedule = null;
  if (typeof kwargs.dagrun_timeout_sec === 'number') {
    kwargs.dagrun_timeout = { __type: 'timedelta', seconds: kwargs.dagrun_timeout_sec };
  }
  delete kwargs.dagrun_timeout_sec;
  applyZone(kwargs, kwargs.timezone);
  applyZone(defaultArgs, defaultArgs.timezone);
  if (typeof defaultArgs.retry_delay_sec === 'number') {
    defaultArgs.retry_delay = { __type: 'timedelta', seconds: defaultArgs.retry_delay_sec };
  }
  delete defaultArgs.retry_delay_sec;
  delete defaultArgs.sla_secs;
  const tags = kwargs.tags ?? [];
  if (Array.isArray(tags) && !tags.includes('dagfactory')) kwargs.tags = [...tags, 'dagfactory'];
}

/** dag-factory reads start_date/end_date in the config's `timezone`; naive values only here. */
function applyZone(obj: Obj, tz: unknown): void {
  if (typeof tz !== 'string') return;
  for (const key of ['start_date', 'end_date']) {
    const v = obj[key];
    const text = typeof v === 'string' ? v : isObj(v) && v.__type === 'datetime' && !v.tz ? v.value : null;
    if (typeof text === 'string' && !/(?:Z|[+-]\d{2}:?\d{2})$/i.test(text.trim())) {
      obj[key] = { __type: 'datetime', value: text.trim(), tz };
    }
  }
}

interface Entry {
  name: string;
  conf: Obj;
  /** Path of the entry under the DAG block, for line numbers. */
  path: YamlPath;
}

/** `tasks` / `task_groups` as a list (items carry `idKey`) or a mapping keyed by id -> entries in order. */
function entries(raw: unknown, idKey: string, section: string, dagId: string, ctx: LayoutContext): Entry[] {
  if (raw === undefined || raw === null) return [];
  const err = (path: YamlPath, message: string, code: 'INVALID_LAYOUT' | 'DUPLICATE_ID' = 'INVALID_LAYOUT') =>
    new DagDeclarationError(code, message, { dagId, field: section, line: ctx.lineOf(dagId, path) });
  const out: Entry[] = [];
  const seen = new Set<string>();
  const add = (name: string, conf: Obj, path: YamlPath): void => {
    if (seen.has(name)) throw err(path, `'${name}' is declared twice in ${section}`, 'DUPLICATE_ID');
    seen.add(name);
    out.push({ name, conf, path });
  };
  if (Array.isArray(raw)) {
    raw.forEach((item, i) => {
      const path = [section, i];
      if (!isObj(item)) throw err(path, `each entry of ${section} must be a mapping, got ${describe(item)}`);
      const name = item[idKey] ?? (section === 'tasks' ? nameFallback(item, ctx.opts) : undefined);
      if (typeof name !== 'string' || name === '') throw err(path, `each entry of ${section} needs a '${idKey}'`);
      add(name, item, path);
    });
  } else if (isObj(raw)) {
    for (const [name, conf] of Object.entries(raw)) {
      const path = [section, name];
      if (conf !== null && !isObj(conf)) throw err(path, `'${name}' in ${section} must be a mapping, got ${describe(conf)}`);
      add(name, conf ?? {}, path);
    }
  } else {
    throw err([section], `${section} must be a list or a mapping, got ${describe(raw)}`);
  }
  return out;
}

/** A K8sOperator entry may name itself with `name` instead of `task_id`. */
function nameFallback(item: Obj, opts: ParserOptions): unknown {
  if (typeof item.operator !== 'string') return undefined;
  try {
    const spec = opts.operators.resolve(item.operator);
    return spec.taskIdFallback ? item[spec.taskIdFallback] : undefined;
  } catch {
    return undefined; // an unknown operator is reported with the task's line later
  }
}

function groupTree(groups: Entry[], dagId: string, ctx: LayoutContext): Map<string, GroupNode> {
  const byName = new Map(groups.map((g) => [g.name, g]));
  const nodes = new Map<string, GroupNode>();
  const build = (g: Entry, chain: string[]): GroupNode => {
    const known = nodes.get(g.name);
    if (known) return known;
    if (chain.includes(g.name)) {
      throw new DagDeclarationError('CYCLE', `task groups are nested in a cycle: ${[...chain, g.name].join(' -> ')}`,
        { dagId, field: 'parent_group_name', line: ctx.lineOf(dagId, [...g.path, 'parent_group_name']) });
    }
    const parentName = g.conf.parent_group_name;
    let parent: GroupNode | null = null;
    if (parentName !== undefined && parentName !== null) {
      const p = typeof parentName === 'string' ? byName.get(parentName) : undefined;
      if (!p) {
        throw new DagDeclarationError('UNKNOWN_DEPENDENCY',
          `task group '${g.name}' has parent_group_name '${String(parentName)}', which is not a task group`,
          { dagId, field: 'parent_group_name', line: ctx.lineOf(dagId, [...g.path, 'parent_group_name']) });
      }
      parent = build(p, [...chain, g.name]);
    }
    // TaskGroup.child_id: a group's id (and its tasks') is prefixed by its parent's unless prefix_group_id is False.
    const groupId = parent?.prefixChildren ? `${parent.groupId}.${g.name}` : g.name;
    const node: GroupNode = { name: g.name, path: g.path, conf: g.conf, parent, groupId,
      prefixChildren: g.conf.prefix_group_id !== false };
    nodes.set(g.name, node);
    return node;
  };
  for (const g of groups) build(g, []);
  // Keep declaration order.
  return new Map(groups.map((g) => [g.name, nodes.get(g.name)!]));
}

function operatorPath(t: TaskNode, dagId: string, ctx: LayoutContext): string {
  const op = t.conf.operator;
  if (typeof op === 'string' && op !== '') {
    ctx.opts.operators.resolve(op, { dagId, taskId: t.taskId, line: ctx.lineOf(dagId, [...t.path, 'operator']) });
    return op;
  }
  const message = t.conf.decorator !== undefined
    ? 'decorator tasks are not supported in YAML DAGs; use an operator'
    : "the task needs an 'operator' (its import path, e.g. airflow.operators.bash.BashOperator)";
  throw new DagDeclarationError(t.conf.decorator !== undefined ? 'INVALID_LAYOUT' : 'MISSING_ARGUMENT', message,
    { dagId, taskId: t.taskId, field: 'operator', line: ctx.lineOf(dagId, t.path) });
}

/** The operator keyword arguments of a task entry, with dag-factory's `*_secs` and KubernetesPodOperator conversions. */
function taskKwargs(t: TaskNode, opts: ParserOptions): Obj {
  let kw: Obj = {};
  for (const [k, v] of Object.entries(t.conf)) if (!TASK_SYSTEM_KEYS.includes(k)) kw[k] = v;
  for (const [from, to] of [['execution_timeout_secs', 'execution_timeout'], ['sla_secs', 'sla']] as const) {
    if (typeof kw[from] === 'number') kw[to] = { __type: 'timedelta', seconds: kw[from] };
    delete kw[from];
  }
  const spec = opts.operators.resolve(t.conf.operator as string);
  if (spec.name === 'KubernetesPodOperator' || spec.name === 'SparkKubernetesOperator') kw = cleanKpoArgs(kw);
  return kw;
}
