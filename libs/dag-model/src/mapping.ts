/**
 * Dynamic task mapping at run time, pure (Airflow's expandinput.py): how many task instances a mapped task expands
 * into, and the arguments of each map_index. Callers resolve the expand input's XComArgs first (an upstream's return
 * value; a mapped upstream's values as one list in map_index order, Airflow's lazy sequence).
 */
import type { ExpandInput, SerializedTask } from './serialized.ts';

/** Airflow's [core] max_map_length default. */
export const DEFAULT_MAX_MAP_LENGTH = 1024;

export type ExpansionLength = { ok: true; length: number } | { ok: false; reason: string };

/** The expanded length of a resolved expand input: the product of each argument's length (a cross product). */
export function expansionLength(input: ExpandInput, resolved: unknown, maxMapLength = DEFAULT_MAX_MAP_LENGTH): ExpansionLength {
  let length: number;
  if (input.type === 'list') {
    if (!Array.isArray(resolved)) return { ok: false, reason: `expand_kwargs() expects a list of dicts, got ${typeName(resolved)}` };
    const bad = resolved.find((item) => !isDict(item));
    if (bad !== undefined) return { ok: false, reason: `expand_kwargs() expects a list of dicts, got an element of type ${typeName(bad)}` };
    length = resolved.length;
  } else {
    length = 1;
    for (const [key, value] of Object.entries(resolved as Record<string, unknown>)) {
      const n = sizeOf(value);
      if (n === null) return { ok: false, reason: `cannot map over '${key}': expected a list or dict, got ${typeName(value)}` };
      length *= n;
    }
  }
  if (length > maxMapLength) {
    return { ok: false, reason: `expanding into ${length} task instances exceeds max_map_length (${maxMapLength})` };
  }
  return { ok: true, length };
}

/**
 * The keyword arguments map_index gives the task, by Airflow's rule for a cross product: the last argument varies
 * fastest; a dict is mapped as its [key, value] pairs.
 */
export function mappedKwargs(input: ExpandInput, resolved: unknown, mapIndex: number): Record<string, unknown> {
  if (input.type === 'list') return { ...(resolved as Record<string, unknown>[])[mapIndex] };
  const entries = Object.entries(resolved as Record<string, unknown>);
  const out: Record<string, unknown> = {};
  let index = mapIndex;
  for (let i = entries.length - 1; i >= 0; i--) {
    const [key, value] = entries[i]!;
    const n = sizeOf(value)!;
    const at = index % n;
    index = Math.floor(index / n);
    out[key] = Array.isArray(value) ? value[at] : Object.entries(value as Record<string, unknown>)[at];
  }
  return Object.fromEntries(entries.map(([k]) => [k, out[k]]));
}

/** The task's arguments for one map_index: the partial arguments with the mapped ones in place. */
export function argsForMapIndex(task: SerializedTask, resolved: unknown, mapIndex: number): Record<string, unknown> {
  const input = task.expand_input;
  if (!input) return task.args;
  const kw = mappedKwargs(input, resolved, mapIndex);
  if (input.target === 'op_kwargs') {
    return { ...task.args, op_kwargs: { ...(task.args.op_kwargs as Record<string, unknown> | undefined ?? {}), ...kw } };
  }
  return { ...task.args, ...kw };
}

function sizeOf(value: unknown): number | null {
  if (Array.isArray(value)) return value.length;
  if (isDict(value)) return Object.keys(value).length;
  return null;
}

function isDict(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'object') return 'dict';
  if (typeof v === 'string') return 'str';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  return typeof v === 'boolean' ? 'bool' : typeof v;
}

/** The XCom task ids an expand input reads (its XComArgs), to resolve before expanding. */
export function expandSources(input: ExpandInput): string[] {
  const out = new Set<string>();
  const walk = (v: unknown, depth: number): void => {
    if (depth > 8 || v === null || typeof v !== 'object') return;
    if (Array.isArray(v)) { for (const x of v) walk(x, depth + 1); return; }
    const o = v as Record<string, unknown>;
    if (o.__type === 'xcomarg' && typeof o.task_id === 'string') { out.add(o.task_id); return; }
    for (const x of Object.values(o)) walk(x, depth + 1);
  };
  walk(input.value, 0);
  return [...out];
}
