/**
 * Typed readers for declaration values. Each takes a `Where` (DAG, task, line) so that a bad value
 * becomes a DagDeclarationError naming the DAG, the task and the field.
 */
import { DagDeclarationError, type DagDeclarationErrorCode } from '../errors.ts';
import { describe, readDatetime, readSeconds, TimeValueError, type ReadDatetime } from './time.ts';

export interface Where {
  dagId: string;
  taskId?: string | null;
  line?: number | null;
}

export function fail(where: Where, code: DagDeclarationErrorCode, field: string | null, message: string,
  cause?: unknown): DagDeclarationError {
  return new DagDeclarationError(code, message, {
    dagId: where.dagId, taskId: where.taskId ?? null, field, line: where.line ?? null, cause,
  });
}

const absent = (v: unknown): v is null | undefined => v === undefined || v === null;

export function readBool(where: Where, field: string, v: unknown, fallback: boolean): boolean {
  if (absent(v)) return fallback;
  if (typeof v !== 'boolean') throw fail(where, 'INVALID_ARGUMENT', field, `must be True or False, got ${describe(v)}`);
  return v;
}

export function readOptionalBool(where: Where, field: string, v: unknown): boolean | null {
  return absent(v) ? null : readBool(where, field, v, false);
}

/** An integer. `lenient` also takes integer strings ("3"), as Airflow does for retries. */
export function readInt(where: Where, field: string, v: unknown, fallback: number,
  opts: { min?: number; lenient?: boolean } = {}): number {
  if (absent(v)) return fallback;
  let n: number | null = null;
  if (typeof v === 'number' && Number.isInteger(v)) n = v;
  else if (opts.lenient && typeof v === 'string' && /^\s*-?\d+\s*$/.test(v)) n = Number(v);
  if (n === null) throw fail(where, 'INVALID_ARGUMENT', field, `must be an integer, got ${describe(v)}`);
  if (opts.min !== undefined && n < opts.min) {
    throw fail(where, 'INVALID_ARGUMENT', field, `must be at least ${opts.min}, got ${n}`);
  }
  return n;
}

export function readOptionalInt(where: Where, field: string, v: unknown, opts: { min?: number } = {}): number | null {
  return absent(v) ? null : readInt(where, field, v, 0, opts);
}

export function readString(where: Where, field: string, v: unknown, fallback: string): string {
  if (absent(v)) return fallback;
  if (typeof v !== 'string') throw fail(where, 'INVALID_ARGUMENT', field, `must be a string, got ${describe(v)}`);
  return v;
}

export function readOptionalString(where: Where, field: string, v: unknown): string | null {
  return absent(v) ? null : readString(where, field, v, '');
}

export function readStringList(where: Where, field: string, v: unknown): string[] {
  if (absent(v)) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
    throw fail(where, 'INVALID_ARGUMENT', field, `must be a list of strings, got ${describe(v)}`);
  }
  return v as string[];
}

export function readOptionalSeconds(where: Where, field: string, v: unknown): number | null {
  if (absent(v)) return null;
  try {
    return readSeconds(v);
  } catch (err) {
    if (err instanceof TimeValueError) throw fail(where, 'INVALID_ARGUMENT', field, err.message, err);
    throw err;
  }
}

export function readOptionalDatetime(where: Where, field: string, v: unknown, fallbackZone: string): ReadDatetime | null {
  if (absent(v)) return null;
  try {
    return readDatetime(v, fallbackZone);
  } catch (err) {
    if (err instanceof TimeValueError) throw fail(where, 'INVALID_DATE', field, err.message, err);
    throw err;
  }
}

export function readOptionalObject(where: Where, field: string, v: unknown): Record<string, unknown> | null {
  if (absent(v)) return null;
  if (typeof v !== 'object' || Array.isArray(v)) {
    throw fail(where, 'INVALID_ARGUMENT', field, `must be a mapping, got ${describe(v)}`);
  }
  return v as Record<string, unknown>;
}

/** Airflow's KEY_REGEX for dag and task ids (validate_key), max 250 characters. */
export function checkKey(where: Where, field: string, id: string): void {
  if (!/^[\w.-]+$/.test(id) || id.length > 250) {
    throw fail(where, 'INVALID_ARGUMENT', field,
      `'${id}' must be made of alphanumeric characters, dashes, dots and underscores only (at most 250)`);
  }
}
