/**
 * Validates a trigger's `conf` against the DAG's params, as Airflow does for DAGs with params: each param's
 * value is conf[key] when given, else its default, and must satisfy the param's JSON-schema fragment.
 * Keys not declared as params pass through (Airflow allows extra conf unless the DAG forbids it).
 * Returns the first problem as "param: message", or null.
 */
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import type { SerializedDag } from '@windsock/dag-model';

let ajv: Ajv | null = null;
function validator(): Ajv {
  if (!ajv) {
    ajv = new Ajv({ strict: false, allErrors: false });
    (addFormats as unknown as (a: Ajv) => void)(ajv);
  }
  return ajv;
}

export function checkConf(ser: SerializedDag, conf: Record<string, unknown>): string | null {
  for (const [key, param] of Object.entries(ser.params)) {
    const value = key in conf ? conf[key] : param.default;
    if (!param.schema || Object.keys(param.schema).length === 0) continue;
    let ok: boolean;
    let message = '';
    try {
      const validate = validator().compile(param.schema);
      ok = validate(value) as boolean;
      if (!ok) message = validate.errors?.[0]?.message ?? 'invalid';
    } catch (err) {
      return `${key}: the DAG declares an invalid schema (${(err as Error).message})`;
    }
    if (!ok) return `${key}: ${value === undefined || value === null ? 'required value is missing' : message}`;
  }
  return null;
}
