/**
 * `windsock variables get|set|list|delete|import|export` over /api/v2/variables, with Airflow's verbs and flags
 * (`variables get KEY [-j] [-d DEFAULT]`, `set KEY VALUE [-j] [--description]`, `import FILE [-a
 * overwrite|fail|skip]`, `export FILE`) and its file format (files.ts). Values under sensitive keys come back
 * "***" from the server, so such a value cannot be read or exported through the API.
 */
import type { RemoteOpts } from '../commands/remote-options.ts';
import type { ApiClient } from './client.ts';
import { seg } from './client.ts';
import { CliError, EXIT, usageError } from './errors.ts';
import { parseVariablesFile, variablesExport, type VariableRecord } from './files.ts';
import { printDocument, printList, printObject } from './render.ts';
import { listAll, plural, readIn, session, writeOut } from './session.ts';

interface Variable { key: string; value: string; description: string | null; [k: string]: unknown }
const PATH = '/api/v2/variables';
const COLUMNS = ['key', 'value', 'description'];

export async function get(key: string, opts: RemoteOpts & { json?: boolean; default?: string }): Promise<void> {
  const { api, format } = session(opts);
  const v = await api.request<Variable>('GET', `${PATH}/${seg(key)}`, { allow404: true });
  if (!v) {
    if (opts.default !== undefined) { process.stdout.write(`${opts.default}\n`); return; }
    throw new CliError(`Variable ${key} does not exist (set it with windsock variables set ${key} VALUE)`, EXIT.NOT_FOUND);
  }
  if (format === 'json' || format === 'yaml') { printDocument(format, opts.json ? { ...v, value: parseStored(key, v.value) } : v); return; }
  process.stdout.write(opts.json ? `${JSON.stringify(parseStored(key, v.value), null, 2)}\n` : `${v.value}\n`);
}

function parseStored(key: string, value: string): unknown {
  try { return JSON.parse(value); } catch { throw new CliError(`the value of ${key} is not JSON: read it without --json`); }
}

/** The value `set` sends: with --json the JSON value (stored as its JSON), else the text as given. */
export function setValue(value: string, json: boolean | undefined): unknown {
  if (!json) return value;
  try { return JSON.parse(value); } catch (e) { throw usageError(`--json: the value is not valid JSON: ${(e as Error).message}`); }
}

/**
 * Creates the variable, or updates it when it exists (value, and the description when one is given).
 * `onExisting`: what to do when it exists: overwrite it, fail, or skip it. Returns what happened.
 */
async function put(api: ApiClient, v: VariableRecord, onExisting: 'overwrite' | 'fail' | 'skip'): Promise<'created' | 'updated' | 'skipped'> {
  const exists = await api.request<Variable>('GET', `${PATH}/${seg(v.key)}`, { allow404: true });
  const body = { key: v.key, value: v.value, ...(v.description !== undefined ? { description: v.description } : {}) };
  if (!exists) {
    await api.request('POST', PATH, { body });
    return 'created';
  }
  if (onExisting === 'skip') return 'skipped';
  if (onExisting === 'fail') throw new CliError(`Variable ${v.key} already exists`);
  await api.request('PATCH', `${PATH}/${seg(v.key)}`, { body });
  return 'updated';
}

export async function set(key: string, value: string, opts: RemoteOpts & { json?: boolean; description?: string }): Promise<void> {
  const parsed = setValue(value, opts.json);
  const { api, format } = session(opts);
  const what = await put(api, { key, value: parsed, ...(opts.description !== undefined ? { description: opts.description } : {}) }, 'overwrite');
  if (format === 'json' || format === 'yaml') printDocument(format, await api.request<Variable>('GET', `${PATH}/${seg(key)}`));
  else process.stdout.write(`Variable ${key} ${what}\n`);
}

export async function list(opts: RemoteOpts): Promise<void> {
  const { api, format } = session(opts);
  const vars = await listAll<Variable>(api, PATH, 'variables', { order_by: 'key' });
  printList(format, { variables: vars, total_entries: vars.length }, vars, COLUMNS);
}

export async function remove(key: string, opts: RemoteOpts): Promise<void> {
  const { api, format } = session(opts);
  const gone = await api.request('DELETE', `${PATH}/${seg(key)}`, { allow404: true });
  if (gone === null) throw new CliError(`Variable ${key} does not exist`, EXIT.NOT_FOUND);
  if (format === 'json' || format === 'yaml') printObject(format, { key, deleted: true }, []);
  else process.stdout.write(`Variable ${key} deleted\n`);
}

export async function importFile(file: string, opts: RemoteOpts & { actionOnExistingKey: string }): Promise<void> {
  const action = opts.actionOnExistingKey;
  if (action !== 'overwrite' && action !== 'fail' && action !== 'skip') throw usageError(`--action-on-existing-key must be overwrite, fail or skip (got "${action}")`);
  const records = parseVariablesFile(await readIn(file), file);
  const { api } = session(opts);
  const counts = { created: 0, updated: 0, skipped: 0 };
  const failed: string[] = [];
  for (const r of records) {
    try { counts[await put(api, r, action)] += 1; } catch (e) {
      // Refused for lack of rights or a login: every other one would be too; stop at once.
      if (e instanceof CliError && e.exitCode === EXIT.AUTH) throw e;
      failed.push(`${r.key}: ${(e as Error).message}`);
    }
  }
  process.stdout.write(`${counts.created + counts.updated} of ${plural(records.length, 'variable')} successfully updated (${counts.created} created, ${counts.updated} overwritten, ${counts.skipped} skipped)\n`);
  if (failed.length) throw new CliError(`${plural(failed.length, 'variable')} failed to import:\n  ${failed.join('\n  ')}`);
}

export async function exportFile(file: string, opts: RemoteOpts): Promise<void> {
  const { api } = session(opts);
  const vars = await listAll<Variable>(api, PATH, 'variables', { order_by: 'key' });
  // A value the server masks ("***", under a sensitive key) is left out: importing the file would overwrite the
  // real value with the mask.
  const masked = vars.filter((v) => v.value === '***').map((v) => v.key);
  const shown = vars.filter((v) => v.value !== '***');
  await writeOut(file, variablesExport(shown));
  if (masked.length) process.stderr.write(`warning: not exported: ${masked.join(', ')} (the server shows sensitive values only as "***")\n`);
  if (file !== '-') process.stdout.write(`${plural(shown.length, 'variable')} successfully exported to ${file}\n`);
}
