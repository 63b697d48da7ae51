/**
 * Schedules and data intervals: Airflow 2.x's NullTimetable, OnceTimetable,
 * CronDataIntervalTimetable and DeltaDataIntervalTimetable (`airflow/timetables/interval.py`,
 * `simple.py`), with `[scheduler] catchup_false_no_dagrun_airflow_2_fix` at its default (off).
 *
 * The run for the interval [start, end) has logical date `start` and is created once the interval
 * is over (`runAfter = end`). Cron schedules tick in the DAG's time zone (see cron.ts).
 *
 * Delta schedules add the delta as an absolute duration. Airflow adds it on a pendulum datetime,
 * which for whole days keeps the wall-clock time for the *first* run of a non-UTC DAG across a DST
 * change; every later run starts from the UTC end stored in the database and agrees with this.
 */
import type { CronClock } from './cron.ts';
import { CRON_PRESETS, cronClock, cronExpressionProblem } from './cron.ts';
import { describeCron } from './cron-description.ts';
import { DagValidationError } from './errors.ts';
import type { Schedule } from './serialized.ts';

export interface DataInterval {
  start: Date;
  end: Date;
}
export interface DagRunInfo {
  logicalDate: Date;
  dataInterval: DataInterval;
  /** When the run may be created (Airflow's next_dagrun_create_after). */
  runAfter: Date;
}
export interface TimetableDag {
  schedule: Schedule;
  timezone: string;
  /** ISO 8601 instants. */
  start_date: string | null;
  end_date: string | null;
  catchup: boolean;
}

const badSchedule = (raw: unknown, why: string): DagValidationError =>
  new DagValidationError('BAD_SCHEDULE', `invalid schedule ${describeRaw(raw)}: ${why}`, 'schedule');

function describeRaw(raw: unknown): string {
  try {
    return JSON.stringify(raw) ?? String(raw);
  } catch {
    return String(raw);
  }
}

function deltaSchedule(raw: unknown, seconds: unknown): Schedule {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds)) throw badSchedule(raw, 'the interval is not a number of seconds');
  if (seconds <= 0) throw badSchedule(raw, 'schedule interval must be positive');
  return { kind: 'delta', seconds };
}

/**
 * A schedule as DAG authors and parsers write it: null / undefined / "None" (no schedule),
 * "@once", a preset, a five-field cron string, a number of seconds, a serialized timedelta
 * (`{__type: 'timedelta', __var | seconds}`, or the REST API's `{__type: 'TimeDelta', days,
 * seconds, microseconds}`), or an already parsed Schedule (checked again).
 */
export function parseSchedule(raw: unknown): Schedule {
  if (raw === null || raw === undefined || raw === 'None') return { kind: 'none' };
  if (typeof raw === 'number') return deltaSchedule(raw, raw);
  if (typeof raw === 'string') return parseScheduleString(raw);
  if (typeof raw === 'object' && !Array.isArray(raw)) {
    const o = raw as Record<string, unknown>;
    if ('kind' in o) return checkSchedule(o, raw);
    const type = typeof o.__type === 'string' ? o.__type.toLowerCase() : undefined;
    if (type === 'timedelta') {
      if ('__var' in o) return deltaSchedule(raw, o.__var);
      const parts = [o.days ?? 0, o.seconds ?? 0, o.microseconds ?? 0];
      if (!parts.every((p) => typeof p === 'number' && Number.isFinite(p))) throw badSchedule(raw, 'timedelta fields must be numbers');
      const [days, seconds, micro] = parts as [number, number, number];
      return deltaSchedule(raw, days * 86_400 + seconds + micro / 1e6);
    }
    if (type === 'relativedelta') throw badSchedule(raw, 'relativedelta schedules are not supported');
  }
  throw badSchedule(raw, 'expected None, "@once", a cron preset or expression, or a timedelta');
}

function parseScheduleString(raw: string): Schedule {
  const s = raw.trim();
  if (s === '@once') return { kind: 'once' };
  if (s === '@continuous') throw badSchedule(raw, '@continuous (ContinuousTimetable) is not supported');
  if (s.startsWith('@')) {
    const expression = CRON_PRESETS[s];
    if (expression === undefined) throw badSchedule(raw, `unknown preset; expected @once or one of ${Object.keys(CRON_PRESETS).join(', ')}`);
    return { kind: 'cron', expression, raw: s };
  }
  const problem = cronExpressionProblem(s);
  if (problem !== null) throw badSchedule(raw, problem);
  return { kind: 'cron', expression: s.split(/\s+/).join(' '), raw: s };
}

function checkSchedule(o: Record<string, unknown>, raw: unknown): Schedule {
  switch (o.kind) {
    case 'none':
      return { kind: 'none' };
    case 'once':
      return { kind: 'once' };
    case 'delta':
      return deltaSchedule(raw, o.seconds);
    case 'cron': {
      if (typeof o.expression !== 'string' || typeof o.raw !== 'string') throw badSchedule(raw, 'cron needs string expression and raw');
      const problem = cronExpressionProblem(o.expression);
      if (problem !== null) throw badSchedule(raw, problem);
      return { kind: 'cron', expression: o.expression, raw: o.raw };
    }
    default:
      throw badSchedule(raw, 'unknown schedule kind');
  }
}

/** The four primitives of `_DataIntervalTimetable`, plus its catchup=False starting point. */
interface IntervalClock extends CronClock {
  skipToLatest(earliest: Date | null, now: Date): Date;
}

function intervalClock(schedule: Extract<Schedule, { kind: 'cron' | 'delta' }>, zone: string): IntervalClock {
  if (schedule.kind === 'delta') {
    const ms = schedule.seconds * 1000;
    return {
      next: (c) => new Date(c.getTime() + ms),
      prev: (c) => new Date(c.getTime() - ms),
      alignToNext: (c) => c,
      alignToPrev: (c) => c,
      skipToLatest(earliest, now) {
        // The latest complete interval, aligned to multiples of the delta since the epoch.
        const rounded = now.getTime() - (((now.getTime() % ms) + ms) % ms);
        const start = rounded - ms;
        return new Date(earliest === null ? start : Math.max(start, earliest.getTime()));
      },
    };
  }
  const clock = cronClock(schedule.expression, zone);
  return {
    ...clock,
    skipToLatest(earliest, now) {
      const lastStart = clock.prev(now);
      const nextStart = clock.next(lastStart);
      // On a boundary the interval that ends now is complete; otherwise the one before the
      // interval in progress.
      const start = nextStart.getTime() === now.getTime() ? lastStart : clock.prev(lastStart);
      if (earliest === null) return start;
      const aligned = clock.alignToNext(earliest);
      return aligned > start ? aligned : start;
    },
  };
}

const toDate = (s: string | null): Date | null => (s === null ? null : new Date(s));
const maxDate = (a: Date, b: Date): Date => (a.getTime() >= b.getTime() ? a : b);

/**
 * The next automated run after `lastAutomated` (the data interval of the latest scheduled run, or
 * null before the first), or null when the schedule has nothing left. `runAfter` may be in the
 * future; the caller stores it and creates the run once it has passed.
 */
export function nextDagRunInfo(dag: TimetableDag, lastAutomated: DataInterval | null, now: Date): DagRunInfo | null {
  const schedule = dag.schedule;
  const startDate = toDate(dag.start_date);
  const endDate = toDate(dag.end_date);
  switch (schedule.kind) {
    case 'none':
      return null;
    case 'once': {
      // Always at start_date, whatever catchup says, and only once.
      if (lastAutomated !== null || startDate === null) return null;
      if (endDate !== null && startDate > endDate) return null;
      return { logicalDate: startDate, dataInterval: { start: startDate, end: startDate }, runAfter: startDate };
    }
    case 'cron':
    case 'delta': {
      const clock = intervalClock(schedule, dag.timezone);
      let earliest = startDate;
      if (!dag.catchup) earliest = clock.skipToLatest(earliest, now);
      else if (earliest !== null) earliest = clock.alignToNext(earliest);
      let start: Date;
      if (lastAutomated === null) {
        if (earliest === null) return null;
        start = earliest;
      } else {
        // Aligning handles a schedule that changed since the last run.
        const alignedEnd = clock.alignToPrev(lastAutomated.end);
        start = earliest === null ? alignedEnd : maxDate(alignedEnd, earliest);
      }
      if (endDate !== null && start > endDate) return null;
      const end = clock.next(start);
      return { logicalDate: start, dataInterval: { start, end }, runAfter: end };
    }
    default: {
      const unreachable: never = schedule;
      throw new Error(`unknown schedule ${describeRaw(unreachable)}`);
    }
  }
}

/**
 * The data interval of a run triggered by hand at `logicalDate` (Airflow 2's
 * infer_manual_data_interval, with run_after = the logical date): for cron, the last complete
 * interval, i.e. ending at the latest tick at or before the logical date; for a delta,
 * [logical - delta, logical]; otherwise the instant itself.
 */
export function inferManualDataInterval(dag: Pick<TimetableDag, 'schedule' | 'timezone'>, logicalDate: Date): DataInterval {
  const schedule = dag.schedule;
  switch (schedule.kind) {
    case 'none':
    case 'once':
      return { start: logicalDate, end: logicalDate };
    case 'delta':
      return { start: new Date(logicalDate.getTime() - schedule.seconds * 1000), end: logicalDate };
    case 'cron': {
      const clock = cronClock(schedule.expression, dag.timezone);
      const end = clock.alignToPrev(logicalDate);
      return { start: clock.prev(end), end };
    }
    default: {
      const unreachable: never = schedule;
      throw new Error(`unknown schedule ${describeRaw(unreachable)}`);
    }
  }
}

/** Python's str(timedelta): `1 day, 0:00:00`, `0:05:00`, `2 days, 3:04:05.500000`. */
export function formatTimedelta(seconds: number): string {
  const totalMicro = Math.round(seconds * 1e6);
  const days = Math.floor(totalMicro / 86_400e6);
  let rest = totalMicro - days * 86_400e6;
  const h = Math.floor(rest / 3600e6);
  rest -= h * 3600e6;
  const m = Math.floor(rest / 60e6);
  rest -= m * 60e6;
  const s = Math.floor(rest / 1e6);
  const micro = rest - s * 1e6;
  let out = `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
  if (micro) out += `.${String(micro).padStart(6, '0')}`;
  if (days) out = `${days} day${Math.abs(days) === 1 ? '' : 's'}, ${out}`;
  return out;
}

/**
 * Airflow's `timetable.summary` (the DAG list's "schedule" column): "None", "@once", the cron
 * expression (presets resolved, as Airflow 2 stores them), or str(timedelta).
 */
export function scheduleSummary(s: Schedule): string {
  switch (s.kind) {
    case 'none': return 'None';
    case 'once': return '@once';
    case 'cron': return s.expression;
    case 'delta': return formatTimedelta(s.seconds);
    default: {
      const unreachable: never = s;
      throw new Error(`unknown schedule ${describeRaw(unreachable)}`);
    }
  }
}

/**
 * Airflow's `timetable.description` (DagModel.timetable_description): "Never, external triggers
 * only", "Once, as soon as possible", cron_descriptor's sentence for cron ("At 00:00"). Airflow
 * leaves it empty for delta schedules; this returns the summary there instead, so a UI always has
 * something to show.
 */
export function describeSchedule(s: Schedule): string {
  switch (s.kind) {
    case 'none': return 'Never, external triggers only';
    case 'once': return 'Once, as soon as possible';
    case 'cron': return describeCron(s.expression);
    case 'delta': return formatTimedelta(s.seconds);
    default: {
      const unreachable: never = s;
      throw new Error(`unknown schedule ${describeRaw(unreachable)}`);
    }
  }
}
