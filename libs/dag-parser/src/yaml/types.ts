/**
 * dag-factory's Python objects in YAML: a mapping with `__type__: <import path>` (keyword arguments
 * beside it, positional ones in `__args__`) is the object `path(*__args__, **kwargs)`; `__join__`
 * concatenates strings; `__and__` / `__or__` combine dataset conditions. Windsock cannot build
 * Python objects, so each supported type becomes its JSON stand-in (declaration.ts tags); any other
 * type is an UNKNOWN_TYPE error pointing at its line.
 */
import { DagDeclarationError } from '../errors.ts';
import { kubernetesModel } from './kubernetes.ts';
import { pyStr, type YamlPath } from './parse.ts';

import { isObject as isObj, type JsonObject as Obj } from '@windsock/dag-model';

export type LineAt = (path: YamlPath) => number | null;

export function convertTypedValues(value: unknown, path: YamlPath, lineAt: LineAt): unknown {
  if (Array.isArray(value)) return value.map((v, i) => convertTypedValues(v, [...path, i], lineAt));
  if (!isObj(value) || value.__type === 'datetime') return value;
  if ('__join__' in value || '__and__' in value || '__or__' in value) return logical(value, path, lineAt);
  const kwargs: Obj = {};
  for (const [k, v] of Object.entries(value)) {
    if (k !== '__type__' && k !== '__args__') kwargs[k] = convertTypedValues(v, [...path, k], lineAt);
  }
  if (!('__type__' in value)) return kwargs;
  const type = value.__type__;
  const raw = value.__args__ === undefined ? [] : convertTypedValues(value.__args__, [...path, '__args__'], lineAt);
  const bad = (message: string): DagDeclarationError => {
    const dagId = typeof path[0] === 'string' && path[0] !== 'default' ? path[0] : null;
    return new DagDeclarationError('UNKNOWN_TYPE', message, {
      dagId, field: path.filter((p) => typeof p === 'string').slice(1).join('.') || null,
      line: lineAt([...path, '__type__']),
    });
  };
  if (typeof type !== 'string') throw bad('__type__ must be an import path string');
  if (!Array.isArray(raw)) throw bad(`__args__ of ${type} must be a list`);
  return construct(type, raw, kwargs, bad);
}

function construct(type: string, args: unknown[], kwargs: Obj, bad: (m: string) => DagDeclarationError): unknown {
  const cls = type.split('.').pop()!;
  if (/^kubernetes\.client\.(models\.)?V\d/.test(type)) {
    if (args.length > 0) throw bad(`${type}: give Kubernetes models keyword arguments, not __args__`);
    return kubernetesModel(kwargs);
  }
  switch (type) {
    case 'datetime.timedelta':
      return { __type: 'timedelta', seconds: timedeltaSeconds(positional(args, kwargs, TIMEDELTA_ARGS, type, bad), bad) };
    case 'datetime.datetime':
    case 'datetime.date':
    case 'pendulum.datetime':
      return datetimeTag(type, positional(args, kwargs, DATETIME_ARGS, type, bad), bad);
    case 'airflow.models.param.Param':
    case 'airflow.models.Param':
    case 'airflow.sdk.Param':
    case 'airflow.sdk.definitions.param.Param': {
      const { default: dflt, description, ...schema } = positional(args, kwargs, ['default', 'description'], type, bad);
      return { __type: 'param', ...(dflt === undefined ? {} : { default: dflt }), description: description ?? null, schema };
    }
    case 'airflow.providers.cncf.kubernetes.secret.Secret':
    case 'airflow.kubernetes.secret.Secret':
      return positional(args, kwargs, ['deploy_type', 'deploy_target', 'secret', 'key', 'items'], type, bad);
    case 'airflow.datasets.Dataset':
    case 'airflow.sdk.Asset':
    case 'airflow.sdk.definitions.asset.Asset': {
      const { uri } = positional(args, kwargs, ['uri'], type, bad);
      if (typeof uri !== 'string') throw bad(`${type} needs a uri`);
      return { __type: 'dataset', uri };
    }
    case 'builtins.list':
    case 'builtins.tuple':
    case 'builtins.set':
      return Array.isArray(kwargs.items) ? kwargs.items : args.length === 1 && Array.isArray(args[0]) ? args[0] : [];
    default:
      throw bad(`cannot build a '${cls}' (${type}) in a YAML DAG; supported __type__ values: datetime.timedelta, `
        + 'datetime.datetime, datetime.date, pendulum.datetime, airflow.models.param.Param, '
        + 'kubernetes.client.models.*, airflow.providers.cncf.kubernetes.secret.Secret, airflow.datasets.Dataset, '
        + 'builtins.list');
  }
}

const TIMEDELTA_ARGS = ['days', 'seconds', 'microseconds', 'milliseconds', 'minutes', 'hours', 'weeks'];
const TIMEDELTA_FACTORS: Record<string, number> = {
  days: 86_400, seconds: 1, microseconds: 1e-6, milliseconds: 1e-3, minutes: 60, hours: 3600, weeks: 604_800,
};
const DATETIME_ARGS = ['year', 'month', 'day', 'hour', 'minute', 'second', 'microsecond'];

/** Python's binding of positional + keyword arguments onto parameter names (unknown keywords kept). */
function positional(args: unknown[], kwargs: Obj, names: string[], type: string,
  bad: (m: string) => DagDeclarationError): Obj {
  if (args.length > names.length) throw bad(`${type} takes at most ${names.length} positional arguments`);
  const out: Obj = { ...kwargs };
  args.forEach((a, i) => {
    if (names[i]! in kwargs) throw bad(`${type} got '${names[i]}' both in __args__ and as a keyword`);
    out[names[i]!] = a;
  });
  return out;
}

function timedeltaSeconds(kw: Obj, bad: (m: string) => DagDeclarationError): number {
  let total = 0;
  for (const [k, v] of Object.entries(kw)) {
    const factor = TIMEDELTA_FACTORS[k];
    if (factor === undefined) throw bad(`timedelta() got an unexpected keyword argument '${k}'`);
    if (typeof v !== 'number') throw bad(`timedelta ${k} must be a number, got ${JSON.stringify(v)}`);
    total += v * factor;
  }
  return Math.round(total * 1e6) / 1e6;
}

function datetimeTag(type: string, kw: Obj, bad: (m: string) => DagDeclarationError): Obj {
  const tz = kw.tz ?? kw.tzinfo;
  const n = (k: string, dflt: number): number => {
    const v = kw[k] ?? dflt;
    if (typeof v !== 'number' || !Number.isInteger(v)) throw bad(`${type} ${k} must be an integer`);
    return v;
  };
  const p = (v: number, w = 2): string => String(v).padStart(w, '0');
  if (kw.year === undefined || kw.month === undefined || kw.day === undefined) {
    throw bad(`${type} needs year, month and day`);
  }
  let value = `${p(n('year', 0), 4)}-${p(n('month', 1))}-${p(n('day', 1))}T${p(n('hour', 0))}:${p(n('minute', 0))}`
    + `:${p(n('second', 0))}`;
  const micro = n('microsecond', 0);
  if (micro) value += `.${p(micro, 6)}`;
  // pendulum.datetime is UTC unless told otherwise; datetime.datetime without tzinfo is naive.
  const zone = type === 'pendulum.datetime' ? (typeof tz === 'string' ? tz : 'UTC') : typeof tz === 'string' ? tz : null;
  return zone ? { __type: 'datetime', value, tz: zone } : { __type: 'datetime', value };
}

function logical(value: Obj, path: YamlPath, lineAt: LineAt): unknown {
  const key = '__join__' in value ? '__join__' : '__and__' in value ? '__and__' : '__or__';
  const items = convertTypedValues(value[key], [...path, key], lineAt);
  if (!Array.isArray(items)) {
    throw new DagDeclarationError('INVALID_LAYOUT', `${key} takes a list`, { line: lineAt([...path, key]) });
  }
  const parts = items.map(pyStr);
  if (key === '__join__') return parts.join('');
  return `(${parts.join(key === '__and__' ? ' & ' : ' | ')})`;
}
