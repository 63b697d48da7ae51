import { describe, expect, it } from 'vitest';
import { StoredLogMatcher } from './adoption.ts';

describe('StoredLogMatcher', () => {
  it('skips the stored prefix, then writes everything', () => {
    const m = new StoredLogMatcher(['a', 'worker line', 'b']);
    expect(['a', 'b', 'c', 'a'].map((l) => m.seen(l))).toEqual([true, true, false, false]);
  });

  it('matches re-read lines through the mask the worker stored them with', () => {
    const mask = (l: string) => l.replaceAll('hunter22', '***');
    const m = new StoredLogMatcher(['connecting with ***', 'done'], mask);
    expect(m.seen('connecting with hunter22')).toBe(true);
    expect(m.seen('done')).toBe(true);
    expect(m.seen('new line')).toBe(false);
    expect(new StoredLogMatcher(['connecting with ***']).seen('connecting with hunter22')).toBe(false);
  });
});
