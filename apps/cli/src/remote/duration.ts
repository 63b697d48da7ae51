/** Durations on the command line: `3600` (seconds), `30m`, `8h`, `2d`, or combined (`1h30m`). */
import { usageError } from './errors.ts';

const UNIT: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

export function parseDuration(text: string, flag = 'duration'): number {
  const t = text.trim().toLowerCase();
  if (/^\d+$/.test(t)) return positive(Number(t), text, flag);
  if (!/^(\d+[smhdw])+$/.test(t)) throw usageError(`${flag} must be seconds or a duration like 30m, 8h, 2d or 1h30m (got "${text}")`);
  let seconds = 0;
  for (const [, n, unit] of t.matchAll(/(\d+)([smhdw])/g)) seconds += Number(n) * UNIT[unit!]!;
  return positive(seconds, text, flag);
}

function positive(seconds: number, text: string, flag: string): number {
  if (!Number.isSafeInteger(seconds) || seconds <= 0) throw usageError(`${flag} must be more than 0 seconds (got "${text}")`);
  return seconds;
}

/** 28800 → `8h`, 5400 → `1h30m`, 42 → `42s`: how long, for people. */
export function formatDuration(seconds: number): string {
  let rest = Math.max(0, Math.round(seconds));
  if (rest === 0) return '0s';
  let out = '';
  for (const [unit, size] of [['d', 86_400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    if (rest >= size) { out += `${Math.floor(rest / size)}${unit}`; rest %= size; }
  }
  return out;
}
