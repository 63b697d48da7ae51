/**
 * Names and labels of the objects a try creates, as Airflow makes them: label values made label-safe
 * (`make_safe_label_value`), Airflow's TI labels plus the worker that owns the try (`airflow-worker`), and a
 * name that is the same every time the same try is launched (so a retried create, an adoption or a leftover
 * is recognised by name) and different for every try.
 */
import { createHash } from 'node:crypto';
import type { TryKey } from '../types.ts';

const MAX_LABEL = 63;

/** Airflow's make_safe_label_value: strip what a label value may not hold; if anything changed or it is too long, truncate and add an md5 suffix. */
export function makeSafeLabelValue(s: string): string {
  let safe = s.replace(/^[^a-zA-Z0-9]*|[^a-zA-Z0-9_.-]|[^a-zA-Z0-9]*$/g, '');
  if (safe.length > MAX_LABEL || safe !== s) {
    const h = createHash('md5').update(s).digest('hex').slice(0, 9);
    safe = `${safe.slice(0, MAX_LABEL - h.length - 1)}-${h}`;
  }
  return safe;
}

export const WORKER_LABEL = 'airflow-worker';
export const LAUNCH_ANNOTATION = 'windsock.dev/launch-id';

/** The labels that identify a try (Airflow's), without the owner. */
export function tryLabels(key: TryKey, marker: 'kubernetes_pod_operator' | 'spark_kubernetes_operator'): Record<string, string> {
  const l: Record<string, string> = {
    dag_id: makeSafeLabelValue(key.dagId), task_id: makeSafeLabelValue(key.taskId), run_id: makeSafeLabelValue(key.runId),
    try_number: String(key.tryNumber), [marker]: 'True', 'windsock.dev/managed': 'true',
  };
  if (key.mapIndex >= 0) l.map_index = String(key.mapIndex);
  return l;
}

export function tryAnnotations(key: TryKey): Record<string, string> {
  const a: Record<string, string> = { dag_id: key.dagId, task_id: key.taskId, run_id: key.runId, try_number: String(key.tryNumber) };
  if (key.mapIndex >= 0) a.map_index = String(key.mapIndex);
  return a;
}

/**
 * `<dag>-<task>-<hash8>-<try>` (or `<readable>-<hash8>-<try>`: the operator's `name`), lower-case DNS-1035 (starts with a letter), at most `max` characters. The hash
 * covers dag, task, run and map index, so two runs never share a name even when the readable part is cut.
 */
export function objectName(key: TryKey, max = 63, readable?: string): string {
  const h = createHash('sha256').update(JSON.stringify([key.dagId, key.taskId, key.runId, key.mapIndex])).digest('hex').slice(0, 8);
  const suffix = `-${h}-${key.tryNumber}`;
  let base = sanitizeName(readable ?? `${key.dagId}-${key.taskId}`);
  base = base.slice(0, max - suffix.length).replace(/-+$/, '');
  return `${base === '' ? 'task' : base}${suffix}`;
}

/** Lower-case, runs of anything but [a-z0-9] as one `-`, starting with a letter and not ending with `-`. */
export function sanitizeName(s: string, max = 63): string {
  return s.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/-+/g, '-').replace(/^[^a-z]+/, '').slice(0, max).replace(/-+$/, '');
}
