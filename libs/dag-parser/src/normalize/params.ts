/**
 * DAG params. A value is either plain JSON (Airflow wraps it in a Param with no schema) or a Param
 * tag `{__type: 'param', default?, description?, schema?}` (declaration.ts). Defaults are checked
 * against the schema's `type`, which is the part of Airflow's parse-time validation that catches
 * real mistakes; the full JSON-schema check happens when a run is triggered.
 */
import type { SerializedParam } from '@windsock/dag-model';
import { describe, isTagged } from './time.ts';
import { fail, type Where } from './read.ts';

export function readParams(where: Where, raw: unknown): Record<string, SerializedParam> {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw fail(where, 'INVALID_ARGUMENT', 'params', `must be a mapping of name to value or Param, got ${describe(raw)}`);
  }
  const out: Record<string, SerializedParam> = {};
  for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
    out[name] = readParam(where, name, value);
  }
  return out;
}

function readParam(where: Where, name: string, value: unknown): SerializedParam {
  const field = `params.${name}`;
  if (!isTagged(value, 'param')) return { default: value ?? null, description: null, schema: {} };
  const { default: dflt, description, schema } = value;
  if (description !== undefined && description !== null && typeof description !== 'string') {
    throw fail(where, 'INVALID_ARGUMENT', field, `description must be a string, got ${describe(description)}`);
  }
  if (schema !== undefined && (typeof schema !== 'object' || schema === null || Array.isArray(schema))) {
    throw fail(where, 'INVALID_ARGUMENT', field, `schema must be a mapping, got ${describe(schema)}`);
  }
  const sch = (schema ?? {}) as Record<string, unknown>;
  if (dflt !== undefined && dflt !== null && !matchesType(dflt, sch.type)) {
    throw fail(where, 'INVALID_ARGUMENT', field,
      `default ${JSON.stringify(dflt)} is not of type ${JSON.stringify(sch.type)}`);
  }
  return { default: dflt ?? null, description: (description as string | null | undefined) ?? null, schema: sch };
}

function matchesType(value: unknown, type: unknown): boolean {
  if (type === undefined) return true;
  if (Array.isArray(type)) return type.some((t) => matchesType(value, t));
  switch (type) {
    case 'string': return typeof value === 'string';
    case 'integer': return typeof value === 'number' && Number.isInteger(value);
    case 'number': return typeof value === 'number';
    case 'boolean': return typeof value === 'boolean';
    case 'array': return Array.isArray(value);
    case 'object': return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'null': return value === null;
    default: return true;
  }
}
