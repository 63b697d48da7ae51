/**
 * Small readers for untrusted JSON: each returns the typed value or throws a DagValidationError
 * (BAD_FIELD unless told otherwise) whose message and `path` name the field.
 */
import type { DagValidationCode } from './errors.ts';
import { DagValidationError } from './errors.ts';

import { isObject, type JsonObject } from './json.ts';

export type Obj = JsonObject;
export { isObject };

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  try {
    const s = JSON.stringify(v);
    return s.length > 80 ? `${s.slice(0, 77)}...` : s;
  } catch {
    return String(v);
  }
}

export function fail(path: string, expected: string, got: unknown, code: DagValidationCode = 'BAD_FIELD'): never {
  throw new DagValidationError(code, `${path}: expected ${expected}, got ${show(got)}`, path);
}

export function object(v: unknown, path: string): Obj {
  if (!isObject(v)) fail(path, 'an object', v);
  return v;
}

/** Rejects keys outside `allowed`, so that a misspelt field is an error rather than ignored. */
export function onlyKeys(o: Obj, allowed: readonly string[], path: string): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) throw new DagValidationError('BAD_FIELD', `${path}: unknown field ${JSON.stringify(k)}`, `${path}.${k}`);
  }
}

export function string(v: unknown, path: string): string {
  if (typeof v !== 'string') fail(path, 'a string', v);
  return v;
}

export function nonEmptyString(v: unknown, path: string): string {
  if (typeof v !== 'string' || v.length === 0) fail(path, 'a non-empty string', v);
  return v;
}

export function nullableString(v: unknown, path: string): string | null {
  return v === null ? null : string(v, path);
}

export function boolean(v: unknown, path: string): boolean {
  if (typeof v !== 'boolean') fail(path, 'true or false', v);
  return v;
}

export function nullableBoolean(v: unknown, path: string): boolean | null {
  return v === null ? null : boolean(v, path);
}

/** A finite number >= min (seconds, usually). */
export function number(v: unknown, path: string, min = 0): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) fail(path, `a number >= ${min}`, v);
  return v;
}

export function nullableNumber(v: unknown, path: string, min = 0): number | null {
  return v === null ? null : number(v, path, min);
}

export function integer(v: unknown, path: string, min = 0): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) fail(path, `an integer >= ${min}`, v);
  return v;
}

export function anyInteger(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) fail(path, 'an integer', v);
  return v;
}

export function nullableInteger(v: unknown, path: string, min = 0): number | null {
  return v === null ? null : integer(v, path, min);
}

export function stringArray(v: unknown, path: string): string[] {
  if (!Array.isArray(v)) fail(path, 'a list of strings', v);
  return v.map((x, i) => string(x, `${path}[${i}]`));
}

export function oneOf<T extends string>(v: unknown, allowed: readonly T[], path: string, code: DagValidationCode = 'BAD_FIELD'): T {
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) fail(path, `one of ${allowed.join(', ')}`, v, code);
  return v as T;
}

/** An ISO 8601 instant with an explicit zone (Z or ±hh:mm), or null. */
export function nullableInstant(v: unknown, path: string): string | null {
  if (v === null) return null;
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(v) || Number.isNaN(Date.parse(v))) {
    fail(path, 'an ISO 8601 date-time with a zone, or null', v);
  }
  return v;
}

/** A JSON value (no undefined, functions, NaN or cycles) — what can be stored and sent as JSON. */
export function json(v: unknown, path: string, seen: Set<unknown> = new Set()): unknown {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) fail(path, 'a finite number', v);
    return v;
  }
  if (typeof v === 'object') {
    if (seen.has(v)) fail(path, 'JSON without cycles', '<cycle>');
    seen.add(v);
    if (Array.isArray(v)) v.forEach((x, i) => json(x, `${path}[${i}]`, seen));
    else for (const [k, x] of Object.entries(v)) json(x, `${path}.${k}`, seen);
    seen.delete(v);
    return v;
  }
  return fail(path, 'a JSON value', typeof v);
}
