/**
 * `tasks clear`, `tasks state` and `tasks mark` over /api/v2.
 *
 * clear keeps Airflow's CLI (`airflow tasks clear`): `-t REGEX` picks the tasks whose id the pattern matches
 * (re.search) among the DAG's tasks, `-s/-e` bound the runs' logical dates, `-f/-r` only failed / running ones,
 * `-d/-u` add downstream / upstream tasks; it lists what will be cleared (the API's dry run) and asks unless `-y`.
 * Unlike the API's default, only failed task instances are cleared only when `--only-failed` says so, as Airflow's
 * CLI does.
 */
import type { RemoteOpts } from '../commands/remote-options.ts';
import { seg, type ApiClient } from './client.ts';
import { CliError, EXIT, usageError } from './errors.ts';
import { isoDate, userRegex } from './dag-verbs.ts';
import { printDocument, printTable } from './render.ts';
import { confirm, plural, session } from './session.ts';

interface Ti { dag_id: string; dag_run_id: string; task_id: string; map_index: number; state: string | null; try_number: number; logical_date: string | null; [k: string]: unknown }
interface TiList { task_instances: Ti[]; total_entries: number }

const TI_COLUMNS = ['dag_run_id', 'task_id', 'map_index', 'state', 'try_number', 'logical_date'];

export interface ClearOpts extends RemoteOpts {
  taskRegex?: string; startDate?: string; endDate?: string; runId?: string;
  onlyFailed?: boolean; onlyRunning?: boolean; downstream?: boolean; upstream?: boolean; yes?: boolean; dryRun?: boolean;
}

/** The task ids of `all` that `regex` matches anywhere in them (Python's re.search, as Airflow's sub_dag). */
export function matchTasks(all: string[], regex: string): string[] {
  const re = userRegex(regex, `--task-regex "${regex}"`);
  return all.filter((id) => re.test(id));
}

/** The body of `POST /dags/{dag_id}/clearTaskInstances` for the flags (`taskIds` null: every task). */
export function clearBody(o: Omit<ClearOpts, 'output'>, taskIds: string[] | null, dryRun: boolean): Record<string, unknown> {
  if (o.onlyFailed && o.onlyRunning) throw usageError('give --only-failed or --only-running, not both');
  return {
    dry_run: dryRun,
    ...(taskIds ? { task_ids: taskIds } : {}),
    ...(o.runId ? { dag_run_id: o.runId } : {}),
    ...(o.startDate ? { start_date: isoDate(o.startDate, '--start-date') } : {}),
    ...(o.endDate ? { end_date: isoDate(o.endDate, '--end-date') } : {}),
    only_failed: o.onlyFailed === true,
    only_running: o.onlyRunning === true,
    include_downstream: o.downstream === true,
    include_upstream: o.upstream === true,
    reset_dag_runs: true,
  };
}

export async function clear(dagId: string, opts: ClearOpts): Promise<void> {
  clearBody(opts, null, true); // flags checked before anything is asked of the server
  // Asking needs a terminal: a script without --yes is told so before anything is looked up or changed.
  if (!opts.yes && !opts.dryRun && !process.stdin.isTTY) throw usageError('no terminal to confirm the clear: pass --yes to clear without asking, or --dry-run to list what would be cleared');
  const { api, format } = session(opts);
  const base = `/api/v2/dags/${seg(dagId)}`;
  let taskIds: string[] | null = null;
  if (opts.taskRegex !== undefined) {
    const tasks = await api.request<{ tasks: { task_id: string }[] }>('GET', `${base}/tasks`);
    taskIds = matchTasks(tasks.tasks.map((t) => t.task_id), opts.taskRegex);
    if (taskIds.length === 0) throw new CliError(`no task of ${dagId} matches --task-regex "${opts.taskRegex}" (it has: ${tasks.tasks.map((t) => t.task_id).join(', ')})`, EXIT.NOT_FOUND);
  }
  const machine = format === 'json' || format === 'yaml';
  const preview = await api.request<TiList>('POST', `${base}/clearTaskInstances`, { body: clearBody(opts, taskIds, true) });
  if (preview.task_instances.length === 0) {
    if (machine) printDocument(format, preview);
    else process.stderr.write('No task instances to clear\n');
    return;
  }
  if (opts.dryRun) {
    if (machine) printDocument(format, preview);
    else printTable(TI_COLUMNS, preview.task_instances, format);
    return;
  }
  if (!opts.yes) {
    // What will be cleared is shown before the question; with json/yaml on stderr, so stdout stays the document.
    const stderr = { isTTY: process.stderr.isTTY === true, columns: process.stderr.columns, env: process.env, write: (t: string) => { process.stderr.write(t); } };
    if (machine) printTable(TI_COLUMNS, preview.task_instances, 'table', stderr);
    else printTable(TI_COLUMNS, preview.task_instances, format);
    if (!await confirm(`Clear ${plural(preview.task_instances.length, 'task instance')} of ${dagId}?`)) {
      // Exit 1: a script that somehow answered no must not take the clear for done.
      throw new CliError('cancelled: nothing was cleared', EXIT.ERROR);
    }
  }
  const done = await api.request<TiList>('POST', `${base}/clearTaskInstances`, { body: clearBody(opts, taskIds, false) });
  if (machine) printDocument(format, done);
  else {
    if (opts.yes) printTable(TI_COLUMNS, done.task_instances, format);
    process.stderr.write(`Cleared ${plural(done.task_instances.length, 'task instance')} of ${dagId}: the scheduler runs them again\n`);
  }
}

export interface TiOpts extends RemoteOpts { mapIndex: string }

function tiPath(dagId: string, runId: string, taskId: string, mapIndexText: string): string {
  const mapIndex = Number(mapIndexText);
  if (!Number.isInteger(mapIndex) || mapIndex < -1) throw usageError(`--map-index must be -1 (not mapped) or an index (got "${mapIndexText}")`);
  return `/api/v2/dags/${seg(dagId)}/dagRuns/${seg(runId)}/taskInstances/${seg(taskId)}${mapIndex >= 0 ? `/${mapIndex}` : ''}`;
}

/**
 * The run id `arg` names: a run id, or (as Airflow's LOGICAL_DATE_OR_RUN_ID) the logical date of one run when no
 * run has that id.
 */
async function runIdOf(api: ApiClient, dagId: string, arg: string): Promise<string> {
  const run = await api.request<{ dag_run_id: string }>('GET', `/api/v2/dags/${seg(dagId)}/dagRuns/${seg(arg)}`, { allow404: true });
  if (run) return run.dag_run_id;
  const date = /^\d{4}-\d{2}-\d{2}/.test(arg) ? new Date(arg) : null;
  if (!date || Number.isNaN(date.getTime())) throw new CliError(`DAG ${dagId} has no run with id ${arg}`, EXIT.NOT_FOUND);
  const iso = date.toISOString();
  const doc = await api.request<{ dag_runs: { dag_run_id: string }[] }>('GET', `/api/v2/dags/${seg(dagId)}/dagRuns`, { query: { logical_date_gte: iso, logical_date_lte: iso, limit: 2 } });
  if (doc.dag_runs.length !== 1) throw new CliError(`DAG ${dagId} has no run with id or logical date ${arg}`, EXIT.NOT_FOUND);
  return doc.dag_runs[0]!.dag_run_id;
}

/**
 * `tasks state`: the state alone (as Airflow prints it, `None` before it has one); the object with json/yaml.
 * `runArg` is a run id or a run's logical date, as Airflow's.
 */
export async function state(dagId: string, taskId: string, runArg: string, opts: TiOpts): Promise<void> {
  tiPath(dagId, runArg, taskId, opts.mapIndex); // the flags checked before asking the server
  const { api, format } = session(opts);
  const ti = await api.request<Ti>('GET', tiPath(dagId, await runIdOf(api, dagId, runArg), taskId, opts.mapIndex));
  if (format === 'json' || format === 'yaml') printDocument(format, ti);
  else process.stdout.write(`${ti.state ?? 'None'}\n`);
}

export interface MarkOpts extends TiOpts { state: string; downstream?: boolean; upstream?: boolean; past?: boolean; future?: boolean; dryRun?: boolean }

const MARK_STATES = ['success', 'failed', 'skipped'];

/** The body of `PATCH …/taskInstances/{task_id}` for `tasks mark`'s flags. */
export function markBody(o: Omit<MarkOpts, 'output' | 'mapIndex'>): Record<string, unknown> {
  if (!MARK_STATES.includes(o.state)) throw usageError(`--state must be one of ${MARK_STATES.join(', ')} (got "${o.state}")`);
  return {
    new_state: o.state,
    include_downstream: o.downstream === true, include_upstream: o.upstream === true,
    include_past: o.past === true, include_future: o.future === true,
  };
}

export async function mark(dagId: string, runId: string, taskId: string, opts: MarkOpts): Promise<void> {
  const body = markBody(opts);
  const path = tiPath(dagId, runId, taskId, opts.mapIndex);
  const { api, format } = session(opts);
  const res = await api.request<TiList>('PATCH', `${path}${opts.dryRun ? '/dry_run' : ''}`, { query: { update_mask: 'new_state' }, body });
  if (format === 'json' || format === 'yaml') { printDocument(format, res); return; }
  printTable(['dag_run_id', 'task_id', 'map_index', 'state'], res.task_instances, format);
  if (opts.dryRun) process.stderr.write(`Dry run: ${plural(res.task_instances.length, 'task instance')} would be marked ${opts.state}\n`);
}
