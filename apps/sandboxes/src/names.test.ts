import { describe, expect, it } from 'vitest';
import { parseQuantity, sandboxPlaces } from './names.ts';

describe('sandbox names', () => {
  it('derives schema, namespace and queue prefix', () => {
    expect(sandboxPlaces('alice-dev', { namespacePrefix: 'windsock-sb-', queuePrefix: 'windsock' }))
      .toEqual({ schema: 'sb_alice_dev', namespace: 'windsock-sb-alice-dev', queuePrefix: 'windsock-sb-alice-dev' });
  });
  it('refuses names that are not DNS labels', () => {
    for (const bad of ['', 'Alice', '1abc', 'a_b', 'abc-', 'a'.repeat(41), 'a/b', 'a b', '../x']) expect(() => sandboxPlaces(bad, { namespacePrefix: '', queuePrefix: 'w' })).toThrow(RangeError);
  });
});

describe('quantities', () => {
  it('parses quantities', () => {
    expect(parseQuantity('500m')).toBeCloseTo(0.5);
    expect(parseQuantity('8Gi')).toBe(8 * 2 ** 30);
    expect(parseQuantity('1.5G')).toBe(1.5e9);
    expect(parseQuantity(4)).toBe(4);
    expect(parseQuantity('4 cores')).toBeNull();
    expect(parseQuantity('-1')).toBeNull();
  });
});
