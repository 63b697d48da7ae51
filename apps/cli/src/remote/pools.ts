/**
 * `windsock pools get|set|list|delete|import|export` over /api/v2/pools, with Airflow's verbs and arguments
 * (`pools set NAME SLOTS DESCRIPTION [--include-deferred]`) and its file format (files.ts).
 */
import type { RemoteOpts } from '../commands/remote-options.ts';
import type { ApiClient } from './client.ts';
import { seg } from './client.ts';
import { CliError, EXIT, usageError } from './errors.ts';
import { parsePoolsFile, poolsExport, type PoolRecord } from './files.ts';
import { printDocument, printList, printObject } from './render.ts';
import { listAll, plural, readIn, session, writeOut } from './session.ts';

interface Pool { name: string; slots: number; description: string | null; include_deferred: boolean; [k: string]: unknown }
const PATH = '/api/v2/pools';
const COLUMNS = ['name', 'slots', 'running_slots', 'queued_slots', 'open_slots', 'description', 'include_deferred'];

export function parseSlots(v: string): number {
  if (!/^-?\d+$/.test(v) || Number(v) < -1) throw usageError(`SLOTS must be a whole number (-1 for unlimited), got "${v}"`);
  return Number(v);
}

export async function get(name: string, opts: RemoteOpts): Promise<void> {
  const { api, format } = session(opts);
  printObject(format, await api.request<Pool>('GET', `${PATH}/${seg(name)}`), COLUMNS);
}

/** Creates the pool, or sets its slots, description and include_deferred when it exists. */
async function put(api: ApiClient, p: PoolRecord): Promise<{ pool: Pool; created: boolean }> {
  const updated = await api.request<Pool>('PATCH', `${PATH}/${seg(p.name)}`, {
    allow404: true, body: { slots: p.slots, description: p.description, include_deferred: p.include_deferred },
  });
  if (updated) return { pool: updated, created: false };
  return { pool: await api.request<Pool>('POST', PATH, { body: { name: p.name, slots: p.slots, description: p.description, include_deferred: p.include_deferred } }), created: true };
}

export async function set(name: string, slots: string, description: string, opts: RemoteOpts & { includeDeferred?: boolean }): Promise<void> {
  const record = { name, slots: parseSlots(slots), description, include_deferred: opts.includeDeferred === true };
  const { api, format } = session(opts);
  const { pool } = await put(api, record);
  printObject(format, pool, COLUMNS);
}

export async function list(opts: RemoteOpts): Promise<void> {
  const { api, format } = session(opts);
  const pools = await listAll<Pool>(api, PATH, 'pools', { order_by: 'name' });
  printList(format, { pools, total_entries: pools.length }, pools, COLUMNS);
}

export async function remove(name: string, opts: RemoteOpts): Promise<void> {
  const { api, format } = session(opts);
  if (await api.request('DELETE', `${PATH}/${seg(name)}`, { allow404: true }) === null) throw new CliError(`Pool ${name} does not exist`, EXIT.NOT_FOUND);
  if (format === 'json' || format === 'yaml') printDocument(format, { name, deleted: true });
  else process.stdout.write(`Pool ${name} deleted\n`);
}

export async function importFile(file: string, opts: RemoteOpts): Promise<void> {
  const records = parsePoolsFile(await readIn(file), file);
  const { api, format } = session(opts);
  const pools: Pool[] = [];
  for (const r of records) pools.push((await put(api, r)).pool);
  if (format === 'json' || format === 'yaml') printDocument(format, { pools, total_entries: pools.length });
  else process.stdout.write(`Uploaded ${plural(pools.length, 'pool')}\n`);
}

export async function exportFile(file: string, opts: RemoteOpts): Promise<void> {
  const { api } = session(opts);
  const pools = await listAll<Pool>(api, PATH, 'pools', { order_by: 'name' });
  await writeOut(file, poolsExport(pools.map((p) => ({ name: p.name, slots: p.slots, description: p.description, include_deferred: p.include_deferred }))));
  if (file !== '-') process.stdout.write(`Exported ${plural(pools.length, 'pool')} to ${file}\n`);
}
