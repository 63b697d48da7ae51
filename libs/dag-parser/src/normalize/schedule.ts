/**
 * The DAG's schedule, from `schedule` or its deprecated aliases `schedule_interval` and `timetable`
 * (Airflow accepts at most one of them). Cron expressions and presets are parsed by dag-model's
 * parseSchedule; None, timedeltas and the built-in timetables are read here.
 */
import { parseSchedule, type Schedule } from '@windsock/dag-model';
import { describe, isTagged } from './time.ts';
import { fail, type Where } from './read.ts';

const SCHEDULE_KEYS = ['schedule', 'schedule_interval', 'timetable'] as const;

export function readSchedule(where: Where, kwargs: Record<string, unknown>, fallback: Schedule): Schedule {
  const given = SCHEDULE_KEYS.filter((k) => kwargs[k] !== undefined);
  if (given.length > 1) {
    throw fail(where, 'INVALID_SCHEDULE', given.join('/'),
      `give at most one of 'schedule', 'schedule_interval' and 'timetable' (got ${given.join(', ')})`);
  }
  if (given.length === 0) return fallback;
  const field = given[0]!;
  const raw = kwargs[field];
  if (field === 'timetable' && raw !== null) return readTimetable(where, raw);
  return readScheduleValue(where, field, raw);
}

function readScheduleValue(where: Where, field: string, raw: unknown): Schedule {
  if (raw === null) return { kind: 'none' };
  if (isTagged(raw, 'timedelta')) {
    const seconds = raw.seconds;
    if (typeof seconds !== 'number' || !(seconds > 0)) {
      throw fail(where, 'INVALID_SCHEDULE', field, `a timedelta schedule must be positive, got ${String(seconds)} s`);
    }
    return { kind: 'delta', seconds };
  }
  if (typeof raw === 'string') {
    if (raw.trim() === '@continuous') {
      throw fail(where, 'INVALID_SCHEDULE', field, "'@continuous' schedules are not supported by Windsock");
    }
    return parseCron(where, field, raw);
  }
  if (Array.isArray(raw) || isTagged(raw, 'dataset')) {
    throw fail(where, 'INVALID_SCHEDULE', field, 'dataset/asset-triggered schedules are not supported by Windsock');
  }
  if (typeof raw === 'object' && raw !== null) return readTimetable(where, raw);
  throw fail(where, 'INVALID_SCHEDULE', field,
    `expected a cron expression, a preset (@daily...), None or a timedelta, got ${describe(raw)}`);
}

function parseCron(where: Where, field: string, text: string): Schedule {
  try {
    return parseSchedule(text);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw fail(where, 'INVALID_SCHEDULE', field, why.includes(text) ? why : `'${text}': ${why}`, err);
  }
}

/**
 * A timetable object: dag-factory writes `{callable: <import path>, params: {...}}`; a recorded
 * Python object is `{__type: <import path>, ...kwargs}`. Only Airflow's built-in timetables map onto
 * Windsock's schedules. A cron timetable's own `timezone` is not kept: Windsock evaluates cron in the
 * DAG's time zone.
 */
function readTimetable(where: Where, raw: unknown): Schedule {
  const obj = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const path = typeof obj.callable === 'string' ? obj.callable : typeof obj.__type === 'string' ? obj.__type : null;
  const params = (typeof obj.params === 'object' && obj.params !== null ? obj.params : obj) as Record<string, unknown>;
  const cls = path?.split('.').pop() ?? '';
  switch (cls) {
    case 'NullTimetable':
      return { kind: 'none' };
    case 'OnceTimetable':
      return { kind: 'once' };
    case 'CronDataIntervalTimetable':
    case 'CronTriggerTimetable':
      if (typeof params.cron !== 'string') {
        throw fail(where, 'INVALID_SCHEDULE', 'timetable', `${cls} needs a 'cron' string`);
      }
      return parseCron(where, 'timetable', params.cron);
    case 'DeltaDataIntervalTimetable':
      return readScheduleValue(where, 'timetable', params.delta);
    default:
      throw fail(where, 'INVALID_SCHEDULE', 'timetable',
        `timetable '${path ?? describe(raw)}' is not supported; use a cron expression, a preset, a timedelta or None`);
  }
}
