/**
 * The files `variables|pools|connections import` read and `export` write, in the formats Airflow's CLI uses, so a
 * file exported from Airflow imports into Windsock and back:
 * - variables: a JSON object `{key: value}`; a value that is not a string is stored as its JSON; a value with a
 *   description is `{"value": …, "description": "…"}`. Export turns stored JSON back into JSON values.
 * - pools: `{name: {"slots": n, "description": "…", "include_deferred": false}}`.
 * - connections: JSON or YAML `{conn_id: URI or {conn_type, host, login, password, schema, port, extra,
 *   description}}`, or an env file of `CONN_ID=URI` / `CONN_ID={JSON}` lines (extension .env).
 * Pure: text in, records out (and back); errors are usage errors naming the file and the entry.
 */
import { parse as parseYaml, stringify as yamlStringify } from 'yaml';
import { connUri, parseConnUri, type ConnFields } from './conn-uri.ts';
import { usageError } from './errors.ts';

export interface VariableRecord { key: string; value: unknown; description?: string | null }
export interface PoolRecord { name: string; slots: number; description: string | null; include_deferred: boolean }
export interface ConnectionRecord extends ConnFields { connection_id: string }

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function parseJsonObject(text: string, file: string, what: string): Record<string, unknown> {
  let v: unknown;
  try { v = JSON.parse(text); } catch (e) { throw usageError(`${file} is not valid JSON: ${(e as Error).message}`); }
  if (!isObject(v)) throw usageError(`${file} must hold a JSON object of ${what}`);
  return v;
}

export function parseVariablesFile(text: string, file: string): VariableRecord[] {
  return Object.entries(parseJsonObject(text, file, '{"key": value}')).map(([key, v]) => {
    // {"value": …, "description": "…"} is a value with its description, as Airflow's export writes it.
    if (isObject(v) && 'value' in v && typeof v.description === 'string' && Object.keys(v).every((k) => k === 'value' || k === 'description')) {
      return { key, value: v.value, description: v.description };
    }
    return { key, value: v };
  });
}

/** A stored value (text) as export writes it: its JSON value when it is JSON, else the text. */
export function exportedValue(stored: string): unknown {
  try { return JSON.parse(stored); } catch { return stored; }
}

export function variablesExport(vars: { key: string; value: string; description?: string | null }[]): string {
  const out: Record<string, unknown> = {};
  for (const v of vars) out[v.key] = v.description ? { value: exportedValue(v.value), description: v.description } : exportedValue(v.value);
  return JSON.stringify(out, null, 4) + '\n';
}

export function parsePoolsFile(text: string, file: string): PoolRecord[] {
  return Object.entries(parseJsonObject(text, file, '{"name": {"slots": n, "description": "…"}}')).map(([name, v]) => {
    if (!isObject(v) || typeof v.slots !== 'number' || !Number.isInteger(v.slots) || v.slots < -1) {
      throw usageError(`${file}: pool "${name}" must be {"slots": <whole number, -1 for unlimited>, "description": "…"}`);
    }
    return { name, slots: v.slots, description: typeof v.description === 'string' ? v.description : null, include_deferred: v.include_deferred === true };
  });
}

export function poolsExport(pools: PoolRecord[]): string {
  const out: Record<string, unknown> = {};
  for (const p of pools) out[p.name] = { slots: p.slots, description: p.description ?? '', include_deferred: p.include_deferred };
  return JSON.stringify(out, null, 4) + '\n';
}

export type ConnFileFormat = 'json' | 'yaml' | 'env';

/** The format a connections file is in, by its extension (`--file-format` overrides it). */
export function connFileFormat(file: string, flag?: string): ConnFileFormat {
  const f = (flag ?? /\.(json|ya?ml|env)$/i.exec(file)?.[1] ?? '').toLowerCase();
  if (f === 'json' || f === 'env') return f;
  if (f === 'yaml' || f === 'yml') return 'yaml';
  throw usageError(`cannot tell the format of ${file}: name it .json, .yaml or .env, or pass --file-format json|yaml|env`);
}

const CONN_FIELDS = ['conn_type', 'host', 'login', 'password', 'schema', 'port', 'extra', 'description'] as const;

/** One connection of a file: a URI, or an object of its fields (`extra` a JSON string or an object). */
export function connectionFrom(id: string, v: unknown, where: string): ConnectionRecord {
  if (!/^[\w.-]+$/.test(id)) throw usageError(`${where}: "${id}" is not a valid connection id (letters, digits, _ . -)`);
  if (typeof v === 'string') return { connection_id: id, ...parseConnUri(v) };
  if (!isObject(v)) throw usageError(`${where}: connection "${id}" must be a URI or an object with conn_type, host, …`);
  const unknown = Object.keys(v).filter((k) => !(CONN_FIELDS as readonly string[]).includes(k) && k !== 'conn_id' && k !== 'connection_id');
  if (unknown.length) throw usageError(`${where}: connection "${id}" has unknown field(s) ${unknown.join(', ')} (known: ${CONN_FIELDS.join(', ')})`);
  if (typeof v.conn_type !== 'string' || !v.conn_type) throw usageError(`${where}: connection "${id}" has no conn_type`);
  const text = (k: string) => (v[k] === undefined || v[k] === null ? null : String(v[k]));
  let port: number | null = null;
  if (v.port !== undefined && v.port !== null && v.port !== '') {
    port = Number(v.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw usageError(`${where}: connection "${id}" has an invalid port ${JSON.stringify(v.port)}`);
  }
  let extra: string | null = null;
  if (isObject(v.extra)) extra = JSON.stringify(v.extra);
  else if (typeof v.extra === 'string' && v.extra !== '') {
    try { if (!isObject(JSON.parse(v.extra))) throw new Error('not an object'); } catch { throw usageError(`${where}: connection "${id}": extra must be a JSON object`); }
    extra = v.extra;
  }
  return { connection_id: id, conn_type: v.conn_type, host: text('host'), login: text('login'), password: text('password'), schema: text('schema'), port, extra, description: text('description') };
}

export function parseConnectionsFile(text: string, file: string, format: ConnFileFormat): ConnectionRecord[] {
  if (format === 'env') {
    const out: ConnectionRecord[] = [];
    text.split(/\r?\n/).forEach((raw, i) => {
      const line = raw.trim();
      if (!line || line.startsWith('#')) return;
      const eq = line.indexOf('=');
      if (eq <= 0) throw usageError(`${file}:${i + 1}: expected CONN_ID=URI or CONN_ID={JSON}`);
      const id = line.slice(0, eq).trim();
      const value = line.slice(eq + 1).trim();
      let parsed: unknown = value;
      if (value.startsWith('{')) {
        try { parsed = JSON.parse(value); } catch (e) { throw usageError(`${file}:${i + 1}: ${id}'s JSON is not valid: ${(e as Error).message}`); }
      }
      out.push(connectionFrom(id, parsed, `${file}:${i + 1}`));
    });
    return out;
  }
  let doc: unknown;
  try { doc = format === 'json' ? JSON.parse(text) : parseYaml(text); } catch (e) { throw usageError(`${file} is not valid ${format.toUpperCase()}: ${(e as Error).message}`); }
  if (!isObject(doc)) throw usageError(`${file} must hold a mapping of connection id to URI or fields`);
  return Object.entries(doc).map(([id, v]) => connectionFrom(id, v, file));
}

/**
 * The connections as a file. `serialization` json writes each one's fields; uri its URI (the default of the env
 * format, as Airflow's). Fields the server does not return (a password is never sent back, only "***") are left
 * out: the caller says so to the user.
 */
export function connectionsExport(conns: ConnectionRecord[], format: ConnFileFormat, serialization: 'json' | 'uri' = format === 'env' ? 'uri' : 'json'): string {
  const fields = (c: ConnectionRecord) => ({
    conn_type: c.conn_type, description: c.description ?? null, login: c.login ?? null, password: c.password ?? null,
    host: c.host ?? null, port: c.port ?? null, schema: c.schema ?? null, extra: c.extra ?? null,
  });
  const value = (c: ConnectionRecord) => (serialization === 'uri' ? connUri(c) : fields(c));
  if (format === 'env') return conns.map((c) => `${c.connection_id}=${serialization === 'uri' ? connUri(c) : JSON.stringify(fields(c))}\n`).join('');
  const doc = Object.fromEntries(conns.map((c) => [c.connection_id, value(c)]));
  return format === 'json' ? JSON.stringify(doc, null, 4) + '\n' : yamlStringify(doc);
}
