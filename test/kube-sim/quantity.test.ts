import { describe, expect, it } from 'vitest';
import { add, canonical, compare, formatQuantity, parseQuantity } from './quantity.ts';

function q(s: string) {
  const v = parseQuantity(s);
  if (v === null) throw new Error(`unparsable ${s}`);
  return v;
}

describe('quantity', () => {
  it('parses decimal, binary, milli and exponent forms', () => {
    expect(q('100m').nano).toBe(100_000_000n);
    expect(q('1.5').nano).toBe(1_500_000_000n);
    expect(q('2Gi').nano).toBe(2n * 1024n ** 3n * 1_000_000_000n);
    expect(q('500M').nano).toBe(500_000_000n * 1_000_000_000n);
    expect(q('1e3').nano).toBe(1000n * 1_000_000_000n);
    expect(q('2Gi').format).toBe('BinarySI');
    expect(parseQuantity(2)?.nano).toBe(2_000_000_000n);
  });

  it('refuses what is not a quantity', () => {
    for (const bad of ['', 'abc', '1x', '1.2.3', 'Gi', '--1']) expect(parseQuantity(bad)).toBeNull();
  });

  it('renders canonically, as Quantity.String()', () => {
    expect(canonical('1500m')).toBe('1500m');
    expect(canonical('2000m')).toBe('2');
    expect(canonical('2000')).toBe('2k');
    expect(canonical('2048Mi')).toBe('2Gi');
    expect(canonical('1536Mi')).toBe('1536Mi');
    expect(canonical('500M')).toBe('500M');
    expect(canonical('0.5')).toBe('500m');
    expect(canonical('0')).toBe('0');
    expect(formatQuantity(add(q('1Gi'), q('512Mi')))).toBe('1536Mi');
    expect(formatQuantity(add(q('500m'), q('1')))).toBe('1500m');
  });

  it('compares across formats', () => {
    expect(compare(q('1Gi'), q('1000M'))).toBe(1);
    expect(compare(q('1'), q('1000m'))).toBe(0);
    expect(compare(q('100m'), q('0.2'))).toBe(-1);
  });
});
