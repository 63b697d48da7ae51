import { describe, expect, it } from 'vitest';
import { DagValidationError } from './errors.ts';
import type { Schedule } from './serialized.ts';
import type { DataInterval, TimetableDag } from './timetable.ts';
import {
  describeSchedule, formatTimedelta, inferManualDataInterval, nextDagRunInfo, parseSchedule, scheduleSummary,
} from './timetable.ts';

const D = (s: string) => new Date(s);
const iso = (d: Date) => d.toISOString().replace('.000Z', 'Z');
const dag = (schedule: unknown, over: Partial<TimetableDag> = {}): TimetableDag => ({
  schedule: parseSchedule(schedule), timezone: 'UTC', start_date: '2024-01-01T00:00:00Z', end_date: null, catchup: true, ...over,
});
const interval = (start: string, end: string): DataInterval => ({ start: D(start), end: D(end) });
/** The next run as [start, end, runAfter] in compact ISO, or null. */
function next(d: TimetableDag, last: DataInterval | null, now = '2030-01-01T00:00:00Z'): [string, string, string] | null {
  const info = nextDagRunInfo(d, last, D(now));
  if (info === null) return null;
  expect(info.logicalDate).toEqual(info.dataInterval.start);
  return [iso(info.dataInterval.start), iso(info.dataInterval.end), iso(info.runAfter)];
}
/** The first `n` automated runs' interval starts, chaining lastAutomated. */
function starts(d: TimetableDag, n: number, now = '2030-01-01T00:00:00Z'): string[] {
  const out: string[] = [];
  let last: DataInterval | null = null;
  for (let i = 0; i < n; i++) {
    const info = nextDagRunInfo(d, last, D(now));
    if (info === null) break;
    out.push(`${iso(info.dataInterval.start)}..${iso(info.dataInterval.end)}`);
    last = info.dataInterval;
  }
  return out;
}

describe('parseSchedule', () => {
  it.each([
    [null, { kind: 'none' }],
    [undefined, { kind: 'none' }],
    ['None', { kind: 'none' }],
    ['@once', { kind: 'once' }],
    ['@hourly', { kind: 'cron', expression: '0 * * * *', raw: '@hourly' }],
    ['@daily', { kind: 'cron', expression: '0 0 * * *', raw: '@daily' }],
    ['@midnight', { kind: 'cron', expression: '0 0 * * *', raw: '@midnight' }],
    ['@weekly', { kind: 'cron', expression: '0 0 * * 0', raw: '@weekly' }],
    ['@monthly', { kind: 'cron', expression: '0 0 1 * *', raw: '@monthly' }],
    ['@quarterly', { kind: 'cron', expression: '0 0 1 */3 *', raw: '@quarterly' }],
    ['@yearly', { kind: 'cron', expression: '0 0 1 1 *', raw: '@yearly' }],
    ['@annually', { kind: 'cron', expression: '0 0 1 1 *', raw: '@annually' }],
    ['30 2 * * 1-5', { kind: 'cron', expression: '30 2 * * 1-5', raw: '30 2 * * 1-5' }],
    ['  */5   *  * * * ', { kind: 'cron', expression: '*/5 * * * *', raw: '*/5   *  * * *' }],
    ['0 0 * * THU', { kind: 'cron', expression: '0 0 * * THU', raw: '0 0 * * THU' }],
    [3600, { kind: 'delta', seconds: 3600 }],
    [{ __type: 'timedelta', __var: 86400.0 }, { kind: 'delta', seconds: 86400 }],
    [{ __type: 'timedelta', seconds: 30 }, { kind: 'delta', seconds: 30 }],
    [{ __type: 'TimeDelta', days: 1, seconds: 3600, microseconds: 500000 }, { kind: 'delta', seconds: 90000.5 }],
    [{ kind: 'cron', expression: '0 0 * * *', raw: '@daily' }, { kind: 'cron', expression: '0 0 * * *', raw: '@daily' }],
    [{ kind: 'delta', seconds: 60 }, { kind: 'delta', seconds: 60 }],
  ] as [unknown, Schedule][])('%j', (raw, expected) => {
    expect(parseSchedule(raw)).toEqual(expected);
  });

  it.each([
    ['@continuous'], ['@fortnightly'], ['0 0 * *'], ['0 0 * * * *'], ['61 * * * *'], ['0 25 * * *'], ['H * * * *'],
    ['not a cron'], [0], [-60], [Number.NaN], [{ __type: 'timedelta', __var: -1 }], [{ __type: 'relativedelta', months: 1 }],
    [{ kind: 'cron', expression: 'nope', raw: 'nope' }], [{ kind: 'weekly' }], [[1, 2]], [true], ['0 0 30 2 *'],
  ])('rejects %j with BAD_SCHEDULE naming the value', (raw) => {
    try {
      parseSchedule(raw);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DagValidationError);
      expect((e as DagValidationError).code).toBe('BAD_SCHEDULE');
      expect((e as Error).message).toContain(JSON.stringify(raw) ?? String(raw));
    }
  });
});

describe('nextDagRunInfo: cron presets from start_date 2024-01-01 (a Monday), catchup', () => {
  it.each([
    ['@hourly', ['2024-01-01T00:00:00Z..2024-01-01T01:00:00Z', '2024-01-01T01:00:00Z..2024-01-01T02:00:00Z']],
    ['@daily', ['2024-01-01T00:00:00Z..2024-01-02T00:00:00Z', '2024-01-02T00:00:00Z..2024-01-03T00:00:00Z']],
    ['@midnight', ['2024-01-01T00:00:00Z..2024-01-02T00:00:00Z', '2024-01-02T00:00:00Z..2024-01-03T00:00:00Z']],
    ['@weekly', ['2024-01-07T00:00:00Z..2024-01-14T00:00:00Z', '2024-01-14T00:00:00Z..2024-01-21T00:00:00Z']],
    ['@monthly', ['2024-01-01T00:00:00Z..2024-02-01T00:00:00Z', '2024-02-01T00:00:00Z..2024-03-01T00:00:00Z']],
    ['@quarterly', ['2024-01-01T00:00:00Z..2024-04-01T00:00:00Z', '2024-04-01T00:00:00Z..2024-07-01T00:00:00Z']],
    ['@yearly', ['2024-01-01T00:00:00Z..2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z..2026-01-01T00:00:00Z']],
    ['@annually', ['2024-01-01T00:00:00Z..2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z..2026-01-01T00:00:00Z']],
  ])('%s', (preset, expected) => {
    expect(starts(dag(preset), 2)).toEqual(expected);
  });

  it('the first @daily run is created when its interval closes, with run_after = end', () => {
    expect(next(dag('@daily'), null)).toEqual(['2024-01-01T00:00:00Z', '2024-01-02T00:00:00Z', '2024-01-02T00:00:00Z']);
  });
});

describe('nextDagRunInfo: catchup, start_date, end_date', () => {
  it('catchup=True continues from the last interval even when far behind now', () => {
    expect(next(dag('@daily'), interval('2024-01-10T00:00:00Z', '2024-01-11T00:00:00Z'), '2024-06-01T12:00:00Z'))
      .toEqual(['2024-01-11T00:00:00Z', '2024-01-12T00:00:00Z', '2024-01-12T00:00:00Z']);
  });

  it('an unaligned start_date starts at the first tick after it', () => {
    expect(next(dag('@daily', { start_date: '2024-01-01T10:00:00Z' }), null))
      .toEqual(['2024-01-02T00:00:00Z', '2024-01-03T00:00:00Z', '2024-01-03T00:00:00Z']);
    expect(next(dag('0 * * * *', { start_date: '2024-01-01T10:30:00Z' }), null))
      .toEqual(['2024-01-01T11:00:00Z', '2024-01-01T12:00:00Z', '2024-01-01T12:00:00Z']);
  });

  it.each([
    ['between ticks: the latest complete interval', '2024-01-05T12:00:00Z', null, ['2024-01-04T00:00:00Z', '2024-01-05T00:00:00Z', '2024-01-05T00:00:00Z']],
    ['exactly on a tick: the interval that just ended', '2024-01-05T00:00:00Z', null, ['2024-01-04T00:00:00Z', '2024-01-05T00:00:00Z', '2024-01-05T00:00:00Z']],
    ['after that run: the interval in progress, due in the future', '2024-01-05T12:00:00Z', interval('2024-01-04T00:00:00Z', '2024-01-05T00:00:00Z'),
      ['2024-01-05T00:00:00Z', '2024-01-06T00:00:00Z', '2024-01-06T00:00:00Z']],
    ['long paused: skips the missed intervals', '2024-03-10T08:00:00Z', interval('2024-01-04T00:00:00Z', '2024-01-05T00:00:00Z'),
      ['2024-03-09T00:00:00Z', '2024-03-10T00:00:00Z', '2024-03-10T00:00:00Z']],
  ] as const)('catchup=False %s', (_label, now, last, expected) => {
    expect(next(dag('@daily', { catchup: false }), last, now)).toEqual(expected);
  });

  it('catchup=False never starts before start_date', () => {
    expect(next(dag('@daily', { catchup: false, start_date: '2024-02-01T06:00:00Z' }), null, '2024-01-05T12:00:00Z'))
      .toEqual(['2024-02-02T00:00:00Z', '2024-02-03T00:00:00Z', '2024-02-03T00:00:00Z']);
  });

  it('catchup=False without start_date still schedules the latest interval', () => {
    expect(next(dag('@hourly', { catchup: false, start_date: null }), null, '2024-01-05T12:34:00Z'))
      .toEqual(['2024-01-05T11:00:00Z', '2024-01-05T12:00:00Z', '2024-01-05T12:00:00Z']);
  });

  it('catchup=True without start_date has nothing to start from', () => {
    expect(next(dag('@daily', { start_date: null }), null)).toBeNull();
  });

  it('end_date: a run may start at end_date but not after it', () => {
    const d = dag('@daily', { end_date: '2024-01-03T00:00:00Z' });
    expect(starts(d, 10)).toEqual([
      '2024-01-01T00:00:00Z..2024-01-02T00:00:00Z', '2024-01-02T00:00:00Z..2024-01-03T00:00:00Z',
      '2024-01-03T00:00:00Z..2024-01-04T00:00:00Z',
    ]);
    expect(next(dag('@daily', { end_date: '2024-01-02T12:00:00Z' }), interval('2024-01-02T00:00:00Z', '2024-01-03T00:00:00Z'))).toBeNull();
  });

  it('a changed schedule realigns the last interval end', () => {
    expect(next(dag('0 12 * * *'), interval('2024-01-01T00:00:00Z', '2024-01-02T00:00:00Z')))
      .toEqual(['2024-01-01T12:00:00Z', '2024-01-02T12:00:00Z', '2024-01-02T12:00:00Z']);
  });
});

describe('nextDagRunInfo: time zones', () => {
  const ams = (schedule: string, over: Partial<TimetableDag> = {}) =>
    dag(schedule, { timezone: 'Europe/Amsterdam', start_date: '2024-03-29T00:00:00Z', ...over });

  it('daily at midnight local time', () => {
    expect(starts(ams('@daily', { start_date: '2024-01-10T00:00:00Z' }), 1)).toEqual(['2024-01-10T23:00:00Z..2024-01-11T23:00:00Z']);
  });

  it('02:30 daily across spring forward: the missing 02:30 becomes 03:30 summer time (a 23 h interval follows)', () => {
    expect(starts(ams('30 2 * * *'), 4)).toEqual([
      '2024-03-29T01:30:00Z..2024-03-30T01:30:00Z',
      '2024-03-30T01:30:00Z..2024-03-31T01:30:00Z',
      '2024-03-31T01:30:00Z..2024-04-01T00:30:00Z',
      '2024-04-01T00:30:00Z..2024-04-02T00:30:00Z',
    ]);
  });

  it('02:30 daily across fall back: the second 02:30 (winter time) is used', () => {
    expect(starts(ams('30 2 * * *', { start_date: '2024-10-25T12:00:00Z' }), 3)).toEqual([
      '2024-10-26T00:30:00Z..2024-10-27T01:30:00Z',
      '2024-10-27T01:30:00Z..2024-10-28T01:30:00Z',
      '2024-10-28T01:30:00Z..2024-10-29T01:30:00Z',
    ]);
  });

  it('hourly schedules keep firing every real hour across fall back (02:30 happens twice)', () => {
    expect(starts(ams('30 * * * *', { start_date: '2024-10-26T23:00:00Z' }), 4)).toEqual([
      '2024-10-26T23:30:00Z..2024-10-27T00:30:00Z',
      '2024-10-27T00:30:00Z..2024-10-27T01:30:00Z',
      '2024-10-27T01:30:00Z..2024-10-27T02:30:00Z',
      '2024-10-27T02:30:00Z..2024-10-27T03:30:00Z',
    ]);
  });

  it('hourly schedules across spring forward skip no real hour', () => {
    expect(starts(ams('30 * * * *', { start_date: '2024-03-30T23:45:00Z' }), 3)).toEqual([
      '2024-03-31T00:30:00Z..2024-03-31T01:30:00Z',
      '2024-03-31T01:30:00Z..2024-03-31T02:30:00Z',
      '2024-03-31T02:30:00Z..2024-03-31T03:30:00Z',
    ]);
  });

  it('catchup=False in a time zone picks the latest complete local day', () => {
    expect(next(ams('@daily', { catchup: false }), null, '2024-07-10T12:00:00Z'))
      .toEqual(['2024-07-08T22:00:00Z', '2024-07-09T22:00:00Z', '2024-07-09T22:00:00Z']);
  });

  it('New York weekdays at 09:00', () => {
    expect(starts(dag('0 9 * * 1-5', { timezone: 'America/New_York', start_date: '2024-03-08T00:00:00Z' }), 2)).toEqual([
      '2024-03-08T14:00:00Z..2024-03-11T13:00:00Z', // Friday EST .. Monday EDT
      '2024-03-11T13:00:00Z..2024-03-12T13:00:00Z',
    ]);
  });
});

describe('nextDagRunInfo: delta, once, none', () => {
  it('delta with catchup follows start_date without alignment', () => {
    expect(starts(dag(3600, { start_date: '2024-01-01T00:15:00Z' }), 2))
      .toEqual(['2024-01-01T00:15:00Z..2024-01-01T01:15:00Z', '2024-01-01T01:15:00Z..2024-01-01T02:15:00Z']);
  });

  it('delta with catchup=False: the latest complete interval aligned to the epoch', () => {
    expect(next(dag(3600, { catchup: false }), null, '2024-01-05T12:34:00Z'))
      .toEqual(['2024-01-05T11:00:00Z', '2024-01-05T12:00:00Z', '2024-01-05T12:00:00Z']);
    expect(next(dag(3600, { catchup: false, start_date: '2024-01-05T11:20:00Z' }), null, '2024-01-05T12:34:00Z'))
      .toEqual(['2024-01-05T11:20:00Z', '2024-01-05T12:20:00Z', '2024-01-05T12:20:00Z']);
  });

  it('delta continues from the last end, and stops after end_date', () => {
    const d = dag({ __type: 'timedelta', __var: 86400 }, { end_date: '2024-01-02T00:00:00Z' });
    expect(next(d, interval('2024-01-01T00:00:00Z', '2024-01-02T00:00:00Z'))).toEqual(['2024-01-02T00:00:00Z', '2024-01-03T00:00:00Z', '2024-01-03T00:00:00Z']);
    expect(next(d, interval('2024-01-02T00:00:00Z', '2024-01-03T00:00:00Z'))).toBeNull();
  });

  it('@once runs at start_date whatever catchup says, then never again', () => {
    const once = dag('@once', { catchup: false, start_date: '2024-01-01T05:00:00Z' });
    expect(next(once, null)).toEqual(['2024-01-01T05:00:00Z', '2024-01-01T05:00:00Z', '2024-01-01T05:00:00Z']);
    expect(next(once, interval('2024-01-01T05:00:00Z', '2024-01-01T05:00:00Z'))).toBeNull();
    expect(next(dag('@once', { start_date: null }), null)).toBeNull();
    expect(next(dag('@once', { end_date: '2023-12-31T00:00:00Z' }), null)).toBeNull();
  });

  it('no schedule never runs by itself', () => {
    expect(next(dag(null), null)).toBeNull();
  });
});

describe('inferManualDataInterval', () => {
  const manual = (d: TimetableDag, at: string) => {
    const i = inferManualDataInterval(d, D(at));
    return [iso(i.start), iso(i.end)];
  };
  it.each([
    ['@daily between ticks: the last complete day', dag('@daily'), '2024-01-25T01:00:00Z', ['2024-01-24T00:00:00Z', '2024-01-25T00:00:00Z']],
    ['@daily on a tick', dag('@daily'), '2024-01-25T00:00:00Z', ['2024-01-24T00:00:00Z', '2024-01-25T00:00:00Z']],
    ['@hourly', dag('@hourly'), '2024-01-25T10:59:59Z', ['2024-01-25T09:00:00Z', '2024-01-25T10:00:00Z']],
    ['local midnight in Amsterdam', dag('@daily', { timezone: 'Europe/Amsterdam' }), '2024-07-10T12:00:00Z', ['2024-07-08T22:00:00Z', '2024-07-09T22:00:00Z']],
    ['delta', dag(1800), '2024-01-25T10:10:00Z', ['2024-01-25T09:40:00Z', '2024-01-25T10:10:00Z']],
    ['@once', dag('@once'), '2024-01-25T10:10:00Z', ['2024-01-25T10:10:00Z', '2024-01-25T10:10:00Z']],
    ['none', dag(null), '2024-01-25T10:10:00Z', ['2024-01-25T10:10:00Z', '2024-01-25T10:10:00Z']],
  ] as const)('%s', (_label, d, at, expected) => {
    expect(manual(d, at)).toEqual(expected);
  });
});

describe('scheduleSummary / describeSchedule', () => {
  it.each([
    [null, 'None', 'Never, external triggers only'],
    ['@once', '@once', 'Once, as soon as possible'],
    ['@daily', '0 0 * * *', 'At 00:00'],
    ['@hourly', '0 * * * *', 'Every hour'],
    ['@weekly', '0 0 * * 0', 'At 00:00, only on Sunday'],
    ['@monthly', '0 0 1 * *', 'At 00:00, on day 1 of the month'],
    ['@quarterly', '0 0 1 */3 *', 'At 00:00, on day 1 of the month, every 3 months'],
    ['@yearly', '0 0 1 1 *', 'At 00:00, on day 1 of the month, only in January'],
    ['*/5 * * * *', '*/5 * * * *', 'Every 5 minutes'],
    ['30 2 * * 1-5', '30 2 * * 1-5', 'At 02:30, Monday through Friday'],
    ['15 10 * * 1,3', '15 10 * * 1,3', 'At 10:15, only on Monday and Wednesday'],
    ['30 6,14,16 * * *', '30 6,14,16 * * *', 'At 06:30, 14:30 and 16:30'],
    ['0 0 * * 1#2', '0 0 * * 1#2', 'At 00:00, on the second Monday of the month'],
    ['0 0 L * *', '0 0 L * *', 'At 00:00, on the last day of the month'],
    ['*/5 3 * * *', '*/5 3 * * *', 'Every 5 minutes, between 03:00 and 03:59'],
    [86400, '1 day, 0:00:00', '1 day, 0:00:00'],
    [300, '0:05:00', '0:05:00'],
  ])('%j', (raw, summary, description) => {
    const s = parseSchedule(raw);
    expect(scheduleSummary(s)).toBe(summary);
    expect(describeSchedule(s)).toBe(description);
  });

  it.each([[172_800 + 11_045.5, '2 days, 3:04:05.500000'], [59, '0:00:59'], [3600, '1:00:00']])('formatTimedelta(%d)', (s, out) => {
    expect(formatTimedelta(s)).toBe(out);
  });
});
