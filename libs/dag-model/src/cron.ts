/**
 * Cron expressions evaluated the way Airflow's CronMixin does (`airflow/timetables/_cron.py`):
 * croniter runs on *naive wall-clock time* in the DAG's time zone, and the result is made aware
 * again with fold=1, so that
 *  - a wall-clock time skipped by a DST jump (02:30 on the spring-forward night) moves forward by
 *    the gap (03:30 summer time), and
 *  - a wall-clock time that occurs twice (02:30 on the fall-back night) is its second occurrence.
 * Schedules that fire at least once an hour (hour field `*`) instead add the wall-clock distance
 * to the current instant, so `30 * * * *` still fires every hour across a DST change.
 *
 * One deliberate difference: croniter treats an instant less than a second after a tick as the
 * tick itself when looking backwards; here the tick is strictly before. It only matters when `now`
 * falls in that second.
 */
import { CronExpressionParser } from 'cron-parser';
import { DateTime, Settings } from 'luxon';

// Luxon asks Intl for the system's locale on the first DateTime it makes, which maps ICU's locale data (11 MiB of
// resident memory in every scheduler) though only zone offsets are ever read here; a fixed locale avoids it. Zones
// other than UTC still use Intl, as they must.
Settings.defaultLocale = 'en-US';
import { utcMs } from './python-datetime.ts';

/** Airflow's cron_presets, plus croniter's own @midnight / @annually. */
export const CRON_PRESETS: Readonly<Record<string, string>> = {
  '@hourly': '0 * * * *',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@weekly': '0 0 * * 0',
  '@monthly': '0 0 1 * *',
  '@quarterly': '0 0 1 */3 *',
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
};

/**
 * Why a five-field cron expression is not usable, or null when it is. `H` (random jitter) is
 * refused: croniter only accepts it with a hash id Airflow never passes, and a schedule must not
 * change between parses.
 */
export function cronExpressionProblem(expression: string): string | null {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) return `a cron expression has 5 fields, got ${fields.length}`;
  // Month and day names (JAN, THU, ...) are three letters or more; a lone H is the hash.
  if (/h/i.test(expression.replace(/[a-z]{3,}/gi, ''))) return 'the H (hash) character is not supported';
  try {
    CronExpressionParser.parse(fields.join(' '), { tz: 'UTC', currentDate: new Date(0) });
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

export function isValidTimeZone(zone: string): boolean {
  if (/^(utc|etc\/utc)$/i.test(zone)) return true;
  return DateTime.now().setZone(zone).isValid;
}

/** Offset of `zone` at an instant, in milliseconds east of UTC. */
function offsetMs(epochMs: number, zone: string): number {
  return DateTime.fromMillis(epochMs, { zone }).offset * 60_000;
}

/** Airflow's make_naive: the wall-clock time of an instant, encoded as if it were UTC. */
export function toWallClock(instant: Date, zone: string): number {
  return instant.getTime() + offsetMs(instant.getTime(), zone);
}

/** Airflow's make_aware with fold=1 (see the file comment) for a wall-clock time encoded as UTC. */
export function fromWallClock(wall: number, zone: string): Date {
  const candidates = new Set([offsetMs(wall - 86_400_000, zone), offsetMs(wall, zone), offsetMs(wall + 86_400_000, zone)]);
  let best: number | null = null;
  for (const o of candidates) {
    const instant = wall - o;
    if (offsetMs(instant, zone) === o && (best === null || instant > best)) best = instant;
  }
  // No offset maps back to this wall time: it lies in a DST gap. Read it with the offset in force
  // before the gap, which lands as far after the gap as the time was into it.
  return new Date(best ?? wall - offsetMs(wall - 86_400_000, zone));
}

/** A cron schedule in a time zone, with the four primitives the interval timetable needs. */
export interface CronClock {
  /** First tick strictly after `current`. */
  next(current: Date): Date;
  /** Last tick strictly before `current`. */
  prev(current: Date): Date;
  /** `current` when it is a tick, else the next tick. */
  alignToNext(current: Date): Date;
  /** `current` when it is a tick, else the previous tick. */
  alignToPrev(current: Date): Date;
}

export function cronClock(expression: string, zone: string): CronClock {
  const normalized = expression.trim().split(/\s+/).join(' ');
  const probe = CronExpressionParser.parse(normalized, { tz: 'UTC', currentDate: new Date(0) });
  const coversEveryHour = probe.fields.hour.values.length === 24;

  const step = (current: Date, direction: 1 | -1): Date => {
    const naive = toWallClock(current, zone);
    const it = CronExpressionParser.parse(normalized, { tz: 'UTC', currentDate: new Date(naive) });
    const scheduled = (direction === 1 ? it.next() : it.prev()).toDate().getTime();
    if (!coversEveryHour) return fromWallClock(scheduled, zone);
    return new Date(current.getTime() + (scheduled - naive));
  };
  const next = (c: Date) => step(c, 1);
  const prev = (c: Date) => step(c, -1);
  return {
    next,
    prev,
    alignToNext(current) {
      const n = next(current);
      return prev(n).getTime() !== current.getTime() ? n : current;
    },
    alignToPrev(current) {
      const p = prev(current);
      return next(p).getTime() !== current.getTime() ? p : current;
    },
  };
}

/** A wall-clock time (year, month, ...) in `zone` as an instant; for tests and callers building dates. */
export function zonedTime(zone: string, year: number, month: number, day: number, hour = 0, minute = 0): Date {
  return fromWallClock(utcMs(year, month, day, hour, minute), zone);
}
