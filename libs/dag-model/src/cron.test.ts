import { describe, expect, it } from 'vitest';
import { cronClock, cronExpressionProblem, fromWallClock, isValidTimeZone, toWallClock, zonedTime } from './cron.ts';

const wall = (iso: string) => new Date(`${iso}Z`).getTime();

describe('wall clock conversion (Airflow make_naive / make_aware with fold=1)', () => {
  it.each([
    ['ordinary winter time', '2024-01-10T12:00:00', 'Europe/Amsterdam', '2024-01-10T11:00:00.000Z'],
    ['ordinary summer time', '2024-07-10T12:00:00', 'Europe/Amsterdam', '2024-07-10T10:00:00.000Z'],
    ['skipped 02:30 moves forward to 03:30 CEST', '2024-03-31T02:30:00', 'Europe/Amsterdam', '2024-03-31T01:30:00.000Z'],
    ['repeated 02:30 is the second one (CET)', '2024-10-27T02:30:00', 'Europe/Amsterdam', '2024-10-27T01:30:00.000Z'],
    ['skipped 02:30 in New York', '2024-03-10T02:30:00', 'America/New_York', '2024-03-10T07:30:00.000Z'],
    ['repeated 01:30 in New York is EST', '2024-11-03T01:30:00', 'America/New_York', '2024-11-03T06:30:00.000Z'],
    ['UTC', '2024-03-31T02:30:00', 'UTC', '2024-03-31T02:30:00.000Z'],
    ['half-hour zone', '2024-01-10T12:00:00', 'Asia/Kolkata', '2024-01-10T06:30:00.000Z'],
  ])('%s', (_l, local, zone, instant) => {
    expect(fromWallClock(wall(local), zone).toISOString()).toBe(instant);
  });

  it('toWallClock inverts fromWallClock outside transitions', () => {
    const d = new Date('2024-07-10T10:00:00Z');
    expect(fromWallClock(toWallClock(d, 'Europe/Amsterdam'), 'Europe/Amsterdam')).toEqual(d);
    expect(zonedTime('Europe/Amsterdam', 2024, 7, 10, 12)).toEqual(d);
  });
});

describe('cronExpressionProblem', () => {
  it.each(['0 0 * * *', '*/15 9-17 * * 1-5', '0 0 L * *', '0 0 * * 1#2', '0 12 * JAN,JUL MON-FRI', '0 0 * * 7', '0 0 * * THU'])(
    'accepts %s', (e) => expect(cronExpressionProblem(e)).toBeNull());
  it.each(['', '* * * *', '0 0 0 * * *', '60 * * * *', '0 24 * * *', '0 0 32 * *', '0 0 * 13 *', 'H 0 * * *', '0 H(0-3) * * *', 'a b c d e'])(
    'rejects %j', (e) => expect(cronExpressionProblem(e)).toEqual(expect.any(String)));
});

describe('cronClock', () => {
  const utc = cronClock('0 0 * * *', 'UTC');
  it.each([
    ['next is strictly after a tick', () => utc.next(new Date('2024-01-02T00:00:00Z')), '2024-01-03T00:00:00.000Z'],
    ['prev is strictly before a tick', () => utc.prev(new Date('2024-01-02T00:00:00Z')), '2024-01-01T00:00:00.000Z'],
    ['alignToNext keeps a tick', () => utc.alignToNext(new Date('2024-01-02T00:00:00Z')), '2024-01-02T00:00:00.000Z'],
    ['alignToNext moves off-tick forward', () => utc.alignToNext(new Date('2024-01-02T00:00:01Z')), '2024-01-03T00:00:00.000Z'],
    ['alignToPrev keeps a tick', () => utc.alignToPrev(new Date('2024-01-02T00:00:00Z')), '2024-01-02T00:00:00.000Z'],
    ['alignToPrev moves off-tick back', () => utc.alignToPrev(new Date('2024-01-02T23:59:59Z')), '2024-01-02T00:00:00.000Z'],
    ['day-of-month and day-of-week combine with OR, as in croniter', () => cronClock('0 0 13 * 5', 'UTC').next(new Date('2024-01-06T00:00:00Z')), '2024-01-12T00:00:00.000Z'],
  ])('%s', (_l, f, expected) => {
    expect(f().toISOString()).toBe(expected);
  });

  it('isValidTimeZone', () => {
    expect(isValidTimeZone('Europe/Amsterdam')).toBe(true);
    expect(isValidTimeZone('UTC')).toBe(true);
    expect(isValidTimeZone('Mars/Base')).toBe(false);
  });
});

describe('UTC without Intl', () => {
  // An Intl formatter maps ICU's locale and zone data: 11 MiB of resident memory in every scheduler. DAGs in UTC
  // (most of them) must not need it.
  it('validates UTC and runs a UTC cron without constructing an Intl formatter', () => {
    const real = Intl.DateTimeFormat;
    (Intl as { DateTimeFormat: unknown }).DateTimeFormat = function refused() { throw new Error('Intl.DateTimeFormat used'); };
    try {
      expect(isValidTimeZone('UTC')).toBe(true);
      expect(isValidTimeZone('Etc/UTC')).toBe(true);
      const clock = cronClock('0 6 * * *', 'UTC');
      expect(clock.next(new Date('2024-01-01T07:00:00Z')).toISOString()).toBe('2024-01-02T06:00:00.000Z');
      expect(toWallClock(new Date('2024-01-01T07:00:00Z'), 'UTC')).toBe(wall('2024-01-01T07:00:00'));
    } finally {
      (Intl as { DateTimeFormat: unknown }).DateTimeFormat = real;
    }
  });
});
