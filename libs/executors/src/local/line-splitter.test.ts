import { expect, it } from 'vitest';
import { LineSplitter } from './line-splitter.ts';

it('splits chunks into lines, across chunk boundaries and multi-byte characters, keeping a final partial line', () => {
  const lines: string[] = [];
  const s = new LineSplitter((l) => lines.push(l));
  const bytes = Buffer.from('one\r\ntw€o\nthr');
  s.push(bytes.subarray(0, 8)); // ends inside the 3-byte €
  expect(lines).toEqual(['one']);
  s.push(bytes.subarray(8, 10));
  expect(lines).toEqual(['one']);
  s.push(bytes.subarray(10));
  expect(lines).toEqual(['one', 'tw€o']);
  s.push('ee\n\nlast');
  s.end();
  expect(lines).toEqual(['one', 'tw€o', 'three', '', 'last']);
});
