/**
 * The sandboxes commands against the control plane's API, coded to its contract:
 * `POST/GET /api/windsock/v1/sandboxes`, `GET/DELETE /api/windsock/v1/sandboxes/{name}`,
 * `POST /api/windsock/v1/sandboxes/{name}/extend`. A Sandbox's `api_url` and `ui_url` are paths on the
 * Windsock; the CLI prints them as absolute URLs (in every format), so they can be opened or used at once.
 */
import type { RemoteOpts } from '../commands/remote-options.ts';
import { ApiClient, seg } from './client.ts';
import { CliError, usageError } from './errors.ts';
import { parseDuration } from './duration.ts';
import { pollMs, Progress, sleep } from './progress.ts';
import { parseFormat, printList, printObject, type RemoteFormat } from './render.ts';
import { checkSandboxName, resolveTarget } from './settings.ts';

export interface CreateOpts extends RemoteOpts {
  dags?: string; gitUrl?: string; branch?: string; subdir?: string; ttl?: string; nodeGroup?: string;
  cpu?: string; memory?: string; pods?: string; gpu?: string; owner?: string; wait: boolean; timeout: string;
}

export interface Sandbox {
  name: string; owner: string; status: 'pending' | 'ready' | 'failed' | 'deleting'; reason: string | null;
  dag_source: unknown; node_group: string | null; quota: Record<string, unknown> | null;
  namespace: string; schema: string; queue_prefix: string; scheduler: 'starting' | 'running' | 'asleep' | 'stopped';
  created_at: string; ready_at: string | null; expires_at: string | null; last_active_at: string | null;
  api_url: string; ui_url: string;
}

const PATH = '/api/windsock/v1/sandboxes';
const LIST_COLUMNS = ['name', 'owner', 'status', 'scheduler', 'expires_at', 'ui_url'];

function setup(opts: RemoteOpts): { client: ApiClient; format: RemoteFormat } {
  const format = parseFormat(opts.output);
  // Sandboxes are managed on the Windsock itself, never inside one: --sandbox does not apply.
  return { client: new ApiClient(resolveTarget({ apiUrl: opts.apiUrl, token: opts.token })), format };
}

/** The sandbox with its URLs made absolute on the Windsock's URL. */
export function absolute(sb: Sandbox, apiUrl: string): Sandbox {
  const abs = (p: string) => (typeof p === 'string' && p.startsWith('/') ? apiUrl + p : p);
  return { ...sb, api_url: abs(sb.api_url), ui_url: abs(sb.ui_url) };
}

function print(format: RemoteFormat, sb: Sandbox, apiUrl: string): void {
  printObject(format, absolute(sb, apiUrl) as unknown as Record<string, unknown>, LIST_COLUMNS, { vertical: true });
}

const seconds = (v: string, flag: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw usageError(`${flag} must be a number of seconds (got "${v}")`);
  return n * 1000;
};

const count = (v: string | undefined, flag: string) => {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw usageError(`${flag} must be a whole number (got "${v}")`);
  return Number(v);
};

/** The POST body for `sandboxes create`; usage errors for contradicting or missing options. */
export function createBody(name: string, o: Omit<CreateOpts, 'output' | 'wait' | 'timeout'>): Record<string, unknown> {
  checkSandboxName(name);
  if (o.dags && o.gitUrl) throw usageError('give --dags FOLDER or --git-url URL, not both');
  if (!o.dags && !o.gitUrl) throw usageError('say where the DAGs come from: --dags FOLDER, or --git-url URL [--branch B] [--subdir D]');
  const dag_source = o.dags
    // A folder on the server, under its sandboxes' DAG root: sent as written (relative to that root, or absolute).
    ? { folder: o.dags }
    : { git: { url: o.gitUrl, branch: o.branch ?? 'main', ...(o.subdir ? { subdir: o.subdir } : {}) } };
  const quota = Object.fromEntries(Object.entries({ cpu: o.cpu, memory: o.memory, pods: count(o.pods, '--pods'), gpu: count(o.gpu, '--gpu') }).filter(([, v]) => v !== undefined));
  return {
    name, dag_source,
    ...(o.owner ? { owner: o.owner } : {}),
    ...(o.ttl ? { ttl_seconds: parseDuration(o.ttl, '--ttl') } : {}),
    ...(o.nodeGroup ? { node_group: o.nodeGroup } : {}),
    ...(Object.keys(quota).length ? { quota } : {}),
  };
}

export async function create(name: string, opts: CreateOpts): Promise<void> {
  const body = createBody(name, opts);
  const timeoutMs = seconds(opts.timeout, '--timeout');
  const { client, format } = setup(opts);
  let sb = await client.request<Sandbox>('POST', PATH, { body });
  if (opts.wait) {
    const progress = new Progress(`sandbox ${name}`);
    const deadline = Date.now() + timeoutMs;
    try {
      while (sb.status === 'pending') {
        progress.update(`${sb.status}${sb.scheduler ? `, scheduler ${sb.scheduler}` : ''}`);
        if (Date.now() >= deadline) {
          throw new CliError(`sandbox ${name} is still ${sb.status} after ${opts.timeout} s: see windsock sandboxes get ${name}, or wait longer with --timeout`);
        }
        await sleep(pollMs());
        sb = await client.request<Sandbox>('GET', `${PATH}/${seg(name)}`);
      }
    } finally {
      progress.stop(sb.status === 'ready' ? `sandbox ${name} is ready` : undefined);
    }
    if (sb.status !== 'ready') {
      print(format, sb, client.target.apiUrl);
      throw new CliError(`sandbox ${name} ${sb.status === 'failed' ? 'failed' : `is ${sb.status}`}${sb.reason ? `: ${sb.reason}` : ''}`);
    }
  }
  print(format, sb, client.target.apiUrl);
}

export async function list(opts: RemoteOpts): Promise<void> {
  const { client, format } = setup(opts);
  const doc = await client.request<{ sandboxes: Sandbox[]; total_entries: number }>('GET', PATH);
  const sandboxes = (doc.sandboxes ?? []).map((s) => absolute(s, client.target.apiUrl));
  printList(format, { ...doc, sandboxes }, sandboxes as unknown as Record<string, unknown>[], LIST_COLUMNS);
}

export async function get(name: string, opts: RemoteOpts): Promise<void> {
  const { client, format } = setup(opts);
  print(format, await client.request<Sandbox>('GET', `${PATH}/${seg(checkSandboxName(name))}`), client.target.apiUrl);
}

export async function remove(name: string, opts: RemoteOpts & { wait?: boolean; timeout: string }): Promise<void> {
  const timeoutMs = seconds(opts.timeout, '--timeout');
  const { client, format } = setup(opts);
  const sb = await client.request<Sandbox>('DELETE', `${PATH}/${seg(checkSandboxName(name))}`);
  if (!opts.wait) { print(format, sb, client.target.apiUrl); return; }
  const progress = new Progress(`sandbox ${name}`);
  const deadline = Date.now() + timeoutMs;
  let gone = false;
  try {
    for (let cur: Sandbox | null = sb; cur; cur = await client.request<Sandbox>('GET', `${PATH}/${seg(name)}`, { allow404: true })) {
      progress.update(cur.status);
      if (Date.now() >= deadline) throw new CliError(`sandbox ${name} is still ${cur.status} after ${opts.timeout} s: see windsock sandboxes get ${name}`);
      await sleep(pollMs());
    }
    gone = true;
  } finally {
    progress.stop(gone ? `sandbox ${name} is deleted` : undefined);
  }
  if (format === 'json' || format === 'yaml') print(format, sb, client.target.apiUrl);
  else process.stdout.write(`Sandbox ${name} deleted\n`);
}

export async function extend(name: string, opts: RemoteOpts & { by: string }): Promise<void> {
  const by = parseDuration(opts.by, '--by');
  const { client, format } = setup(opts);
  const sb = await client.request<Sandbox>('POST', `${PATH}/${seg(checkSandboxName(name))}/extend`, { body: { by_seconds: by } });
  print(format, sb, client.target.apiUrl);
}
