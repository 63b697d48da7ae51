import { describe, expect, it } from 'vitest';
import { MacroError } from './errors.ts';
import type { PyDateTime } from './python-datetime.ts';
import { pyFromDate, pythonIsoformat, pythonStr, pyToDate, strftime, strptime } from './python-datetime.ts';

const naive = (over: Partial<PyDateTime> = {}): PyDateTime => ({
  year: 2024, month: 3, day: 5, hour: 17, minute: 8, second: 9, microsecond: 123456, offsetSeconds: null, ...over,
});

// Expected values printed by CPython 3 (datetime.strftime / strptime / isoformat).
describe('strftime', () => {
  it.each([
    ['%Y-%m-%d', '2024-03-05'],
    ['%y%m%d', '240305'],
    ['%d %b %Y', '05 Mar 2024'],
    ['%A, %B %d', 'Tuesday, March 05'],
    ['%a %j', 'Tue 065'],
    ['%H:%M:%S.%f', '17:08:09.123456'],
    ['%I %p', '05 PM'],
    ['%%Y', '%Y'],
    ['%w %u', '2 2'],
    ['%e', ' 5'],
    ['%z|%Z', '|'],
  ])('%s', (format, expected) => {
    expect(strftime(naive(), format)).toBe(expected);
  });

  it('prints offsets of aware datetimes', () => {
    expect(strftime(naive({ microsecond: 0, offsetSeconds: 5.5 * 3600 }), '%z|%Z')).toBe('+0530|UTC+05:30');
    expect(strftime(pyFromDate(new Date('2024-01-01T00:00:00Z')), '%z|%Z')).toBe('+0000|UTC');
  });
});

describe('strptime', () => {
  it.each([
    ['2024-03-05', '%Y-%m-%d', '2024-03-05T00:00:00'],
    ['05/03/24', '%d/%m/%y', '2024-03-05T00:00:00'],
    ['5 mar 2024', '%d %b %Y', '2024-03-05T00:00:00'],
    ['MARCH 5, 1999', '%B %d, %Y', '1999-03-05T00:00:00'],
    ['2024-065', '%Y-%j', '2024-03-05T00:00:00'],
    ['2023-366', '%Y-%j', '2024-01-01T00:00:00'],
    ['2024-03-05T10:11:12.5+0130', '%Y-%m-%dT%H:%M:%S.%f%z', '2024-03-05T10:11:12.500000+01:30'],
    ['12 AM', '%I %p', '1900-01-01T00:00:00'],
    ['07 pm', '%I %p', '1900-01-01T19:00:00'],
    ['2024  03', '%Y %m', '2024-03-01T00:00:00'],
    ['69', '%y', '1969-01-01T00:00:00'],
    ['68', '%y', '2068-01-01T00:00:00'],
    ['Tue 2024-03-05', '%a %Y-%m-%d', '2024-03-05T00:00:00'],
    ['2024-03-05Z', '%Y-%m-%d%z', '2024-03-05T00:00:00+00:00'],
  ])('%s with %s', (value, format, expected) => {
    expect(pythonIsoformat(strptime(value, format))).toBe(expected);
  });

  it.each([
    ['2024-02-30', '%Y-%m-%d', 'day is out of range for month'],
    ['2024-03-05x', '%Y-%m-%d', 'unconverted data remains: x'],
    ['24-03-05', '%Y-%m-%d', 'does not match format'],
    ['2024', '%Q', 'bad directive'],
  ])('%s with %s raises like Python', (value, format, message) => {
    expect(() => strptime(value, format)).toThrow(MacroError);
    expect(() => strptime(value, format)).toThrow(message);
  });
});

describe('isoformat and str', () => {
  it.each([
    ['2024-01-01T00:00:00.000Z', '2024-01-01T00:00:00+00:00', '2024-01-01 00:00:00+00:00'],
    ['2024-05-03T10:11:12.123Z', '2024-05-03T10:11:12.123000+00:00', '2024-05-03 10:11:12.123000+00:00'],
  ])('%s', (iso, isoformat, str) => {
    expect(pythonIsoformat(new Date(iso))).toBe(isoformat);
    expect(pythonStr(new Date(iso))).toBe(str);
    expect(pyToDate(pyFromDate(new Date(iso))).toISOString()).toBe(iso);
  });
  it('a naive datetime has no offset', () => {
    expect(pythonIsoformat(naive({ microsecond: 0 }))).toBe('2024-03-05T17:08:09');
  });
});
