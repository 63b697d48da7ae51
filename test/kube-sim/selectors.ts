/**
 * Label and field selectors, parsed the way apimachinery does (pkg/labels/selector.go, pkg/fields/selector.go).
 *
 * Label selectors: `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k` (exists), `!k` (does not exist),
 * `k>n`, `k<n`, comma = AND. Note `k!=v` and `k notin (...)` also match objects without the label, as upstream.
 * Field selectors: `f=v`, `f==v`, `f!=v`, comma = AND, `\,` `\=` `\\` escapes in values; which fields may be
 * used is the resource's business (`FieldSet` below), an unknown one is a 400 like the API server's.
 * A parse error throws a 400 BadRequest StatusError.
 */
import { badRequest } from './errors.ts';

export type LabelOperator = '=' | '!=' | 'in' | 'notin' | 'exists' | '!' | 'gt' | 'lt';

export interface LabelRequirement {
  key: string;
  op: LabelOperator;
  values: string[];
}

const KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function checkKey(key: string, selector: string): void {
  if (!KEY.test(key) || key.length > 317) throw badRequest(`unable to parse requirement: invalid label key "${key}" in selector "${selector}"`);
}

function checkValue(value: string, selector: string): void {
  if (!VALUE.test(value) || value.length > 63) throw badRequest(`unable to parse requirement: invalid label value "${value}" in selector "${selector}"`);
}

/** Splits on commas outside parentheses. */
function splitTopLevel(selector: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of selector) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts.map((p) => p.trim());
}

export function parseLabelSelector(selector: string | undefined): LabelRequirement[] {
  if (selector === undefined || selector.trim() === '') return [];
  return splitTopLevel(selector).map((part) => parseRequirement(part, selector));
}

function parseRequirement(part: string, selector: string): LabelRequirement {
  if (part === '') throw badRequest(`unable to parse requirement: found '', expected: identifier in selector "${selector}"`);
  const setMatch = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(part);
  if (setMatch !== null) {
    const [, key, op, list] = setMatch as unknown as [string, string, 'in' | 'notin', string];
    checkKey(key, selector);
    const values = list.split(',').map((v) => v.trim());
    values.forEach((v) => checkValue(v, selector));
    return { key, op, values };
  }
  if (part.startsWith('!')) {
    const key = part.slice(1).trim();
    checkKey(key, selector);
    return { key, op: '!', values: [] };
  }
  const opMatch = /^([^=!<>\s]+)\s*(==|=|!=|>|<)\s*(.*)$/.exec(part);
  if (opMatch !== null) {
    const [, key, rawOp, value] = opMatch as unknown as [string, string, string, string];
    checkKey(key, selector);
    if (rawOp === '>' || rawOp === '<') {
      if (!/^-?\d+$/.test(value)) throw badRequest(`unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer in selector "${selector}"`);
      return { key, op: rawOp === '>' ? 'gt' : 'lt', values: [value] };
    }
    checkValue(value, selector);
    return { key, op: rawOp === '!=' ? '!=' : '=', values: [value] };
  }
  checkKey(part, selector);
  return { key: part, op: 'exists', values: [] };
}

export function matchesLabels(requirements: readonly LabelRequirement[], labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  return requirements.every((r) => {
    const has = Object.hasOwn(l, r.key);
    const value = l[r.key];
    switch (r.op) {
      case '=':
        return has && value === r.values[0];
      case '!=':
        return !has || value !== r.values[0];
      case 'in':
        return has && r.values.includes(value as string);
      case 'notin':
        return !has || !r.values.includes(value as string);
      case 'exists':
        return has;
      case '!':
        return !has;
      case 'gt':
      case 'lt': {
        if (!has || !/^-?\d+$/.test(value as string)) return false;
        const n = Number(value);
        const bound = Number(r.values[0]);
        return r.op === 'gt' ? n > bound : n < bound;
      }
    }
  });
}

export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

/** Splits on unescaped commas and unescapes `\,` `\=` `\\`. */
function splitEscaped(text: string, separator: string): string[] {
  const out: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (ch === '\\' && i + 1 < text.length) {
      current += ch + (text[i + 1] as string);
      i++;
    } else if (ch === separator) {
      out.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  out.push(current);
  return out;
}

function unescapeValue(v: string): string {
  return v.replace(/\\([\\,=])/g, '$1');
}

/**
 * Parses a field selector; `supported` lists the fields the resource exposes (an unknown field is the
 * API server's 400 `field label not supported: <f>`).
 */
export function parseFieldSelector(selector: string | undefined, supported: readonly string[]): FieldRequirement[] {
  if (selector === undefined || selector.trim() === '') return [];
  return splitEscaped(selector, ',').map((raw) => {
    const part = raw.trim();
    const m = /^([^=!]+?)\s*(==|=|!=)\s*(.*)$/s.exec(part);
    if (m === null) throw badRequest(`invalid selector: '${selector}'; can't understand '${part}'`);
    const [, field, op, value] = m as unknown as [string, string, string, string];
    if (!supported.includes(field)) throw badRequest(`field label not supported: ${field}`);
    return { field, op: op === '!=' ? '!=' : '=', value: unescapeValue(value) };
  });
}

/** `fields` maps each selectable field to its value ('' when unset, as upstream). */
export function matchesFields(requirements: readonly FieldRequirement[], fields: Record<string, string>): boolean {
  return requirements.every((r) => {
    const actual = fields[r.field] ?? '';
    return r.op === '=' ? actual === r.value : actual !== r.value;
  });
}
