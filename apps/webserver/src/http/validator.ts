/**
 * Request validation: path and query values arrive as strings, so they are coerced to the schema's types
 * (`?limit=5`, `?tags=a` → ["a"]); bodies are JSON and are not coerced — `{"dag_run_id": 5}` is an error, as it
 * is in Airflow — and unknown body fields are errors, not silently dropped. Integers without bounds of their own
 * are bounded to Postgres' int4 (every integer column and parameter Windsock exposes), so `?offset=1e20` or a
 * map_index of 2^40 is a validation error, not a database error.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchema, FastifySchemaCompiler } from 'fastify';

function make(coerce: boolean): Ajv {
  const ajv = new Ajv({ coerceTypes: coerce ? 'array' : false, useDefaults: true, removeAdditional: false, allErrors: false, strict: false });
  (addFormats as unknown as (a: Ajv) => void)(ajv);
  return ajv;
}

const INT4 = { min: -2147483648, max: 2147483647 };

/** A copy of `schema` whose integers without a bound get int4's. */
export function boundIntegers(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(boundIntegers);
  if (!schema || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) out[k] = k === 'const' || k === 'default' || k === 'enum' || k === 'examples' ? v : boundIntegers(v);
  const type = out.type;
  if (type === 'integer' || (Array.isArray(type) && type.includes('integer'))) {
    if (out.maximum === undefined && out.exclusiveMaximum === undefined) out.maximum = INT4.max;
    if (out.minimum === undefined && out.exclusiveMinimum === undefined) out.minimum = INT4.min;
  }
  return out;
}

export function validatorCompiler(): FastifySchemaCompiler<FastifySchema> {
  const loose = make(true);
  const strict = make(false);
  return ({ schema, httpPart }) => {
    const validate: ValidateFunction = (httpPart === 'body' ? strict : loose).compile(boundIntegers(schema) as object);
    return (data: unknown) => (validate(data) ? { value: data } : { error: Object.assign(new Error('validation'), { validation: validate.errors }) }) as never;
  };
}
