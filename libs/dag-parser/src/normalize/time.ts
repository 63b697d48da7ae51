/**
 * Dates, time zones and durations as DAG files give them (declaration.ts tags, plain strings,
 * numbers of seconds), read the way Airflow reads them: a naive datetime is wall-clock time in the
 * default time zone (`[core] default_timezone`), an aware one keeps its zone, and that zone
 * becomes the DAG's time zone. No dependency: time-zone arithmetic is done with Intl.
 */

/** Thrown by the helpers here; the normalizer turns it into a DagDeclarationError naming the field. */
export class TimeValueError extends Error {
  override readonly name = 'TimeValueError';
}

export interface ReadDatetime {
  /** ISO 8601 in UTC, e.g. "2024-01-01T00:00:00.000Z". */
  iso: string;
  /** The zone the value carried (IANA name or "+01:00"), or null for a naive value. */
  tz: string | null;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
      hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** The canonical name of a time zone ("utc" -> "UTC"), or a TimeValueError if the zone is unknown. */
export function canonicalZone(zone: string): string {
  if (/^(z|utc|gmt|etc\/utc)$/i.test(zone.trim())) return 'UTC';
  try {
    return formatterFor(zone.trim()).resolvedOptions().timeZone;
  } catch {
    throw new TimeValueError(`unknown time zone '${zone}'`);
  }
}

/** Offset of `zone` from UTC, in ms, at the instant `utcMs`. */
function offsetMs(zone: string, utcMs: number): number {
  // UTC needs no Intl: an Intl formatter maps the ICU time-zone data, 11 MiB of resident memory per process.
  if (zone === 'UTC') return 0;
  const parts = formatterFor(zone).formatToParts(new Date(utcMs));
  const n = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const wall = Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second'));
  return wall - Math.floor(utcMs / 1000) * 1000;
}

/**
 * The instant at which the clocks of `zone` show `wallMs` (wall-clock fields encoded as if UTC).
 * pendulum's default (POST_TRANSITION): an ambiguous time (DST overlap) is its second occurrence
 * (fold=1, as dag-model's timetables read wall-clock times), a time in a DST gap is moved forward by
 * the gap.
 */
function wallToUtc(zone: string, wallMs: number): number {
  const DAY = 86_400_000;
  const before = wallMs - offsetMs(zone, wallMs - DAY);
  const after = wallMs - offsetMs(zone, wallMs + DAY);
  const valid = [before, after].filter((c) => offsetMs(zone, c) === wallMs - c);
  return valid.length > 0 ? Math.max(...valid) : before;
}

// 2024-01-01 | 2024-01-01T10:00 | 2024-01-01 10:00:00.123456 | ...+02:00 | ...Z
const DATETIME_RE =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[Tt ]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * Reads a datetime. `value` is a declaration datetime tag or a string; `fallbackZone` is where
 * naive values are read (the tag's own `tz` wins when it has one).
 */
export function readDatetime(value: unknown, fallbackZone: string): ReadDatetime {
  let text: string;
  let tagZone: string | null = null;
  if (typeof value === 'string') {
    text = value;
  } else if (isTagged(value, 'datetime') && typeof value.value === 'string') {
    text = value.value;
    tagZone = typeof value.tz === 'string' && value.tz !== '' ? canonicalZone(value.tz) : null;
  } else {
    throw new TimeValueError(`expected a date or datetime, got ${describe(value)}`);
  }
  const m = DATETIME_RE.exec(text.trim());
  if (!m) throw new TimeValueError(`'${text}' is not an ISO 8601 date or datetime`);
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', offset] = m;
  const ms = Number(frac.padEnd(3, '0').slice(0, 3));
  const wall = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  const check = new Date(wall);
  if (Number.isNaN(wall) || check.getUTCDate() !== Number(d) || check.getUTCMonth() !== Number(mo) - 1
    || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) {
    throw new TimeValueError(`'${text}' is not a valid date`);
  }
  if (offset) {
    const offMs = parseOffset(offset);
    const instant = wall - offMs;
    // An explicit zone name on the tag (pendulum's tz) is more telling than the bare offset.
    return { iso: new Date(instant).toISOString(), tz: tagZone ?? offsetZoneName(offMs) };
  }
  const zone = tagZone ?? canonicalZone(fallbackZone);
  return { iso: new Date(wallToUtc(zone, wall)).toISOString(), tz: tagZone };
}

function parseOffset(offset: string): number {
  if (offset === 'Z' || offset === 'z') return 0;
  const sign = offset.startsWith('-') ? -1 : 1;
  const digits = offset.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
  return sign * (hours * 60 + minutes) * 60_000;
}

function offsetZoneName(offMs: number): string {
  if (offMs === 0) return 'UTC';
  const sign = offMs < 0 ? '-' : '+';
  const total = Math.abs(offMs) / 60_000;
  const hh = String(Math.floor(total / 60)).padStart(2, '0');
  const mm = String(total % 60).padStart(2, '0');
  return `${sign}${hh}:${mm}`;
}

/** Seconds of a duration: a timedelta tag or a number of seconds (Airflow accepts both for retry_delay). */
export function readSeconds(value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (isTagged(value, 'timedelta') && typeof value.seconds === 'number' && Number.isFinite(value.seconds)) {
    return value.seconds;
  }
  throw new TimeValueError(`expected a timedelta or a number of seconds, got ${describe(value)}`);
}

export function isTagged(value: unknown, type: string): value is Record<string, unknown> & { __type: string } {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    && (value as Record<string, unknown>).__type === type;
}

export function describe(value: unknown): string {
  if (value === null) return 'None';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') {
    const t = (value as Record<string, unknown>).__type;
    return typeof t === 'string' ? `a ${t}` : 'a mapping';
  }
  if (typeof value === 'string') return quoteShort(value);
  return `${typeof value} ${String(value)}`;
}

/** Longest quote of a value in an error message: errors are shown to every user who can see import errors. */
const QUOTE_MAX = 60;

/** A string value as an error quotes it: its first line, at most QUOTE_MAX characters. */
export function quoteShort(value: string): string {
  const firstLine = value.split(/\r?\n/, 1)[0]!;
  if (firstLine.length <= QUOTE_MAX && firstLine.length === value.length) return `'${value}'`;
  return `'${firstLine.slice(0, QUOTE_MAX)}…' (${value.length} characters)`;
}

/** Only the kind of a value, never its text: for values that may be a whole file's content. */
export function describeKind(value: unknown): string {
  if (typeof value === 'string') return `a string of ${value.length} characters`;
  return typeof value === 'object' || value === null ? describe(value) : `a ${typeof value}`;
}
