/**
 * `windsock connections add|get|list|delete|import|export` over /api/v2/connections, with Airflow's verbs and
 * flags (`connections add CONN_ID --conn-uri URI | --conn-json JSON | --conn-type T --conn-host H …`,
 * `import FILE [--overwrite]`, `export FILE [--file-format] [--serialization-format]`). The server never sends a
 * password back (it reads "***"), so export leaves passwords out and says so.
 */
import type { RemoteOpts } from '../commands/remote-options.ts';
import { seg } from './client.ts';
import { CliError, EXIT, usageError } from './errors.ts';
import { parseConnUri } from './conn-uri.ts';
import { connectionFrom, connectionsExport, connFileFormat, parseConnectionsFile, type ConnectionRecord } from './files.ts';
import { printDocument, printList, printObject } from './render.ts';
import { listAll, plural, readIn, session, writeOut } from './session.ts';

const PATH = '/api/v2/connections';
const COLUMNS = ['connection_id', 'conn_type', 'host', 'port', 'schema', 'login', 'description'];

export interface AddFlags {
  connUri?: string; connJson?: string; connType?: string; connHost?: string; connLogin?: string; connPassword?: string;
  connSchema?: string; connPort?: string; connExtra?: string; connDescription?: string;
}

/** The POST body for `connections add`, checked as Airflow checks its flags. */
export function addBody(id: string, f: AddFlags): ConnectionRecord {
  if (f.connUri !== undefined && f.connJson !== undefined) throw usageError('give --conn-uri or --conn-json, not both');
  if (f.connUri === undefined && f.connJson === undefined && f.connType === undefined) throw usageError('say what the connection is: --conn-uri URI, --conn-json JSON, or --conn-type TYPE with --conn-host, --conn-login, …');
  if (f.connUri !== undefined || f.connJson !== undefined) {
    const flag = f.connUri !== undefined ? '--conn-uri' : '--conn-json';
    const clash = (['connType', 'connHost', 'connLogin', 'connPassword', 'connSchema', 'connPort'] as const).filter((k) => f[k] !== undefined)
      .map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
    if (f.connJson !== undefined && f.connExtra !== undefined) clash.push('--conn-extra');
    if (clash.length) throw usageError(`${clash.join(', ')} cannot be given with ${flag}`);
  }
  let rec: ConnectionRecord;
  if (f.connUri !== undefined) rec = { connection_id: id, ...parseConnUri(f.connUri) };
  else if (f.connJson !== undefined) {
    let v: unknown;
    try { v = JSON.parse(f.connJson); } catch (e) { throw usageError(`--conn-json is not valid JSON: ${(e as Error).message}`); }
    rec = connectionFrom(id, v, '--conn-json');
  } else {
    rec = connectionFrom(id, { conn_type: f.connType, host: f.connHost, login: f.connLogin, password: f.connPassword, schema: f.connSchema, port: f.connPort }, 'connections add');
  }
  if (!/^[\w.-]+$/.test(id)) throw usageError(`"${id}" is not a valid connection id (letters, digits, _ . -)`);
  if (f.connExtra !== undefined) rec.extra = connectionFrom(id, { conn_type: rec.conn_type, extra: f.connExtra }, '--conn-extra').extra ?? null;
  if (f.connDescription !== undefined) rec.description = f.connDescription;
  return rec;
}

/** Only the fields that have a value: the server's defaults (null) for the rest. */
const body = (r: ConnectionRecord) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined && v !== null));

/** Every field, those not given emptied: a connection replaced whole (as Airflow replaces the row). */
const whole = (r: ConnectionRecord) => ({ ...r, host: r.host ?? null, login: r.login ?? null, password: r.password ?? null, schema: r.schema ?? null, port: r.port ?? null, extra: r.extra ?? null, description: r.description ?? null });

/** `add` (refused when the id exists, as Airflow's), or with `replace` (`connections set`) the connection replaced. */
export async function add(id: string, flags: AddFlags & RemoteOpts, replace = false): Promise<void> {
  const rec = addBody(id, flags);
  const { api, format } = session(flags);
  const replaced = replace ? await api.request<Record<string, unknown>>('PATCH', `${PATH}/${seg(id)}`, { allow404: true, body: whole(rec) }) : null;
  const c = replaced ?? await api.request<Record<string, unknown>>('POST', PATH, { body: body(rec) });
  if (format === 'json' || format === 'yaml') printDocument(format, c);
  else process.stdout.write(`Successfully ${replaced ? 'replaced' : 'added'} \`conn_id\`=${id} : ${String(c.conn_type)}://${c.host ?? ''}${c.port ? `:${String(c.port)}` : ''}\n`);
}

export async function get(id: string, opts: RemoteOpts): Promise<void> {
  const { api, format } = session(opts);
  printObject(format, await api.request<Record<string, unknown>>('GET', `${PATH}/${seg(id)}`), COLUMNS, { vertical: true });
}

export async function list(opts: RemoteOpts & { connId?: string }): Promise<void> {
  const { api, format } = session(opts);
  let conns = await listAll<Record<string, unknown>>(api, PATH, 'connections', { order_by: 'connection_id', connection_id_pattern: opts.connId });
  // The server's pattern is a substring match; --conn-id is one connection, as Airflow's.
  if (opts.connId) conns = conns.filter((c) => c.connection_id === opts.connId);
  printList(format, { connections: conns, total_entries: conns.length }, conns, COLUMNS);
}

export async function remove(id: string, opts: RemoteOpts): Promise<void> {
  const { api, format } = session(opts);
  if (await api.request('DELETE', `${PATH}/${seg(id)}`, { allow404: true }) === null) throw new CliError(`Did not find a connection with \`conn_id\`=${id}`, EXIT.NOT_FOUND);
  if (format === 'json' || format === 'yaml') printDocument(format, { connection_id: id, deleted: true });
  else process.stdout.write(`Successfully deleted connection with \`conn_id\`=${id}\n`);
}

export async function importFile(file: string, opts: RemoteOpts & { overwrite?: boolean; fileFormat?: string }): Promise<void> {
  const records = parseConnectionsFile(await readIn(file), file, connFileFormat(file, opts.fileFormat));
  const { api } = session(opts);
  let done = 0;
  const skipped: string[] = [];
  for (const r of records) {
    const exists = await api.request('GET', `${PATH}/${seg(r.connection_id)}`, { allow404: true });
    if (exists && !opts.overwrite) { skipped.push(r.connection_id); continue; }
    if (exists) await api.request('PATCH', `${PATH}/${seg(r.connection_id)}`, { body: whole(r) });
    else await api.request('POST', PATH, { body: body(r) });
    process.stdout.write(`Imported connection ${r.connection_id}\n`);
    done += 1;
  }
  for (const id of skipped) process.stderr.write(`Could not import connection ${id}: connection already exists (pass --overwrite to replace it)\n`);
  process.stdout.write(`${done} of ${plural(records.length, 'connection')} imported\n`);
}

export async function exportFile(file: string, opts: RemoteOpts & { fileFormat?: string; format?: string; serializationFormat?: string }): Promise<void> {
  const fileFormat = connFileFormat(file === '-' ? `-.${opts.fileFormat ?? opts.format ?? 'json'}` : file, opts.fileFormat ?? opts.format);
  const ser = opts.serializationFormat;
  if (ser !== undefined && ser !== 'json' && ser !== 'uri') throw usageError(`--serialization-format must be json or uri (got "${ser}")`);
  const { api } = session(opts);
  const conns = await listAll<ConnectionRecord & { password: string | null }>(api, PATH, 'connections', { order_by: 'connection_id' });
  const withPassword = conns.filter((c) => c.password).map((c) => c.connection_id);
  await writeOut(file, connectionsExport(conns.map((c) => ({ ...c, password: null })), fileFormat, ser as 'json' | 'uri' | undefined));
  if (withPassword.length) process.stderr.write(`warning: passwords are not exported (the server never returns them): ${withPassword.join(', ')}\n`);
  const maskedExtra = conns.filter((c) => c.extra?.includes('"***"')).map((c) => c.connection_id);
  if (maskedExtra.length) process.stderr.write(`warning: extra values under sensitive keys read "***" (the server never returns them): ${maskedExtra.join(', ')}\n`);
  if (file !== '-') process.stdout.write(`Connections successfully exported to ${file}\n`);
}
