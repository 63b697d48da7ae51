/**
 * `dags pause|unpause`, `dags list-runs` (= `runs list`) and `runs get` over /api/v2, with Airflow's flags:
 * `--treat-dag-id-as-regex` pauses every DAG whose id the pattern matches (re.search, as Airflow), after asking
 * unless `--yes`; runs are listed newest first.
 */
import type { RemoteOpts } from '../commands/remote-options.ts';
import { seg } from './client.ts';
import { CliError, EXIT, usageError } from './errors.ts';
import { printDocument, printList, printObject, printTable } from './render.ts';
import { checkTimeout, RUN_COLUMNS, waitForRun, type DagRun } from './runs.ts';
import { confirm, listAll, plural, session } from './session.ts';

interface Dag { dag_id: string; is_paused: boolean; [k: string]: unknown }

export interface PauseOpts extends RemoteOpts { treatDagIdAsRegex?: boolean; yes?: boolean }

/** A user's regular expression; a bad one is a usage error naming the flag. */
export function userRegex(pattern: string, what: string): RegExp {
  try { return new RegExp(pattern); } catch (e) { throw usageError(`${what} is not a valid regular expression: ${(e as Error).message}`); }
}

export async function setPaused(dagIdOrRegex: string, paused: boolean, opts: PauseOpts): Promise<void> {
  const re = opts.treatDagIdAsRegex ? userRegex(dagIdOrRegex, `"${dagIdOrRegex}"`) : null;
  const { api, format } = session(opts);
  let ids = [dagIdOrRegex];
  if (re) {
    ids = (await listAll<Dag>(api, '/api/v2/dags', 'dags')).map((d) => d.dag_id).filter((id) => re.test(id));
    if (ids.length === 0) throw new CliError(`no DAG matches the regular expression "${dagIdOrRegex}"`, EXIT.NOT_FOUND);
    if (!opts.yes) {
      process.stderr.write(`You are about to ${paused ? 'pause' : 'unpause'} ${plural(ids.length, 'DAG')}:\n${ids.map((id) => `  ${id}`).join('\n')}\n`);
      if (!await confirm('Are you sure?')) throw new CliError('cancelled: nothing changed', EXIT.ERROR);
    }
  }
  const done: Dag[] = [];
  for (const id of ids) done.push(await api.request<Dag>('PATCH', `/api/v2/dags/${seg(id)}`, { query: { update_mask: 'is_paused' }, body: { is_paused: paused } }));
  if (format === 'json' || format === 'yaml') printDocument(format, re ? done : done[0]);
  else printTable(['dag_id', 'is_paused'], done, format);
}

export interface RunsListOpts extends RemoteOpts { state?: string[]; limit: string; startDate?: string; endDate?: string; runType?: string[]; dagId?: string }

// run_after, not logical_date: a manual run may have none, and runs are listed newest first by run_after.
const LIST_COLUMNS = ['dag_id', 'dag_run_id', 'state', 'run_type', 'run_after', 'start_date', 'end_date'];
const RUN_STATES = ['queued', 'running', 'success', 'failed'];

export function isoDate(v: string, flag: string): string {
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) throw usageError(`${flag} must be an ISO 8601 date or date-time (got "${v}")`);
  return d.toISOString();
}

/** The query of `GET /dags/{dag_id}/dagRuns` for the list's flags: newest first, at most `--limit`. */
export function runsQuery(o: Omit<RunsListOpts, 'output'>): Record<string, string | number | undefined> {
  const limit = Number(o.limit);
  if (!Number.isInteger(limit) || limit < 1) throw usageError(`--limit must be a whole number above 0 (got "${o.limit}")`);
  for (const s of o.state ?? []) if (!RUN_STATES.includes(s)) throw usageError(`--state must be one of ${RUN_STATES.join(', ')} (got "${s}")`);
  return {
    order_by: '-run_after', limit,
    logical_date_gte: o.startDate ? isoDate(o.startDate, '--start-date') : undefined,
    logical_date_lte: o.endDate ? isoDate(o.endDate, '--end-date') : undefined,
  };
}

export async function listRuns(dagArg: string | undefined, opts: RunsListOpts): Promise<void> {
  const dagId = dagArg ?? opts.dagId ?? '~';
  const query = runsQuery(opts);
  const { api, format } = session(opts);
  // Repeated state / run_type parameters (state=a&state=b): the client's query takes one value per key.
  const extra = [...(opts.state ?? []).map((s) => `state=${encodeURIComponent(s)}`), ...(opts.runType ?? []).map((s) => `run_type=${encodeURIComponent(s)}`)];
  const path = `/api/v2/dags/${seg(dagId)}/dagRuns${extra.length ? `?${extra.join('&')}` : ''}`;
  const doc = await api.request<{ dag_runs: DagRun[]; total_entries: number }>('GET', path, { query });
  printList(format, doc, doc.dag_runs, LIST_COLUMNS);
  if (format === 'table' && doc.total_entries > doc.dag_runs.length) {
    process.stderr.write(`(${doc.dag_runs.length} of ${doc.total_entries} runs; see more with --limit)\n`);
  }
}

export async function getRun(dagId: string, runId: string, opts: RemoteOpts & { wait?: boolean; timeout?: string }): Promise<void> {
  checkTimeout(opts.timeout);
  const { api, format } = session(opts);
  let run = await api.request<DagRun>('GET', `/api/v2/dags/${seg(dagId)}/dagRuns/${seg(runId)}`);
  if (opts.wait) run = await waitForRun(api, run, opts.timeout);
  printObject(format, run, RUN_COLUMNS, { vertical: true });
  if (opts.wait && run.state !== 'success') throw new CliError(`run ${runId} of ${dagId} ${run.state}: see windsock tasks logs ${dagId} ${runId} TASK_ID`);
}
