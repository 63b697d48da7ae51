/**
 * `windsock dags trigger` and `windsock tasks logs` over a running Windsock's /api/v2 (Airflow 3's API), with
 * Airflow's verbs and flags. `tasks logs --follow` reads the log with the API's continuation token (each answer
 * holds only what came after the previous one, so no line is printed twice) until the try has ended.
 */
import type { RemoteOpts } from '../commands/remote-options.ts';
import { ApiClient, seg } from './client.ts';
import { CliError, usageError } from './errors.ts';
import { pollMs, Progress, sleep } from './progress.ts';
import { parseFormat, printObject, type RemoteFormat } from './render.ts';
import { resolveTarget } from './settings.ts';

export interface DagRun { dag_id: string; dag_run_id: string; state: string; logical_date: string | null; [k: string]: unknown }
interface TaskInstance { state: string | null; try_number: number; [k: string]: unknown }
interface LogPage { content: { event: string; timestamp?: string }[] | string[]; continuation_token?: string | null }

export const RUN_COLUMNS = ['dag_id', 'dag_run_id', 'state', 'logical_date', 'run_after', 'conf'];
/** Airflow's finished states of a run and of a task instance; `up_for_retry` ends a try, not the task. */
const RUN_DONE = new Set(['success', 'failed']);
const TI_DONE = new Set(['success', 'failed', 'skipped', 'upstream_failed', 'removed']);

function client(opts: RemoteOpts): { api: ApiClient; format: RemoteFormat } {
  return { format: parseFormat(opts.output), api: new ApiClient(resolveTarget(opts)) };
}

export function parseConfJson(text: string): Record<string, unknown> {
  let v: unknown;
  try { v = JSON.parse(text); } catch (e) { throw usageError(`--conf is not valid JSON: ${(e as Error).message}`); }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw usageError('--conf must be a JSON object, e.g. \'{"key": "value"}\'');
  return v as Record<string, unknown>;
}

export async function trigger(dagId: string, opts: RemoteOpts & { conf?: string; logicalDate?: string; runId?: string; wait?: boolean; timeout?: string }): Promise<void> {
  const body: Record<string, unknown> = {};
  if (opts.conf) body.conf = parseConfJson(opts.conf);
  if (opts.logicalDate) {
    const d = new Date(opts.logicalDate);
    if (Number.isNaN(d.getTime())) throw usageError(`--logical-date must be an ISO 8601 date-time (got "${opts.logicalDate}")`);
    body.logical_date = d.toISOString();
  }
  if (opts.runId) body.dag_run_id = opts.runId;
  checkTimeout(opts.timeout);
  const { api, format } = client(opts);
  let run = await api.request<DagRun>('POST', `/api/v2/dags/${seg(dagId)}/dagRuns`, { body });
  if (opts.wait) run = await waitForRun(api, run, opts.timeout);
  printObject(format, run, RUN_COLUMNS);
  if (opts.wait && run.state !== 'success') throw new CliError(`run ${run.dag_run_id} of ${dagId} ${run.state}: see windsock tasks logs ${dagId} ${run.dag_run_id} TASK_ID`);
}

/** `--timeout` in seconds (Infinity when not given); anything but a positive number is a usage error. */
export function checkTimeout(timeout: string | undefined): number {
  const seconds = timeout === undefined ? Infinity : Number(timeout);
  if (!(seconds > 0)) throw usageError(`--timeout must be a number of seconds (got "${timeout}")`);
  return seconds;
}

/**
 * Polls the run until it has ended, with progress on stderr (a spinner on a terminal), and returns it as it ended.
 * `timeout`: seconds, as the user gave them (none: no limit).
 */
export async function waitForRun(api: ApiClient, start: DagRun, timeout?: string): Promise<DagRun> {
  let run = start;
  const { dag_id: dagId, dag_run_id: runId } = run;
  const seconds = checkTimeout(timeout);
  const progress = new Progress(`run ${runId} of ${dagId}`);
  const deadline = Date.now() + seconds * 1000;
  try {
    while (!RUN_DONE.has(run.state)) {
      progress.update(run.state);
      if (Date.now() >= deadline) throw new CliError(`run ${runId} of ${dagId} is still ${run.state} after ${timeout} s`);
      await sleep(pollMs());
      run = await api.request<DagRun>('GET', `/api/v2/dags/${seg(dagId)}/dagRuns/${seg(runId)}`);
    }
  } finally {
    progress.stop(RUN_DONE.has(run.state) ? `run ${runId} of ${dagId}: ${run.state}` : undefined);
  }
  return run;
}

export interface LogsOpts extends RemoteOpts { try?: string; mapIndex: string; follow?: boolean }

/** Prints a page's lines: their text (table, plain), one JSON object per line (json), a YAML sequence (yaml). */
function printLines(page: LogPage, format: RemoteFormat, write: (s: string) => void): number {
  const items = (page.content ?? []).map((c) => (typeof c === 'string' ? { event: c } : c));
  for (const it of items) {
    if (format === 'json') write(JSON.stringify(it) + '\n');
    else if (format === 'yaml') write(`- ${JSON.stringify(it)}\n`); // flow mappings in JSON syntax are YAML
    else write(it.event + '\n');
  }
  return items.length;
}

export async function logs(dagId: string, runId: string, taskId: string, opts: LogsOpts, write: (s: string) => void = (s) => { process.stdout.write(s); }): Promise<void> {
  const mapIndex = Number(opts.mapIndex);
  if (!Number.isInteger(mapIndex) || mapIndex < -1) throw usageError(`--map-index must be -1 (not mapped) or an index (got "${opts.mapIndex}")`);
  let tryNumber = opts.try === undefined ? undefined : Number(opts.try);
  if (tryNumber !== undefined && (!Number.isInteger(tryNumber) || tryNumber < 1)) throw usageError(`--try must be 1 or more (got "${opts.try}")`);
  const { api, format } = client(opts);
  const tiPath = `/api/v2/dags/${seg(dagId)}/dagRuns/${seg(runId)}/taskInstances/${seg(taskId)}${mapIndex >= 0 ? `/${mapIndex}` : ''}`;
  const loadTi = () => api.request<TaskInstance>('GET', tiPath);
  const page = (n: number, token?: string) => api.request<LogPage>('GET',
    `/api/v2/dags/${seg(dagId)}/dagRuns/${seg(runId)}/taskInstances/${seg(taskId)}/logs/${n}`,
    { query: { map_index: mapIndex >= 0 ? mapIndex : undefined, token, full_content: token ? undefined : true } });

  let ti = await loadTi();
  const latest = tryNumber === undefined;
  if (!opts.follow) {
    tryNumber ??= ti.try_number;
    if (tryNumber < 1) throw new CliError(`${taskId} of ${runId} has not run yet (state ${ti.state ?? 'none'}): add --follow to wait for it`);
    // An answer holds a bounded number of chunks: read on with its token until one brings nothing.
    let token: string | undefined;
    for (;;) {
      const p = await page(tryNumber, token);
      if (printLines(p, format, write) === 0 || !p.continuation_token) return;
      token = p.continuation_token;
    }
  }
  // Follow: wait for the try to start, then print what each poll adds until the try has ended, and read until a
  // read after its end brings nothing (the last lines are written as it ends). Without --try, the latest try:
  // after a retry, the next one.
  let n = tryNumber ?? ti.try_number;
  for (;;) {
    while (n < 1 || ti.try_number < n) {
      if (ti.state && TI_DONE.has(ti.state)) { process.stderr.write(`${taskId} of ${runId} ended ${ti.state} without running${n > 1 ? ` try ${n}` : ''}\n`); return; }
      await sleep(pollMs());
      ti = await loadTi();
      if (latest) n = ti.try_number;
    }
    let token: string | undefined;
    for (;;) {
      const ended = ti.try_number > n || (ti.state !== null && (TI_DONE.has(ti.state) || ti.state === 'up_for_retry'));
      const p = await page(n, token);
      const got = printLines(p, format, write);
      token = p.continuation_token ?? token;
      if (ended && got === 0) break;
      if (!ended) await sleep(pollMs());
      ti = await loadTi();
    }
    if (!latest) return;
    while (ti.try_number <= n && !(ti.state && TI_DONE.has(ti.state))) { await sleep(pollMs()); ti = await loadTi(); }
    if (ti.try_number <= n) return;
    n = ti.try_number;
    process.stderr.write(`--- try ${n} of ${taskId} ---\n`);
  }
}
