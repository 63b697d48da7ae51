/** Prints rows as Airflow's CLI does: a plain table, or JSON with the REST API's field names (`--output json`). */
export type OutputFormat = 'table' | 'json' | 'plain';

export function printRows(rows: Record<string, unknown>[], columns: string[], format: OutputFormat, out: (s: string) => void = (s) => process.stdout.write(s)): void {
  if (format === 'json') { out(JSON.stringify(rows, null, 2) + '\n'); return; }
  const cell = (v: unknown) => (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));
  if (format === 'plain') { for (const r of rows) out(columns.map((c) => cell(r[c])).join('\t') + '\n'); return; }
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(widths[i]!)).join(' | ').trimEnd() + '\n';
  out(line(columns));
  out(widths.map((w) => '='.repeat(w)).join('=+=') + '\n');
  for (const r of rows) out(line(columns.map((c) => cell(r[c]))));
}

export function parseOutput(v: string): OutputFormat {
  if (v === 'table' || v === 'json' || v === 'plain') return v;
  throw new Error(`--output must be table, json or plain (got "${v}")`);
}
