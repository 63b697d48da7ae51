/**
 * Python's datetime text formats, where Airflow's strings depend on them: `isoformat()` (run ids,
 * the `ts` template variable), `str()` (the retry-backoff hash key), `strftime` / `strptime` (the
 * `ds_format` macro). Only the C/POSIX locale (English month and day names), as on Airflow's images.
 */
import { MacroError } from './errors.ts';

/** A Python datetime's fields. `offsetSeconds` null means naive (no tzinfo). */
export interface PyDateTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  microsecond: number;
  offsetSeconds: number | null;
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September',
  'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** Milliseconds since the epoch of the given UTC wall-clock fields, years 1..9999 included. */
export function utcMs(year: number, month: number, day: number, hour = 0, minute = 0, second = 0, ms = 0): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, ms);
  return d.getTime();
}

/** An aware UTC datetime (offset +00:00) from a JS Date. */
export function pyFromDate(d: Date): PyDateTime {
  return {
    year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(),
    minute: d.getUTCMinutes(), second: d.getUTCSeconds(), microsecond: d.getUTCMilliseconds() * 1000,
    offsetSeconds: 0,
  };
}

/** The instant a datetime names; a naive one is read as UTC. Microseconds are cut to milliseconds. */
export function pyToDate(p: PyDateTime): Date {
  const ms = utcMs(p.year, p.month, p.day, p.hour, p.minute, p.second, Math.floor(p.microsecond / 1000));
  return new Date(ms - (p.offsetSeconds ?? 0) * 1000);
}

function formatOffset(offsetSeconds: number, colon: boolean): string {
  const sign = offsetSeconds < 0 ? '-' : '+';
  const abs = Math.abs(offsetSeconds);
  const parts = [pad(Math.floor(abs / 3600)), pad(Math.floor((abs % 3600) / 60))];
  if (abs % 60 !== 0) parts.push(pad(abs % 60));
  return sign + parts.join(colon ? ':' : '');
}

/** Python's `datetime.isoformat(sep)`: microseconds only when non-zero, offset only when aware. */
export function pythonIsoformat(value: Date | PyDateTime, sep = 'T'): string {
  const p = value instanceof Date ? pyFromDate(value) : value;
  let s = `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}${sep}${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}`;
  if (p.microsecond !== 0) s += `.${pad(p.microsecond, 6)}`;
  if (p.offsetSeconds !== null) s += formatOffset(p.offsetSeconds, true);
  return s;
}

/**
 * Python's `str(datetime)` of an aware UTC datetime as read from the metastore:
 * `2024-01-01 00:00:00+00:00`. This is what an f-string such as Airflow's retry hash key prints.
 */
export function pythonStr(d: Date): string {
  return pythonIsoformat(d, ' ');
}

function weekday(p: PyDateTime): number {
  return new Date(utcMs(p.year, p.month, p.day)).getUTCDay();
}

function dayOfYear(p: PyDateTime): number {
  return Math.round((utcMs(p.year, p.month, p.day) - utcMs(p.year, 1, 1)) / 86_400_000) + 1;
}

/** Python's `strftime` with the directives Airflow users put in `ds_format`. Unknown ones are kept. */
export function strftime(p: PyDateTime, format: string): string {
  return format.replace(/%([a-zA-Z%])/g, (whole, c: string) => {
    switch (c) {
      case 'Y': return String(p.year);
      case 'y': return pad(p.year % 100);
      case 'm': return pad(p.month);
      case 'd': return pad(p.day);
      case 'e': return String(p.day).padStart(2, ' ');
      case 'H': return pad(p.hour);
      case 'I': return pad(p.hour % 12 === 0 ? 12 : p.hour % 12);
      case 'p': return p.hour < 12 ? 'AM' : 'PM';
      case 'M': return pad(p.minute);
      case 'S': return pad(p.second);
      case 'f': return pad(p.microsecond, 6);
      case 'b': return MONTHS[p.month - 1]!.slice(0, 3);
      case 'B': return MONTHS[p.month - 1]!;
      case 'a': return DAYS[weekday(p)]!.slice(0, 3);
      case 'A': return DAYS[weekday(p)]!;
      case 'w': return String(weekday(p));
      case 'u': return String(weekday(p) === 0 ? 7 : weekday(p));
      case 'j': return pad(dayOfYear(p), 3);
      case 'z': return p.offsetSeconds === null ? '' : formatOffset(p.offsetSeconds, false);
      case 'Z': return p.offsetSeconds === null ? '' : p.offsetSeconds === 0 ? 'UTC' : `UTC${formatOffset(p.offsetSeconds, true)}`;
      case '%': return '%';
      default: return whole;
    }
  });
}

// The patterns of Python's _strptime.TimeRE, for the directives supported here.
const STRPTIME_PATTERNS: Record<string, string> = {
  Y: '\\d\\d\\d\\d',
  y: '\\d\\d',
  m: '1[0-2]|0[1-9]|[1-9]',
  d: '3[01]|[12]\\d|0[1-9]|[1-9]| [1-9]',
  H: '2[0-3]|[0-1]\\d|\\d',
  I: '1[0-2]|0[1-9]|[1-9]',
  p: 'am|pm',
  M: '[0-5]\\d|\\d',
  S: '6[0-1]|[0-5]\\d|\\d',
  f: '[0-9]{1,6}',
  j: '36[0-6]|3[0-5]\\d|[12]\\d\\d|0[1-9]\\d|00[1-9]|[1-9]\\d|0[1-9]|[1-9]',
  b: MONTHS.map((m) => m.slice(0, 3)).join('|'),
  B: MONTHS.join('|'),
  a: DAYS.map((d) => d.slice(0, 3)).join('|'),
  A: DAYS.join('|'),
  w: '[0-6]',
  u: '[1-7]',
  z: '[+-]\\d\\d:?[0-5]\\d(?::?[0-5]\\d(?:\\.\\d{1,6})?)?|Z',
};

const daysInMonth = (year: number, month: number): number => new Date(utcMs(year, month + 1, 0)).getUTCDate();

/**
 * Python's `datetime.strptime`: the whole string must match; parsing is case-insensitive;
 * whitespace in the format matches any run of whitespace. Missing fields default to 1900-01-01
 * 00:00:00. Throws MacroError where Python raises ValueError.
 */
export function strptime(value: string, format: string): PyDateTime {
  const order: string[] = [];
  let source = '';
  for (let i = 0; i < format.length; i++) {
    const ch = format[i]!;
    if (ch === '%' && i + 1 < format.length) {
      const d = format[++i]!;
      if (d === '%') { source += '%'; continue; }
      const pattern = STRPTIME_PATTERNS[d];
      if (pattern === undefined) throw new MacroError(`'${d}' is a bad directive in format '${format}'`);
      if (order.includes(d)) throw new MacroError(`directive %${d} appears twice in format '${format}'`);
      order.push(d);
      source += `(${pattern})`;
    } else if (/\s/.test(ch)) {
      while (i + 1 < format.length && /\s/.test(format[i + 1]!)) i++;
      source += '\\s+';
    } else {
      source += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    }
  }
  const match = new RegExp(`^(?:${source})`, 'i').exec(value);
  if (match === null) throw new MacroError(`time data ${JSON.stringify(value)} does not match format ${JSON.stringify(format)}`);
  if (match[0].length !== value.length) throw new MacroError(`unconverted data remains: ${value.slice(match[0].length)}`);

  const got = new Map(order.map((d, i) => [d, match[i + 1]!]));
  const num = (d: string): number | undefined => (got.has(d) ? Number(got.get(d)!.trim()) : undefined);
  let year = num('Y') ?? 1900;
  const yy = num('y');
  if (!got.has('Y') && yy !== undefined) year = yy <= 68 ? 2000 + yy : 1900 + yy;
  let month = num('m') ?? 1;
  const monthName = got.get('B') ?? got.get('b');
  if (monthName !== undefined) month = MONTHS.findIndex((m) => m.toLowerCase().startsWith(monthName.toLowerCase())) + 1;
  let day = num('d') ?? 1;
  let hour = num('H') ?? 0;
  const hour12 = num('I');
  if (hour12 !== undefined) {
    const pm = (got.get('p') ?? 'am').toLowerCase() === 'pm';
    hour = (hour12 % 12) + (pm ? 12 : 0);
  }
  const minute = num('M') ?? 0;
  let second = num('S') ?? 0;
  if (second > 59) second = 59; // Python clamps leap seconds the same way
  const microsecond = got.has('f') ? Number(got.get('f')!.padEnd(6, '0')) : 0;
  let offsetSeconds: number | null = null;
  const z = got.get('z');
  if (z !== undefined) {
    if (z.toUpperCase() === 'Z') offsetSeconds = 0;
    else {
      const digits = z.slice(1).replace(/:/g, '');
      offsetSeconds = (Number(digits.slice(0, 2)) * 3600 + Number(digits.slice(2, 4)) * 60 + Number(digits.slice(4, 6) || 0))
        * (z.startsWith('-') ? -1 : 1);
    }
  }
  const julian = num('j');
  if (julian !== undefined && !got.has('m') && monthName === undefined && !got.has('d')) {
    // Like Python, day 366 of a common year rolls over into the next year.
    const d = new Date(utcMs(year, 1, 1) + (julian - 1) * 86_400_000);
    year = d.getUTCFullYear();
    month = d.getUTCMonth() + 1;
    day = d.getUTCDate();
  }
  if (day > daysInMonth(year, month)) throw new MacroError('day is out of range for month');
  return { year, month, day, hour, minute, second, microsecond, offsetSeconds };
}
