/**
 * normalizeDeclaration: a DAG as a file declared it (YAML or Python, declaration.ts) -> the
 * SerializedDag every other part of Windsock reads. Both loaders go through here, so a DAG means
 * the same whichever language declared it. Every problem is a DagDeclarationError naming the DAG,
 * the task and the field.
 *
 * DAG-level rules (Airflow's DAG.__init__): start_date may come from default_args; the DAG's time
 * zone is start_date's zone, else the default zone; naive dates are read in the default zone;
 * default_args["params"] are merged over `params`; `concurrency` is the old name of
 * max_active_tasks. Unknown DAG keyword arguments are ignored, as dag-factory ignores them.
 */
import { DagValidationError, finalizeDag, type SerializedDag, type SerializedTaskGroup } from '@windsock/dag-model';
import type { DagDeclaration, TaskGroupDeclaration } from './declaration.ts';
import { checkGroups, checkTasks } from './normalize/graph.ts';
import { resolveParserOptions, type ParserOptions, type ParserOptionsInput } from './normalize/options.ts';
import { readParams } from './normalize/params.ts';
import {
  checkKey, fail, readBool, readInt, readOptionalBool, readOptionalDatetime, readOptionalObject, readOptionalSeconds,
  readOptionalString, readStringList, type Where,
} from './normalize/read.ts';
import { readSchedule } from './normalize/schedule.ts';
import { normalizeTask } from './normalize/task.ts';


/** `options`: compiled (compileParserOptions) or raw, then compiled once per object. */
export function normalizeDeclaration(decl: DagDeclaration, options?: ParserOptions | ParserOptionsInput): SerializedDag {
  const opts = resolveParserOptions(options);
  const where: Where = { dagId: decl.dag_id, line: decl.line ?? null };
  checkKey(where, 'dag_id', decl.dag_id);
  const kw = decl.kwargs;
  const defaultArgs = { ...(readOptionalObject(where, 'default_args', decl.default_args) ?? {}) };

  const start = readOptionalDatetime(where, 'start_date', kw.start_date ?? defaultArgs.start_date,
    opts.defaultTimezone);
  const end = readOptionalDatetime(where, 'end_date', kw.end_date, opts.defaultTimezone);
  const params = {
    ...readParams(where, kw.params),
    ...readParams(where, readOptionalObject(where, 'default_args.params', defaultArgs.params)),
  };
  delete defaultArgs.params;

  const groups = decl.task_groups.map((g): SerializedTaskGroup => ({
    group_id: g.group_id, parent_group_id: g.parent_group_id, tooltip: g.tooltip ?? '',
  }));
  checkGroups(decl.dag_id, groups);
  const groupDefaults = groupDefaultArgs(decl.task_groups);

  const tasks = decl.tasks.map((t) => normalizeTask(t, {
    dagId: decl.dag_id,
    opts,
    defaultArgs: { ...defaultArgs, ...(t.task_group_id ? groupDefaults.get(t.task_group_id) : undefined) },
  }));
  checkTasks(decl.dag_id, tasks, groups, new Map(tasks.map((t, i) => [t.task_id, decl.tasks[i]!.line ?? null])));
  const byId = new Map(tasks.map((t) => [t.task_id, t]));
  for (const t of tasks) {
    for (const up of t.upstream_task_ids) byId.get(up)!.downstream_task_ids.push(t.task_id);
  }
  for (const t of tasks) t.downstream_task_ids.sort();

  const dag: SerializedDag = {
    format_version: 1,
    dag_id: decl.dag_id,
    fileloc: decl.fileloc,
    description: readOptionalString(where, 'description', kw.description),
    schedule: readSchedule(where, kw, opts.defaultSchedule),
    timezone: start?.tz ?? opts.defaultTimezone,
    start_date: start?.iso ?? null,
    end_date: end?.iso ?? null,
    catchup: readBool(where, 'catchup', kw.catchup, opts.catchupByDefault),
    max_active_runs: readInt(where, 'max_active_runs', kw.max_active_runs, opts.maxActiveRunsPerDag, { min: 1 }),
    max_active_tasks: readInt(where, kw.max_active_tasks === undefined && kw.concurrency !== undefined
      ? 'concurrency' : 'max_active_tasks', kw.max_active_tasks ?? kw.concurrency, opts.maxActiveTasksPerDag, { min: 1 }),
    max_consecutive_failed_dag_runs: readInt(where, 'max_consecutive_failed_dag_runs',
      kw.max_consecutive_failed_dag_runs, 0, { min: 0 }),
    dagrun_timeout: readOptionalSeconds(where, 'dagrun_timeout', kw.dagrun_timeout),
    tags: [...new Set(readStringList(where, 'tags', kw.tags))],
    owners: [...new Set(tasks.map((t) => t.owner))].sort(),
    params,
    is_paused_upon_creation: readOptionalBool(where, 'is_paused_upon_creation', kw.is_paused_upon_creation),
    doc_md: readOptionalString(where, 'doc_md', kw.doc_md),
    render_template_as_native_obj: readBool(where, 'render_template_as_native_obj',
      kw.render_template_as_native_obj, false),
    task_groups: groups,
    tasks,
  };
  try {
    return finalizeDag(dag);
  } catch (err) {
    if (err instanceof DagValidationError) {
      throw fail(where, 'INVALID_DAG', null, err.message, err);
    }
    throw err;
  }
}

/** Each group's effective default_args: its ancestors' merged from the outermost in, then its own. */
function groupDefaultArgs(groups: readonly TaskGroupDeclaration[]): Map<string, Record<string, unknown>> {
  const byId = new Map(groups.map((g) => [g.group_id, g]));
  const out = new Map<string, Record<string, unknown>>();
  const resolve = (id: string): Record<string, unknown> => {
    const known = out.get(id);
    if (known) return known;
    const g = byId.get(id)!;
    const merged = { ...(g.parent_group_id ? resolve(g.parent_group_id) : {}), ...(g.default_args ?? {}) };
    out.set(id, merged);
    return merged;
  };
  for (const g of groups) resolve(g.group_id);
  return out;
}
