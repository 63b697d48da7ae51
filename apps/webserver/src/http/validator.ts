/**
 * Request validation: path and query values arrive as strings, so they are coerced to the schema's types
 * (`?limit=5`, `?tags=a` → ["a"]); bodies are JSON and are not coerced — `{"dag_run_id": 5}` is an error, as it
 * is in Airflow — and unknown body fields are errors, not silently dropped.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchema, FastifySchemaCompiler } from 'fastify';

function make(coerce: boolean): Ajv {
  const ajv = new Ajv({ coerceTypes: coerce ? 'array' : false, useDefaults: true, removeAdditional: false, allErrors: false, strict: false });
  (addFormats as unknown as (a: Ajv) => void)(ajv);
  return ajv;
}

export function validatorCompiler(): FastifySchemaCompiler<FastifySchema> {
  const loose = make(true);
  const strict = make(false);
  return ({ schema, httpPart }) => {
    const validate: ValidateFunction = (httpPart === 'body' ? strict : loose).compile(schema as object);
    return (data: unknown) => (validate(data) ? { value: data } : { error: Object.assign(new Error('validation'), { validation: validate.errors }) }) as never;
  };
}
