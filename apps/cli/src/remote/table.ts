/**
 * Tables for a terminal: columns as wide as their widest cell, and when the whole is wider than the terminal,
 * the widest column gives way first (cells cut with …) until it fits. Colour (ANSI) only when the caller says
 * so: on a TTY and without NO_COLOR (see render.ts).
 */

/** Narrowest a column is cut to. */
const MIN_WIDTH = 4;
const SEP = ' | ';

/** Column widths for `natural` widths in `width` characters: the widest column shrinks first, one at a time. */
export function fitWidths(natural: number[], width: number): number[] {
  const widths = [...natural];
  const total = () => widths.reduce((a, b) => a + b, 0) + SEP.length * Math.max(0, widths.length - 1);
  while (total() > width) {
    let widest = 0;
    for (let i = 1; i < widths.length; i++) if (widths[i]! > widths[widest]!) widest = i;
    if (widths[widest]! <= MIN_WIDTH) break; // cannot fit: every column at its narrowest
    widths[widest]! -= 1;
  }
  return widths;
}

/** `text` cut to `width` characters, with … as its last when cut. */
export function truncate(text: string, width: number): string {
  const chars = [...text];
  return chars.length <= width ? text : chars.slice(0, Math.max(0, width - 1)).join('') + '…';
}

const length = (s: string) => [...s].length;
const pad = (s: string, w: number) => s + ' '.repeat(Math.max(0, w - length(s)));

export interface TableStyle {
  /** Terminal width; Infinity: never cut. */
  width: number;
  header?: (s: string) => string;
  /** Colours one cell (already cut and padded) by its column, raw value and row. */
  cell?: (column: string, value: string, padded: string, row: string[]) => string;
}

/** The table's lines (no trailing newline), as Airflow's CLI draws them: `a | b`, then `==+==`, then the rows. */
export function tableLines(columns: string[], rows: string[][], style: TableStyle): string[] {
  const natural = columns.map((c, i) => Math.max(length(c), ...rows.map((r) => length(r[i] ?? ''))));
  const widths = fitWidths(natural, style.width);
  const line = (cells: string[], paint: (i: number, padded: string) => string) => cells
    .map((v, i) => paint(i, i === cells.length - 1 ? truncate(v, widths[i]!) : pad(truncate(v, widths[i]!), widths[i]!))).join(SEP).trimEnd();
  return [
    line(columns, (_i, p) => (style.header ? style.header(p) : p)),
    widths.map((w) => '='.repeat(w)).join('=+='),
    ...rows.map((r) => line(columns.map((_c, i) => r[i] ?? ''), (i, p) => (style.cell ? style.cell(columns[i]!, r[i] ?? '', p, r) : p))),
  ];
}
