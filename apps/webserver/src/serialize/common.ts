/** Helpers shared by the v1 and v2 serializers: dates, timedeltas, file tokens, secret masking. */
import { createHash } from 'node:crypto';
import { isSensitiveKey, type Schedule } from '@windsock/dag-model';

export const iso = (d: Date | string | null | undefined): string | null => (d == null ? null : new Date(d).toISOString());

export function timeDelta(seconds: number | null): { __type: 'TimeDelta'; days: number; seconds: number; microseconds: number } | null {
  if (seconds == null) return null;
  const days = Math.floor(seconds / 86400);
  const rest = seconds - days * 86400;
  return { __type: 'TimeDelta', days, seconds: Math.floor(rest), microseconds: Math.round((rest % 1) * 1e6) };
}

/** Airflow's file_token names a DAG file without exposing its path; ours is a hash of the path (and unique per file). */
export const fileToken = (fileloc: string): string => createHash('sha256').update(fileloc).digest('base64url').slice(0, 32);

export function scheduleInterval(s: Schedule): Record<string, unknown> | null {
  switch (s.kind) {
    case 'none': return null;
    case 'once': return { __type: 'CronExpression', value: '@once' };
    case 'cron': return { __type: 'CronExpression', value: s.raw };
    case 'delta': return timeDelta(s.seconds);
    default: { const never: never = s; return never; }
  }
}

/** Airflow's redaction of connection extras: values under sensitive-looking keys become "***". */
export function maskExtra(extra: string | null): string | null {
  if (extra == null || extra === '') return extra;
  try {
    const walk = (v: unknown): unknown => {
      if (Array.isArray(v)) return v.map(walk);
      if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, isSensitiveKey(k) ? '***' : walk(x)]));
      return v;
    };
    return JSON.stringify(walk(JSON.parse(extra)));
  } catch {
    return '***';
  }
}
