import { describe, expect, it } from 'vitest';
import { LogDeduper, sinceTimeFor, tsKey } from './log-lines.ts';
import { StoredLogMatcher } from './adoption.ts';

describe('tsKey / sinceTimeFor', () => {
  it('orders timestamps of any fraction width and resumes from the whole second', () => {
    expect(tsKey('2024-01-01T00:00:01.5Z') > tsKey('2024-01-01T00:00:01.123456789Z')).toBe(true);
    expect(tsKey('2024-01-01T00:00:02Z') > tsKey('2024-01-01T00:00:01.999999999Z')).toBe(true);
    expect(sinceTimeFor(tsKey('2024-01-01T00:00:01.5Z'))).toBe('2024-01-01T00:00:01Z');
  });
});

describe('LogDeduper', () => {
  it('after a resumed stream, drops what was written and keeps new lines, also several at one timestamp', () => {
    const d = new LogDeduper();
    const out: string[] = [];
    const feed = (lines: string[]) => { d.restart(); for (const l of lines) { const t = d.accept(l); if (t !== null) out.push(t); } };
    feed(['2024-01-01T00:00:00.100000000Z a', '2024-01-01T00:00:01.200000000Z b', '2024-01-01T00:00:01.200000000Z c']);
    expect(d.since).toBe('2024-01-01T00:00:01Z');
    // The resumed stream starts at the second: b and c again, then a second line at c's timestamp, then more.
    feed(['2024-01-01T00:00:01.200000000Z b', '2024-01-01T00:00:01.200000000Z c', '2024-01-01T00:00:01.200000000Z d', '2024-01-01T00:00:02.000000000Z e']);
    expect(out).toEqual(['a', 'b', 'c', 'd', 'e']);
  });
});

describe('StoredLogMatcher', () => {
  it('skips the container lines already stored (between Windsock\'s own lines) and writes from the first new one', () => {
    const m = new StoredLogMatcher(['Starting attempt 1 of 1', 'Creating pod p', 'one', 'Pod p is pending: x', 'two']);
    expect(['one', 'two', 'three', 'one'].map((l) => m.seen(l))).toEqual([true, true, false, false]);
    expect(m.skipped).toBe(2);
    expect(new StoredLogMatcher([]).seen('one')).toBe(false);
  });
});
