/**
 * Renders a task's templated arguments with nunjucks (Jinja's JavaScript sibling) and Airflow's context.
 * Undefined names are errors, as with Airflow's StrictUndefined, so a typo fails the task with a clear
 * message instead of running a command with a hole in it.
 */
import nunjucks from 'nunjucks';

export class TemplateError extends Error {
  readonly code = 'TEMPLATE_ERROR';
  constructor(message: string) { super(message); this.name = 'TemplateError'; }
}

const env = new nunjucks.Environment(null, { autoescape: false, throwOnUndefined: true });
// Jinja filters Airflow users rely on that nunjucks lacks or names differently.
env.addFilter('tojson', (v: unknown) => JSON.stringify(v));
env.addFilter('string', (v: unknown) => String(v));
env.addFilter('int', (v: unknown) => Number.parseInt(String(v), 10));

/** Renders every string inside `value` (arrays and objects recursively). */
export function renderValue(value: unknown, context: Record<string, unknown>, field: string): unknown {
  if (typeof value === 'string') {
    if (!value.includes('{{') && !value.includes('{%')) return value;
    try {
      return env.renderString(value, context);
    } catch (err) {
      const msg = (err as Error).message.replace(/^\(unknown path\)\s*/, '').split('\n').map((l) => l.trim()).filter(Boolean).join(' ');
      throw new TemplateError(`cannot render template field "${field}": ${msg}`);
    }
  }
  if (Array.isArray(value)) return value.map((v, i) => renderValue(v, context, `${field}[${i}]`));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderValue(v, context, `${field}.${k}`)]));
  }
  return value;
}

/** Renders the template fields of a task's args; other args pass through untouched. */
export function renderArgs(args: Record<string, unknown>, templateFields: string[], context: Record<string, unknown>): { rendered: Record<string, unknown>; renderedFields: Record<string, unknown> } {
  const rendered: Record<string, unknown> = { ...args };
  const renderedFields: Record<string, unknown> = {};
  for (const f of templateFields) {
    if (!(f in args)) continue;
    rendered[f] = renderValue(args[f], context, f);
    renderedFields[f] = rendered[f];
  }
  return { rendered, renderedFields };
}

/**
 * Jinja calls with keyword arguments (`ti.xcom_pull(task_ids='a', key='k')`) reach a nunjucks function as a final
 * object flagged `__keywords`; this splits positional and keyword arguments.
 */
export function splitKeywordArgs(args: unknown[]): { positional: unknown[]; keywords: Record<string, unknown> } {
  const last = args[args.length - 1];
  if (last && typeof last === 'object' && (last as { __keywords?: boolean }).__keywords) {
    const { __keywords: _k, ...keywords } = last as Record<string, unknown>;
    return { positional: args.slice(0, -1), keywords };
  }
  return { positional: args, keywords: {} };
}
