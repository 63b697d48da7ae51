/**
 * Validates a trigger's conf against the DAG's params the way Airflow's Param.resolve does, in the browser and
 * before anything is sent: each param's value (from conf, else its default) must satisfy its JSON-schema
 * fragment, and a param with no default and no value is missing. Covers the schema keywords DAG authors use in
 * Param(...) — type, enum, const, minimum/maximum (and exclusive), minLength/maxLength, pattern, minItems/maxItems,
 * format date/date-time/time/email — and leaves the rest to the server, which validates again.
 */
export interface ParamSpec { default: unknown; description: string | null; schema: Record<string, unknown> }
export interface ParamIssue { param: string; message: string }

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function typeMatches(v: unknown, t: string): boolean {
  const actual = typeOf(v);
  return actual === t || (t === 'number' && actual === 'integer');
}

const FORMATS: Record<string, RegExp> = {
  date: /^\d{4}-\d{2}-\d{2}$/,
  'date-time': /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/,
  time: /^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/,
  email: /^[^@\s]+@[^@\s]+\.[^@\s]+$/,
};

export function checkValue(v: unknown, schema: Record<string, unknown>): string | null {
  const types = schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type as string[] : [schema.type as string];
  if (types.length && !types.some((t) => typeMatches(v, t))) return `must be ${types.join(' or ')}, got ${typeOf(v)}`;
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(v))) {
    return `must be one of ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}`;
  }
  if ('const' in schema && JSON.stringify(schema.const) !== JSON.stringify(v)) return `must be ${JSON.stringify(schema.const)}`;
  if (typeof v === 'number') {
    if (typeof schema.minimum === 'number' && v < schema.minimum) return `must be ≥ ${schema.minimum}`;
    if (typeof schema.maximum === 'number' && v > schema.maximum) return `must be ≤ ${schema.maximum}`;
    if (typeof schema.exclusiveMinimum === 'number' && v <= schema.exclusiveMinimum) return `must be > ${schema.exclusiveMinimum}`;
    if (typeof schema.exclusiveMaximum === 'number' && v >= schema.exclusiveMaximum) return `must be < ${schema.exclusiveMaximum}`;
  }
  if (typeof v === 'string') {
    if (typeof schema.minLength === 'number' && v.length < schema.minLength) return `must be at least ${schema.minLength} characters`;
    if (typeof schema.maxLength === 'number' && v.length > schema.maxLength) return `must be at most ${schema.maxLength} characters`;
    if (typeof schema.pattern === 'string') {
      let re: RegExp | null = null;
      try { re = new RegExp(schema.pattern, 'u'); } catch { /* a pattern JS cannot read: the server decides */ }
      if (re && !re.test(v)) return `must match ${schema.pattern}`;
    }
    const fmt = typeof schema.format === 'string' ? FORMATS[schema.format] : undefined;
    if (fmt && !fmt.test(v)) return `must be a ${schema.format}`;
  }
  if (Array.isArray(v)) {
    if (typeof schema.minItems === 'number' && v.length < schema.minItems) return `must have at least ${schema.minItems} items`;
    if (typeof schema.maxItems === 'number' && v.length > schema.maxItems) return `must have at most ${schema.maxItems} items`;
  }
  return null;
}

/** The conf a trigger form starts from: every param's default. */
export function defaultConf(params: Record<string, ParamSpec>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(params).map(([k, p]) => [k, p.default ?? null]));
}

/** Parses the editor's text and checks it; returns the conf to send, or the problems to show. */
export function validateConf(text: string, params: Record<string, ParamSpec>): { conf: Record<string, unknown>; issues: ParamIssue[] } {
  let parsed: unknown;
  try { parsed = text.trim() === '' ? {} : JSON.parse(text); } catch (e) {
    return { conf: {}, issues: [{ param: '', message: `Not valid JSON: ${(e as Error).message}` }] };
  }
  if (typeOf(parsed) !== 'object') return { conf: {}, issues: [{ param: '', message: 'conf must be a JSON object' }] };
  const conf = parsed as Record<string, unknown>;
  const issues: ParamIssue[] = [];
  for (const [name, p] of Object.entries(params)) {
    const has = Object.hasOwn(conf, name);
    const value = has ? conf[name] : p.default;
    if (value === undefined || (value === null && !has && !allowsNull(p.schema))) {
      issues.push({ param: name, message: 'is required (no value and no default)' });
      continue;
    }
    const problem = checkValue(value, p.schema);
    if (problem) issues.push({ param: name, message: problem });
  }
  return { conf, issues };
}

function allowsNull(schema: Record<string, unknown>): boolean {
  const t = schema.type;
  return t === undefined || t === 'null' || (Array.isArray(t) && t.includes('null'));
}
