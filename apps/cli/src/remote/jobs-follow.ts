/**
 * `--follow` of a job: prints its log (the driver's for a Spark job) as it is written, through /api/v2's log pages
 * with their continuation token (no line twice), moving on to a new try when there is one, until the job has ended
 * and a last read brings nothing. Ctrl-C asks on the terminal whether to cancel the job or only stop following (a
 * second Ctrl-C, or no terminal to ask on, stops following); the job's own outcome is returned to the caller.
 */
import { seg, type ApiClient } from './client.ts';
import { pollMs, Progress } from './progress.ts';

export interface Job {
  job_id: string; kind: 'container' | 'spark'; name: string | null; owner: string; state: string; task_state: string | null;
  try_number: number; submitted_at: string; start_date: string | null; end_date: string | null; reason: string | null;
  spec: Record<string, unknown>; dag_id: string; dag_run_id: string; task_id: string; ui_path: string;
}
interface LogPage { content: Array<{ event: string } | string>; continuation_token?: string | null }

const DONE = new Set(['success', 'failed']);

export interface FollowResult { job: Job; cancelled: boolean; detached: boolean }

function logPage(api: ApiClient, job: Job, n: number, token: string | undefined): Promise<LogPage> {
  return api.request<LogPage>('GET', `/api/v2/dags/${seg(job.dag_id)}/dagRuns/${seg(job.dag_run_id)}/taskInstances/${seg(job.task_id)}/logs/${n}`,
    { query: { token, full_content: token ? undefined : true } });
}

function print(page: LogPage, write: (s: string) => void): number {
  for (const c of page.content ?? []) write(`${typeof c === 'string' ? c : c.event}\n`);
  return (page.content ?? []).length;
}

/** A whole try's log, page after page. */
export async function readLogPages(api: ApiClient, job: Job, n: number, write: (s: string) => void): Promise<void> {
  let token: string | undefined;
  for (;;) {
    const p = await logPage(api, job, n, token);
    if (print(p, write) === 0 || !p.continuation_token) return;
    token = p.continuation_token;
  }
}

/** Asks whether to cancel; null when there is no terminal or the question itself was interrupted. */
async function askCancel(job: Job): Promise<boolean | null> {
  if (!process.stdin.isTTY) return null;
  const { ask } = await import('./prompt.ts');
  try {
    const a = (await ask(`\nCancel job ${job.job_id}? [y = cancel it / N = stop following, it runs on] `, false)).trim().toLowerCase();
    return a === 'y' || a === 'yes';
  } catch {
    return null;
  }
}

export async function followJob(api: ApiClient, first: Job, o: { tryNumber?: number; write?: (s: string) => void } = {}): Promise<FollowResult> {
  const write = o.write ?? ((s: string) => { process.stdout.write(s); });
  const path = `/api/windsock/v1/jobs/${seg(first.job_id)}`;
  let job = first;
  let interrupted = false;
  let cancelled = false;
  let wake: (() => void) | null = null;
  const onSigint = () => { interrupted = true; wake?.(); };
  const nap = (ms: number) => new Promise<void>((r) => { const t = setTimeout(r, ms); wake = () => { clearTimeout(t); r(); }; });
  process.on('SIGINT', onSigint);
  let progress: Progress | null = new Progress(`job ${job.job_id}`);
  progress.update(job.task_state ?? job.state);
  try {
    let n = o.tryNumber ?? 0;
    let token: string | undefined;
    for (;;) {
      if (interrupted) {
        interrupted = false;
        progress?.stop();
        progress = null;
        const answer = cancelled ? false : await askCancel(job);
        if (answer === true) {
          job = await api.request<Job>('POST', `${path}/cancel`).catch(async (err: unknown) => {
            // Ended meanwhile (409): its own outcome stands.
            if ((err as { exitCode?: number }).exitCode === 1) return api.request<Job>('GET', path);
            throw err;
          });
          cancelled = true;
          process.stderr.write(`cancelling job ${job.job_id}…\n`);
        } else {
          return { job, cancelled: false, detached: true };
        }
      }
      job = await api.request<Job>('GET', path);
      if (o.tryNumber === undefined && job.try_number > n) {
        if (n > 0) process.stderr.write(`--- try ${job.try_number} of job ${job.job_id} ---\n`);
        n = job.try_number;
        token = undefined;
      }
      let got = 0;
      if (n >= 1) {
        if (progress) { progress.stop(); progress = null; }
        const p = await logPage(api, job, n, token);
        got = print(p, write);
        token = p.continuation_token ?? token;
      } else {
        progress?.update(job.task_state ?? job.state);
      }
      if (DONE.has(job.state) && got === 0) return { job, cancelled, detached: false };
      if (got === 0) await nap(pollMs());
    }
  } finally {
    progress?.stop();
    process.off('SIGINT', onSigint);
  }
}
