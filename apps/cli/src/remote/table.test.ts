import { describe, expect, it } from 'vitest';
import { fitWidths, tableLines, truncate } from './table.ts';

const width = (line: string) => [...line].length;

describe('tables fit the terminal', () => {
  it('leaves a table that fits as it is', () => {
    expect(fitWidths([4, 10, 6], 80)).toEqual([4, 10, 6]);
    const lines = tableLines(['name', 'status'], [['alice-dev', 'ready']], { width: 80 });
    expect(lines).toEqual(['name      | status', '==========+=======', 'alice-dev | ready']);
  });

  it('shrinks the widest column first, down to the width exactly', () => {
    // 10 + 40 + 8 + 2 separators of 3 = 64; at 50 the 40-wide column gives the 14.
    expect(fitWidths([10, 40, 8], 50)).toEqual([10, 26, 8]);
    // When it reaches the next widest, both shrink in turn.
    const w = fitWidths([30, 30, 5], 45);
    expect(w.reduce((a, b) => a + b, 0) + 6).toBe(45);
    expect(Math.abs(w[0]! - w[1]!)).toBeLessThanOrEqual(1);
    expect(w[2]).toBe(5);
  });

  it('cuts the cells of a shrunk column with …, and every line fits', () => {
    const url = 'https://windsock.example.com/sandboxes/alice-dev/';
    const lines = tableLines(['name', 'ui_url', 'status'], [['alice-dev', url, 'ready'], ['bob', '/x', 'pending']], { width: 40 });
    for (const l of lines) expect(width(l)).toBeLessThanOrEqual(40);
    expect(lines[2]).toMatch(/^alice-dev \| https:\/\/windsock\.… \| ready$/);
    expect(lines[3]).toMatch(/^bob {7}\| \/x +\| pending$/);
    expect(lines[0]).toMatch(/^name {6}\| ui_url +\| status$/);
  });

  it('does not cut below four characters even when nothing fits', () => {
    expect(fitWidths([20, 20], 5)).toEqual([4, 4]);
  });

  it('truncate counts characters, not UTF-16 units', () => {
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('abc', 4)).toBe('abc');
    expect(truncate('ééééé', 3)).toBe('éé…');
  });

  it('paints header and cells only through the style given', () => {
    const lines = tableLines(['status'], [['ready']], { width: 80, header: (s) => `<${s}>`, cell: (_c, v, p) => (v === 'ready' ? `[${p}]` : p) });
    expect(lines[0]).toBe('<status>');
    expect(lines[2]).toBe('[ready]');
  });
});
