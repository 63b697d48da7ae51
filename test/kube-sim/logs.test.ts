import { describe, expect, it } from 'vitest';
import { ContainerLog, formatNs, parseRfc3339Ns, selectLines } from './logs.ts';

describe('container logs', () => {
  it('stamps lines with strictly increasing nine-digit RFC3339Nano timestamps', () => {
    const log = new ContainerLog();
    const lines = Array.from({ length: 50 }, (_, i) => log.append(`l${i}`));
    for (let i = 1; i < lines.length; i++) expect((lines[i] as { ns: bigint }).ns > (lines[i - 1] as { ns: bigint }).ns).toBe(true);
    expect(lines[0]?.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z$/);
  });

  it('round-trips timestamps and parses RFC 3339 with any precision or offset', () => {
    expect(formatNs(1_700_000_000_123_456_789n)).toBe('2023-11-14T22:13:20.123456789Z');
    expect(parseRfc3339Ns('2023-11-14T22:13:20.123456789Z')).toBe(1_700_000_000_123_456_789n);
    expect(parseRfc3339Ns('2023-11-14T22:13:20Z')).toBe(1_700_000_000_000_000_000n);
    expect(parseRfc3339Ns('2023-11-14T23:13:20.5+01:00')).toBe(1_700_000_000_500_000_000n);
    expect(parseRfc3339Ns('yesterday')).toBeNull();
  });

  it('selects lines at or after sinceTime, then the last tailLines', () => {
    const lines = [1n, 2n, 3n, 4n, 5n].map((ns) => ({ ns, timestamp: formatNs(ns), text: `t${ns}` }));
    expect(selectLines(lines, { sinceNs: 3n, tailLines: null }).map((l) => l.text)).toEqual(['t3', 't4', 't5']);
    expect(selectLines(lines, { sinceNs: null, tailLines: 2 }).map((l) => l.text)).toEqual(['t4', 't5']);
    expect(selectLines(lines, { sinceNs: 4n, tailLines: 3 }).map((l) => l.text)).toEqual(['t4', 't5']);
    expect(selectLines(lines, { sinceNs: null, tailLines: 0 })).toEqual([]);
  });

  it('tells followers about new lines and the end', () => {
    const log = new ContainerLog();
    const seen: string[] = [];
    log.follow((l) => seen.push(l.text), () => seen.push('<end>'));
    log.append('a');
    log.end();
    log.append('after');
    expect(seen).toEqual(['a', '<end>']);
  });
});
