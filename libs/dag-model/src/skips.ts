/**
 * Branching and skipping (Airflow's SkipMixin and the branch operators): which downstream task instances a task
 * marks `skipped` when it ends. The rest of the skip travels through trigger rules, as in Airflow.
 *
 *  - Branch operators (BranchPythonOperator, @task.branch, BranchDateTimeOperator, BranchDayOfWeekOperator,
 *    LatestOnlyOperator) follow a task id, a list of them (task group ids stand for the group's roots) or None:
 *    every direct downstream task not followed, and not downstream of a followed one, is skipped
 *    (SkipMixin.skip_all_except, airflow/models/skipmixin.py; BaseBranchOperator._expand_task_group_roots).
 *  - ShortCircuitOperator / @task.short_circuit: a falsy result skips every downstream task
 *    (ignore_downstream_trigger_rules=True, the default) or only the direct ones (airflow/operators/python.py).
 *  - BashOperator / KubernetesPodOperator: an exit code in skip_on_exit_code ends the try `skipped`.
 * Pure: the worker applies the decision with its end-of-try statement.
 */
import { fromWallClock, toWallClock } from './cron.ts';
import { nextDagRunInfo, type DataInterval } from './timetable.ts';
import type { SerializedDag, SerializedTask } from './serialized.ts';

/** Operator names (SerializedTask.operator) whose result is a branch choice. */
export const BRANCH_OPERATORS: ReadonlySet<string> = new Set(['BranchPythonOperator', '@task.branch', 'BranchDateTimeOperator',
  'BranchDayOfWeekOperator', 'LatestOnlyOperator']);
export const SHORT_CIRCUIT_OPERATORS: ReadonlySet<string> = new Set(['ShortCircuitOperator', '@task.short_circuit']);
/** Operators Windsock decides itself, without running anything (their choice depends only on the run and clock). */
export const DECIDING_OPERATORS: ReadonlySet<string> = new Set(['BranchDateTimeOperator', 'BranchDayOfWeekOperator', 'LatestOnlyOperator']);

/** A branch result Airflow refuses (a task id that is not in the DAG, a value of the wrong type). */
export class BranchError extends Error {
  override name = 'BranchError';
  readonly code = 'INVALID_BRANCH' as const;
}

/** Descendants of `id` (not itself), following downstream edges. */
function descendants(tasks: ReadonlyMap<string, SerializedTask>, id: string): Set<string> {
  const out = new Set<string>();
  const stack = [...(tasks.get(id)?.downstream_task_ids ?? [])];
  while (stack.length > 0) {
    const t = stack.pop()!;
    if (out.has(t)) continue;
    out.add(t);
    stack.push(...(tasks.get(t)?.downstream_task_ids ?? []));
  }
  return out;
}

/** The roots of a task group (its tasks, nested groups included, with no upstream inside it). */
function groupRoots(dag: SerializedDag, groupId: string): string[] {
  const inGroup = (t: SerializedTask) => t.task_group_id !== null && (t.task_group_id === groupId || t.task_group_id.startsWith(`${groupId}.`));
  const members = new Set(dag.tasks.filter(inGroup).map((t) => t.task_id));
  return dag.tasks.filter((t) => members.has(t.task_id) && !t.upstream_task_ids.some((u) => members.has(u))).map((t) => t.task_id);
}

/** The task ids a branch result follows (BaseBranchOperator._expand_task_group_roots + skip_all_except's checks). */
export function branchFollows(dag: SerializedDag, result: unknown): string[] {
  if (result === null || result === undefined) return [];
  const items = Array.isArray(result) ? result : [result];
  const groups = new Set(dag.task_groups.map((g) => g.group_id));
  const ids = new Set(dag.tasks.map((t) => t.task_id));
  const out: string[] = [];
  for (const item of items) {
    if (typeof item !== 'string') {
      throw new BranchError(`'branch_task_ids' expected all task IDs are strings. Invalid tasks found: ${JSON.stringify(item)}.`);
    }
    if (!ids.has(item) && groups.has(item)) out.push(...groupRoots(dag, item));
    else out.push(item);
  }
  const invalid = out.filter((id) => !ids.has(id));
  if (invalid.length > 0) throw new BranchError(`'branch_task_ids' must contain only valid task_ids. Invalid tasks found: ${invalid.join(', ')}.`);
  return out;
}

/** skip_all_except: the direct downstream tasks of `task` to skip when `follow` is followed. */
export function branchSkips(tasks: ReadonlyMap<string, SerializedTask>, task: SerializedTask, follow: readonly string[]): string[] {
  const kept = new Set(follow);
  for (const id of follow) for (const d of descendants(tasks, id)) kept.add(d);
  return task.downstream_task_ids.filter((id) => !kept.has(id));
}

/** ShortCircuitOperator: the tasks a falsy condition skips. */
export function shortCircuitSkips(tasks: ReadonlyMap<string, SerializedTask>, task: SerializedTask, condition: unknown): string[] {
  if (pythonTruthy(condition)) return [];
  if (task.args.ignore_downstream_trigger_rules === false) return [...task.downstream_task_ids];
  return [...descendants(tasks, task.task_id)];
}

/** Python's bool() of a JSON value. */
export function pythonTruthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

/** The exit codes that end a try `skipped` (skip_on_exit_code, or the deprecated skip_exit_code). */
export function skipExitCodes(task: SerializedTask): number[] {
  const raw = 'skip_on_exit_code' in task.args ? task.args.skip_on_exit_code
    : 'skip_exit_code' in task.args ? task.args.skip_exit_code
      : task.kind === 'bash' ? 99 : null;
  if (raw === null || raw === undefined) return [];
  return (Array.isArray(raw) ? raw : [raw]).filter((c): c is number => typeof c === 'number');
}

export interface DecisionRun {
  runType: string;
  logicalDate: Date | null;
  dataInterval: DataInterval | null;
}

const WEEKDAYS = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'];

/** WeekDay.validate_week_day: a name, a WeekDay (recorded as its number) or a collection of those -> ISO numbers. */
export function weekDayNumbers(raw: unknown): Set<number> {
  const items = Array.isArray(raw) ? raw : [raw];
  const out = new Set<number>();
  for (const d of items) {
    if (typeof d === 'number' && d >= 1 && d <= 7) out.add(d);
    else if (typeof d === 'string' && WEEKDAYS.includes(d.toUpperCase())) out.add(WEEKDAYS.indexOf(d.toUpperCase()) + 1);
    else throw new BranchError(`Invalid Week Day passed: ${JSON.stringify(d)}`);
  }
  return out;
}

/** A recorded target time or datetime as an instant: a bare time is put on `base`'s UTC date, in the DAG's zone. */
function targetInstant(raw: unknown, base: Date, zone: string): Date | null {
  if (raw === null || raw === undefined) return null;
  if (typeof raw === 'string' && /^\d{2}:\d{2}/.test(raw)) {
    const [h, m, s] = raw.split(':').map(Number) as [number, number, number | undefined];
    const wall = Date.UTC(base.getUTCFullYear(), base.getUTCMonth(), base.getUTCDate(), h, m, Math.floor(s ?? 0));
    return fromWallClock(wall, zone);
  }
  if (typeof raw === 'object' && (raw as { __type?: string }).__type === 'datetime') {
    const { value, tz } = raw as { value: string; tz: string | null };
    if (/[zZ]|[+-]\d{2}:\d{2}$/.test(value)) return new Date(value);
    return fromWallClock(Date.parse(`${value}Z`), tz ?? zone);
  }
  throw new BranchError(`unreadable target time ${JSON.stringify(raw)}`);
}

/**
 * The branch a deciding operator takes (its `choose_branch`), from the run and the clock: BranchDateTimeOperator,
 * BranchDayOfWeekOperator, LatestOnlyOperator.
 */
export function decideBranch(dag: SerializedDag, task: SerializedTask, run: DecisionRun, now: Date): unknown {
  const a = task.args;
  const useLogical = a.use_task_logical_date === true || a.use_task_execution_date === true;
  switch (task.operator) {
    case 'BranchDateTimeOperator': {
      const at = useLogical && run.logicalDate ? run.logicalDate : now;
      const lower = targetInstant(a.target_lower, at, dag.timezone);
      let upper = targetInstant(a.target_upper, at, dag.timezone);
      const bothTimes = typeof a.target_lower === 'string' && typeof a.target_upper === 'string';
      if (bothTimes && lower && upper && upper < lower) upper = new Date(upper.getTime() + 86_400_000);
      if (upper !== null && upper < at) return a.follow_task_ids_if_false;
      if (lower !== null && lower > at) return a.follow_task_ids_if_false;
      return a.follow_task_ids_if_true;
    }
    case 'BranchDayOfWeekOperator': {
      // Airflow: the logical date as is (UTC), or now as wall-clock time in the DAG's zone.
      const wall = useLogical && run.logicalDate ? run.logicalDate.getTime() : toWallClock(now, dag.timezone);
      const iso = ((new Date(wall).getUTCDay() + 6) % 7) + 1;
      return weekDayNumbers(a.week_day).has(iso) ? a.follow_task_ids_if_true : a.follow_task_ids_if_false;
    }
    case 'LatestOnlyOperator': {
      const all = [...task.downstream_task_ids];
      if (run.runType === 'manual' || run.dataInterval === null) return all;
      // next_dagrun_info(restricted=False): the interval after this run's, whatever start/end date and catchup say.
      const next = nextDagRunInfo({ schedule: dag.schedule, timezone: dag.timezone, start_date: null, end_date: null, catchup: true }, run.dataInterval, now);
      if (next === null) return all;
      const { start, end } = next.dataInterval;
      return start < now && now <= end ? all : [];
    }
    default:
      throw new BranchError(`${task.operator} is not a deciding operator`);
  }
}

/**
 * What a successful try of `task` skips, given its return value (or, for a deciding operator, its decision).
 * Empty for tasks that do not branch.
 */
export function skipsAfterSuccess(dag: SerializedDag, tasks: ReadonlyMap<string, SerializedTask>, task: SerializedTask, result: unknown): string[] {
  if (BRANCH_OPERATORS.has(task.operator)) return branchSkips(tasks, task, branchFollows(dag, result));
  if (SHORT_CIRCUIT_OPERATORS.has(task.operator)) return shortCircuitSkips(tasks, task, result);
  return [];
}
