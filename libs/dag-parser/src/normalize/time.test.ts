import { describe, expect, it, vi } from 'vitest';
import { canonicalZone, readDatetime, readSeconds, TimeValueError } from './time.ts';

describe('readDatetime', () => {
  it('reads aware values as instants and keeps their zone', () => {
    expect(readDatetime('2024-01-01T00:00:00Z', 'Asia/Tokyo')).toEqual({ iso: '2024-01-01T00:00:00.000Z', tz: 'UTC' });
    expect(readDatetime('2024-01-01 10:00:00+05:30', 'UTC')).toEqual({ iso: '2024-01-01T04:30:00.000Z', tz: '+05:30' });
    expect(readDatetime({ __type: 'datetime', value: '2024-06-01T12:00:00+02:00', tz: 'Europe/Berlin' }, 'UTC'))
      .toEqual({ iso: '2024-06-01T10:00:00.000Z', tz: 'Europe/Berlin' });
  });

  it('reads naive values in the fallback zone and reports no zone of their own', () => {
    expect(readDatetime('2024-01-15', 'America/New_York')).toEqual({ iso: '2024-01-15T05:00:00.000Z', tz: null });
    expect(readDatetime('2024-07-15T08:15', 'America/New_York')).toEqual({ iso: '2024-07-15T12:15:00.000Z', tz: null });
    expect(readDatetime({ __type: 'datetime', value: '2024-01-01T00:00:00.250' }, 'UTC').iso).toBe('2024-01-01T00:00:00.250Z');
  });

  it('follows pendulum across DST: second occurrence when ambiguous, moved forward in a gap', () => {
    // Europe/Paris: 2024-10-27 02:30 happens twice (CEST then CET); 2024-03-31 02:30 never happens.
    expect(readDatetime('2024-10-27T02:30:00', 'Europe/Paris').iso).toBe('2024-10-27T01:30:00.000Z');
    expect(readDatetime('2024-03-31T02:30:00', 'Europe/Paris').iso).toBe('2024-03-31T01:30:00.000Z');
  });

  it('rejects what is not a date', () => {
    for (const bad of ['yesterday', '2024-02-30', '2024-01-01T25:00:00', 42, null]) {
      expect(() => readDatetime(bad, 'UTC')).toThrow(TimeValueError);
    }
    expect(() => readDatetime('2024-01-01', 'Nowhere/City')).toThrow(/unknown time zone/);
  });
});

describe('zones and durations', () => {
  it('canonicalises zone names', () => {
    expect(canonicalZone('utc')).toBe('UTC');
    expect(canonicalZone('europe/paris')).toBe('Europe/Paris');
    expect(() => canonicalZone('Mars/Base')).toThrow(TimeValueError);
  });

  it('reads timedelta tags and numbers of seconds', () => {
    expect(readSeconds({ __type: 'timedelta', seconds: 90.5 })).toBe(90.5);
    expect(readSeconds(30)).toBe(30);
    expect(() => readSeconds('5 minutes')).toThrow(TimeValueError);
  });
});

describe('UTC without Intl', () => {
  it('reads naive and aware values in UTC without constructing an Intl formatter (11 MiB of ICU data)', async () => {
    vi.resetModules(); // a fresh module: no formatter cached by the tests above
    const { readDatetime, canonicalZone } = await import('./time.ts');
    const real = Intl.DateTimeFormat;
    (Intl as { DateTimeFormat: unknown }).DateTimeFormat = function refused() { throw new Error('Intl.DateTimeFormat used'); };
    try {
      expect(readDatetime('2024-01-15T08:15', 'UTC')).toEqual({ iso: '2024-01-15T08:15:00.000Z', tz: null });
      expect(readDatetime('2024-01-15T08:15:00+02:00', 'UTC').iso).toBe('2024-01-15T06:15:00.000Z');
      expect(canonicalZone('utc')).toBe('UTC');
    } finally {
      (Intl as { DateTimeFormat: unknown }).DateTimeFormat = real;
    }
  });
});
