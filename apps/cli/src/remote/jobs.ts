/**
 * The jobs commands against `/api/windsock/v1/jobs` (apps/webserver/src/routes/windsock/jobs.ts): the flags become
 * the API's job spec (bad values are usage errors, exit 2, before anything is sent), the answers are printed in the
 * chosen format, and `--follow` streams the job's log until it ends (jobs-follow.ts).
 */
import type { RemoteOpts } from '../commands/remote-options.ts';
import { ApiClient, seg } from './client.ts';
import { CliError, usageError } from './errors.ts';
import { followJob, type Job } from './jobs-follow.ts';
import { parseFormat, printList, printObject, type RemoteFormat } from './render.ts';
import { resolveTarget } from './settings.ts';

interface Common extends RemoteOpts { imageTag: string; name?: string; nodeGroup?: string; env: string[]; envFromSecret: string[]; label: string[]; startupTimeout?: string; retries?: string; follow?: boolean }
export interface ContainerOpts extends Common { cmd: string; cpu?: string; memory?: string; gpu?: string }
export interface SparkOpts extends Common {
  codePath: string; mainClass?: string; conf: string[]; executors?: string; dynamicAllocation?: boolean;
  minExecutors?: string; maxExecutors?: string; initialExecutors?: string; driverCores?: string; driverMemory?: string;
  executorCores?: string; executorMemory?: string; jars?: string; files?: string; pyFiles?: string; sparkVersion?: string;
}
export interface ListOpts extends RemoteOpts { state?: string; owner?: string; limit: string }
export interface JobLogsOpts extends RemoteOpts { try?: string; follow?: boolean }

const PATH = '/api/windsock/v1/jobs';
/** Exit code when Ctrl-C stopped following (128 + SIGINT, as a shell reports it); the job runs on. */
const INTERRUPTED = 130;
const LIST_COLUMNS = ['job_id', 'kind', 'name', 'owner', 'state', 'submitted_at', 'end_date'];

function setup(opts: RemoteOpts): { api: ApiClient; format: RemoteFormat } {
  return { format: parseFormat(opts.output), api: new ApiClient(resolveTarget(opts)) };
}

/** `K=V` flags as a map; `flag` names the option in the message. */
export function pairs(values: string[], flag: string): Record<string, string> | undefined {
  if (values.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const v of values) {
    const at = v.indexOf('=');
    if (at <= 0) throw usageError(`${flag} takes KEY=VALUE (got "${v}")`);
    out[v.slice(0, at)] = v.slice(at + 1);
  }
  return out;
}

function whole(v: string | undefined, flag: string, min = 0): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < min) throw usageError(`${flag} must be a whole number${min ? ` ≥ ${min}` : ''} (got "${v}")`);
  return Number(v);
}

const list = (v: string | undefined) => (v === undefined ? undefined : v.split(',').map((s) => s.trim()).filter(Boolean));
const defined = <T extends Record<string, unknown>>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

function commonBody(o: Common): Record<string, unknown> {
  return defined({
    image_tag: o.imageTag, name: o.name, node_group: o.nodeGroup, env: pairs(o.env, '--env'),
    env_from_secrets: o.envFromSecret.length ? o.envFromSecret : undefined, labels: pairs(o.label, '--label'),
    startup_timeout_seconds: whole(o.startupTimeout, '--startup-timeout', 1), retries: whole(o.retries, '--retries'),
  });
}

export function containerBody(o: ContainerOpts): Record<string, unknown> {
  return { ...commonBody(o), cmd: o.cmd, ...defined({ cpu: o.cpu, memory: o.memory, gpu: whole(o.gpu, '--gpu') }) };
}

export function sparkBody(args: string[], o: SparkOpts): Record<string, unknown> {
  const bounds = defined({ min_executors: whole(o.minExecutors, '--min-executors'), max_executors: whole(o.maxExecutors, '--max-executors', 1), initial_executors: whole(o.initialExecutors, '--initial-executors') });
  if (Object.keys(bounds).length && !o.dynamicAllocation) throw usageError('--min-executors, --max-executors and --initial-executors go with --dynamic-allocation');
  if (o.executors !== undefined && o.dynamicAllocation) throw usageError('give --executors N or --dynamic-allocation, not both');
  const sizing = (cores: string | undefined, memory: string | undefined, who: string) => {
    const s = defined({ cores: whole(cores, `--${who}-cores`, 1), memory });
    return Object.keys(s).length ? s : undefined;
  };
  const deps = defined({ jars: list(o.jars), files: list(o.files), py_files: list(o.pyFiles) });
  return {
    ...commonBody(o), code_path: o.codePath,
    ...defined({
      main_class: o.mainClass, arguments: args.length ? args : undefined, conf: pairs(o.conf, '--conf'), spark_version: o.sparkVersion,
      executors: whole(o.executors, '--executors', 1),
      dynamic_allocation: o.dynamicAllocation ? (Object.keys(bounds).length ? bounds : true) : undefined,
      driver: sizing(o.driverCores, o.driverMemory, 'driver'), executor: sizing(o.executorCores, o.executorMemory, 'executor'),
      deps: Object.keys(deps).length ? deps : undefined,
    }),
  };
}

/** The job with `ui_url`, its task instance's page in the UI (the sandbox's with --sandbox), beside `ui_path`. */
function print(format: RemoteFormat, job: Job, api: ApiClient): void {
  printObject(format, { ...job, ui_url: api.target.base + job.ui_path }, LIST_COLUMNS, { vertical: true });
}

async function submitted(path: string, body: Record<string, unknown>, o: Common): Promise<void> {
  const { api, format } = setup(o);
  const job = await api.request<Job>('POST', path, { body });
  if (!o.follow) { print(format, job, api); return; }
  process.stderr.write(`job ${job.job_id} submitted (${job.kind}, image ${String(body.image_tag)}); Ctrl-C to cancel it or stop following\n`);
  await finish(api, await followJob(api, job));
}

/** Exits with the followed job's outcome: 0 when it succeeded, else an error saying why. */
async function finish(api: ApiClient, r: Awaited<ReturnType<typeof followJob>>): Promise<void> {
  if (r.detached) throw new CliError(`stopped following job ${r.job.job_id}; it runs on (windsock jobs logs ${r.job.job_id} -f)`, INTERRUPTED);
  const job = r.job;
  if (job.state === 'success') { process.stderr.write(`job ${job.job_id} succeeded\n`); return; }
  if (r.cancelled) throw new CliError(`job ${job.job_id} was cancelled`);
  throw new CliError(`job ${job.job_id} ${job.state}${job.reason ? `: ${job.reason}` : ''}`);
}

export async function submit(o: ContainerOpts): Promise<void> {
  await submitted(PATH, containerBody(o), o);
}

export async function sparkSubmit(args: string[], o: SparkOpts): Promise<void> {
  await submitted(`${PATH}/spark`, sparkBody(args, o), o);
}

export async function listJobs(o: ListOpts): Promise<void> {
  const { api, format } = setup(o);
  const doc = await api.request<{ jobs: Job[]; total_entries: number }>('GET', PATH, { query: { state: o.state, owner: o.owner, limit: whole(o.limit, '--limit', 1) } });
  printList(format, doc, doc.jobs as unknown as Record<string, unknown>[], LIST_COLUMNS);
}
export { listJobs as list };

export async function get(id: string, o: RemoteOpts): Promise<void> {
  const { api, format } = setup(o);
  print(format, await api.request<Job>('GET', `${PATH}/${seg(id)}`), api);
}

export async function cancel(id: string, o: RemoteOpts): Promise<void> {
  const { api, format } = setup(o);
  print(format, await api.request<Job>('POST', `${PATH}/${seg(id)}/cancel`), api);
}

export async function logs(id: string, o: JobLogsOpts): Promise<void> {
  const { api } = setup(o);
  const job = await api.request<Job>('GET', `${PATH}/${seg(id)}`);
  const tryNumber = whole(o.try, '--try', 1);
  if (o.follow) { await finish(api, await followJob(api, job, { tryNumber })); return; }
  const n = tryNumber ?? job.try_number;
  if (n < 1) throw new CliError(`job ${id} has not started yet (${job.state}): add --follow to wait for it`);
  const { readLogPages } = await import('./jobs-follow.ts');
  await readLogPages(api, job, n, (s) => process.stdout.write(s));
}
