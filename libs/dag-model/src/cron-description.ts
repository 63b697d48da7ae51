/**
 * The English sentence Airflow shows for a cron schedule (its `timetable_description`), from the
 * Python cron-descriptor package as Airflow calls it: sentence casing, 24-hour clock, Sunday = 0,
 * not verbose. A port of cron-descriptor's ExpressionParser / ExpressionDescriptor for five-field
 * expressions; where cron-descriptor fails, Airflow shows an empty description and so does this.
 *
 *   "0 0 * * *" → "At 00:00"          "0 * * * *" → "Every hour"
 *   "*\/5 * * * *" → "Every 5 minutes"  "30 2 * * 1-5" → "At 02:30, Monday through Friday"
 */

const SPECIAL = ['/', '-', ',', '*'];
const DAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September',
  'October', 'November', 'December'];
const CRON_DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const CRON_MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

const hasAny = (s: string, chars: readonly string[]): boolean => chars.some((c) => s.includes(c));
/** Python's str.format for positional {0} / {1}. */
const fmt = (template: string, ...args: string[]): string => template.replace(/\{(\d)\}/g, (_m, i: string) => args[Number(i)] ?? '');

/** cron-descriptor's ExpressionParser: 7 parts (seconds … year), normalised. */
function parseParts(expression: string): string[] {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) throw new Error('five fields expected');
  const p = ['', ...fields, ''];
  p[3] = p[3]!.replace(/\?/g, '*');
  p[5] = p[5]!.replace(/\?/g, '*');
  if (p[1]!.startsWith('0/')) p[1] = p[1]!.replace('0/', '*/');
  if (p[2]!.startsWith('0/')) p[2] = p[2]!.replace('0/', '*/');
  if (p[3]!.startsWith('1/')) p[3] = p[3]!.replace('1/', '*/');
  if (p[4]!.startsWith('1/')) p[4] = p[4]!.replace('1/', '*/');
  if (p[5]!.startsWith('1/')) p[5] = p[5]!.replace('1/', '*/');
  // day_of_week_start_index_zero: only 7 (an alias of Sunday) changes, to 0.
  p[5] = p[5]!.replace(/(^\d)|([^#/\s]\d)/g, (m) => {
    const digits = m.replace(/\D/g, '');
    return digits === '7' ? m.replace(digits, '0') : m;
  });
  p[5] = p[5]!.toUpperCase();
  CRON_DAYS.forEach((d, i) => { p[5] = p[5]!.replace(new RegExp(d, 'g'), String(i)); });
  p[4] = p[4]!.toUpperCase();
  CRON_MONTHS.forEach((m, i) => { p[4] = p[4]!.replace(new RegExp(m, 'g'), String(i + 1)); });
  // An interval of minutes within a single hour reads as a range of that hour ("3" → "3-3").
  if (!hasAny(p[2]!, ['*', '-', ',', '/']) && hasAny(p[1]!, ['*', '/'])) p[2] = `${p[2]}-${p[2]}`;
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '*/1') p[i] = '*';
    const through = ({ 4: '12', 5: '6', 6: '9999' } as Record<number, string>)[i];
    if (p[i]!.includes('/') && !hasAny(p[i]!, ['*', '-', ',']) && through !== undefined) {
      const [start, step] = p[i]!.split('/');
      p[i] = `${start}-${through}/${step}`;
    }
  }
  return p;
}

function toInt(s: string): number {
  if (!/^\s*[+-]?\d+\s*$/.test(s)) throw new Error(`not a number: ${s}`);
  return Number(s);
}

function formatTime(hour: string, minute: string, second = ''): string {
  const h = String(toInt(hour)).padStart(2, '0');
  const m = String(toInt(minute)).padStart(2, '0');
  const s = second ? `:${String(toInt(second)).padStart(2, '0')}` : '';
  return `${h}:${m}${s}`;
}

interface Segment {
  all: string;
  single: (s: string) => string;
  interval: (s: string) => string;
  between: string;
  format: (s: string) => string;
}

function betweenDescription(expr: string, betweenFormat: string, single: (s: string) => string): string {
  const [a, b] = expr.split('-') as [string, string];
  return fmt(betweenFormat, single(a), single(b).replaceAll(':00', ':59'));
}

function segmentDescription(expr: string, seg: Segment): string {
  if (!expr) return '';
  if (expr === '*') return seg.all;
  if (!hasAny(expr, ['/', '-', ','])) return fmt(seg.format(expr), seg.single(expr));
  if (expr.includes('/')) {
    const [head, step] = expr.split('/') as [string, string];
    let d = fmt(seg.interval(step), step);
    if (head.includes('-')) {
      const between = betweenDescription(head, seg.between, seg.single);
      if (!between.startsWith(', ')) d += ', ';
      d += between;
    } else if (!hasAny(head, ['*', ','])) {
      d += fmt(', starting {0}', fmt(seg.format(head), seg.single(head)).replace(/, /g, ''));
    }
    return d;
  }
  if (expr.includes(',')) {
    const parts = expr.split(',');
    let content = '';
    parts.forEach((part, i) => {
      if (i > 0 && parts.length > 2) {
        content += ',';
        if (i < parts.length - 1) content += ' ';
      }
      if (i > 0 && parts.length > 1 && (i === parts.length - 1 || parts.length === 2)) content += ' and ';
      content += part.includes('-') ? betweenDescription(part, ', {0} through {1}', seg.single).replace(/, /g, '') : seg.single(part);
    });
    return fmt(seg.format(expr), content);
  }
  return betweenDescription(expr, seg.between, seg.single);
}

function timeOfDay(p: string[]): string {
  const [sec, min, hour] = p as [string, string, string];
  if (!hasAny(min, SPECIAL) && !hasAny(hour, SPECIAL) && !hasAny(sec, SPECIAL)) return `At ${formatTime(hour, min, sec)}`;
  if (sec === '' && min.includes('-') && !min.includes(',') && !hasAny(hour, SPECIAL)) {
    const [a, b] = min.split('-') as [string, string];
    return fmt('Every minute between {0} and {1}', formatTime(hour, a), formatTime(hour, b));
  }
  if (sec === '' && hour.includes(',') && !hour.includes('-') && !hasAny(min, SPECIAL)) {
    const hours = hour.split(',');
    let d = 'At';
    hours.forEach((h, i) => {
      d += ` ${formatTime(h, min)}`;
      if (i < hours.length - 2) d += ',';
      if (i === hours.length - 2) d += ' and';
    });
    return d;
  }
  const minutes = segmentDescription(min, {
    all: 'every minute', single: (s) => s, interval: () => 'every {0} minutes',
    between: 'minutes {0} through {1} past the hour',
    format: (s) => (s === '0' && sec === '' ? '' : 'at {0} minutes past the hour'),
  });
  const hours = segmentDescription(hour, {
    all: 'every hour', single: (s) => formatTime(s, '0'), interval: () => 'every {0} hours',
    between: 'between {0} and {1}', format: () => 'at {0}',
  });
  let d = ''; // seconds are always empty for five fields
  if (d && minutes) d += ', ';
  d += minutes;
  if (d && hours) d += ', ';
  return d + hours;
}

function dayOfMonth(p: string[]): string {
  const e = p[3]!;
  if (e === 'L') return ', on the last day of the month';
  if (e === 'LW' || e === 'WL') return ', on the last weekday of the month';
  const w = /^(\d{1,2}W)|^(W\d{1,2})/.exec(e);
  if (w) {
    const n = toInt(w[0].replace('W', ''));
    return fmt(', on the {0} of the month', n === 1 ? 'first weekday' : fmt('weekday nearest day {0}', String(n)));
  }
  if (e === '*' && p[5] !== '*') return '';
  const offset = /^L-(\d{1,2})/.exec(e);
  if (offset) return fmt(', {0} days before the last day of the month', offset[1]!);
  return segmentDescription(e, {
    all: ', every day', single: (s) => s, interval: (s) => (s === '1' ? ', every day' : ', every {0} days'),
    between: ', between day {0} and {1} of the month', format: () => ', on day {0} of the month',
  });
}

function dayOfWeek(p: string[]): string {
  if (p[5] === '*') return '';
  const dayName = (s: string): string => {
    const n = toInt(s.includes('#') ? s.split('#')[0]! : s.replace(/L/g, ''));
    const name = DAY_NAMES[n];
    if (name === undefined) throw new Error(`Day ${n} is out of range!`);
    return name;
  };
  const format = (s: string): string => {
    if (s.includes('#')) {
      const nth = ({ 1: 'first', 2: 'second', 3: 'third', 4: 'fourth', 5: 'fifth' } as Record<string, string>)[s.slice(s.indexOf('#') + 1)] ?? '';
      return `, on the ${nth} {0} of the month`;
    }
    return s.includes('L') ? ', on the last {0} of the month' : ', only on {0}';
  };
  return segmentDescription(p[5]!, {
    all: ', every day', single: dayName, interval: () => ', every {0} days of the week', between: ', {0} through {1}', format,
  });
}

function month(p: string[]): string {
  return segmentDescription(p[4]!, {
    all: '',
    single: (s) => {
      const name = MONTH_NAMES[toInt(s) - 1];
      if (name === undefined) throw new Error(`month ${s} out of range`);
      return name;
    },
    interval: () => ', every {0} months', between: ', {0} through {1}', format: () => ', only in {0}',
  });
}

export function describeCron(expression: string): string {
  try {
    const p = parseParts(expression);
    let d = `${timeOfDay(p)}${dayOfMonth(p)}${dayOfWeek(p)}${month(p)}`;
    d = d.replaceAll(', every minute', '').replaceAll(', every hour', '').replaceAll(', every day', '').replace(/, ?$/, '');
    return d.length === 0 ? '' : d[0]!.toUpperCase() + d.slice(1);
  } catch {
    return '';
  }
}
