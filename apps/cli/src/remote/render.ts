/**
 * `--output json|yaml|table|plain` of the remote commands. json and yaml print the API's objects for machines;
 * table fits the terminal's width; plain is tab-separated without a header, for `cut` and `awk`. Colour only
 * when stdout is a terminal and NO_COLOR is unset (https://no-color.org).
 */
import { stringify } from 'yaml';
import { usageError } from './errors.ts';
import { tableLines } from './table.ts';

export type RemoteFormat = 'json' | 'yaml' | 'table' | 'plain';
export const FORMATS: RemoteFormat[] = ['table', 'json', 'yaml', 'plain'];

export function parseFormat(v: string): RemoteFormat {
  if ((FORMATS as string[]).includes(v)) return v as RemoteFormat;
  throw usageError(`--output must be one of ${FORMATS.join(', ')} (got "${v}")`);
}

export interface Terminal { isTTY: boolean; columns?: number; env: NodeJS.ProcessEnv; write(s: string): void }

export const stdoutTerminal = (): Terminal => ({
  isTTY: process.stdout.isTTY === true, columns: process.stdout.columns, env: process.env, write: (s) => { process.stdout.write(s); },
});

export const useColour = (t: Pick<Terminal, 'isTTY' | 'env'>) => t.isTTY && !t.env.NO_COLOR;

const ANSI = { bold: '\x1b[1m', green: '\x1b[32m', red: '\x1b[31m', yellow: '\x1b[33m', dim: '\x1b[2m', reset: '\x1b[0m' };
const STATE_COLOUR: Record<string, string> = {
  ready: ANSI.green, success: ANSI.green, running: ANSI.green,
  failed: ANSI.red, upstream_failed: ANSI.red, deleting: ANSI.yellow,
  pending: ANSI.yellow, queued: ANSI.yellow, starting: ANSI.yellow, up_for_retry: ANSI.yellow, asleep: ANSI.dim, stopped: ANSI.dim,
};
const STATE_COLUMNS = new Set(['status', 'state', 'scheduler']);

export const cellText = (v: unknown) => (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));

/** Rows as a table (or tab-separated with `plain`). */
export function printTable(columns: string[], rows: Record<string, unknown>[], format: 'table' | 'plain', t: Terminal = stdoutTerminal()): void {
  const cells = rows.map((r) => columns.map((c) => cellText(r[c])));
  if (format === 'plain') { for (const r of cells) t.write(r.join('\t') + '\n'); return; }
  const colour = useColour(t);
  const width = t.isTTY && t.columns ? t.columns : Number(t.env.COLUMNS) || Infinity;
  const lines = tableLines(columns, cells, {
    width,
    header: colour ? (s) => ANSI.bold + s + ANSI.reset : undefined,
    // A state column, or in a field | value table the value of a state field.
    cell: colour ? (col, value, padded, row) => {
      const stateCell = STATE_COLUMNS.has(col) || (col === 'value' && columns[0] === 'field' && STATE_COLUMNS.has(row[0] ?? ''));
      return stateCell && STATE_COLOUR[value] ? STATE_COLOUR[value] + padded + ANSI.reset : padded;
    } : undefined,
  });
  t.write(lines.join('\n') + '\n');
}

/** A machine-readable document: the object as the API returned it. */
export function printDocument(format: 'json' | 'yaml', value: unknown, t: Terminal = stdoutTerminal()): void {
  t.write(format === 'json' ? JSON.stringify(value, null, 2) + '\n' : stringify(value));
}

/**
 * One API object: json/yaml as the document; table as one row of `columns` (as Airflow's CLI prints a run), or
 * with `vertical` as field | value rows (every field), for objects too wide for one line.
 */
export function printObject(format: RemoteFormat, value: Record<string, unknown>, columns: string[], o: { vertical?: boolean } = {}, t: Terminal = stdoutTerminal()): void {
  if (format === 'json' || format === 'yaml') { printDocument(format, value, t); return; }
  if (o.vertical) { printTable(['field', 'value'], Object.entries(value).map(([field, v]) => ({ field, value: v })), format, t); return; }
  printTable(columns, [value], format, t);
}

/** A list answer: json/yaml as the whole document (`{items, total_entries}`), table/plain as rows. */
export function printList(format: RemoteFormat, document: unknown, rows: Record<string, unknown>[], columns: string[], t: Terminal = stdoutTerminal()): void {
  if (format === 'json' || format === 'yaml') { printDocument(format, document, t); return; }
  printTable(columns, rows, format, t);
}
