/**
 * Readers for operator arguments as the DAG parsers serialize them (kubernetes.client.models objects become
 * camelCase JSON; dicts stay dicts), shared by the pod and SparkApplication builders. Wrong shapes are the
 * DAG author's error: UNSUPPORTED_TASK with the argument's name.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ExecutorError, type TaskLaunch } from '../types.ts';

import { isObject, type JsonObject } from '@windsock/dag-model';

export type Obj = JsonObject;
export const isObj = isObject;

export function argError(launch: TaskLaunch, arg: string, message: string): ExecutorError {
  return new ExecutorError('UNSUPPORTED_TASK', `task ${launch.key.taskId}: ${arg} ${message}`);
}

/** The namespace a task's object goes to: its own, else the default; refused out of a locked one. */
export function namespaceOf(launch: TaskLaunch, own: string | undefined, o: { namespace: string; namespaceLocked: boolean }): string {
  const ns = own ?? o.namespace;
  if (o.namespaceLocked && ns !== o.namespace) throw argError(launch, 'namespace', `"${ns}" is refused: this instance runs pods and Spark applications in namespace ${o.namespace} only`);
  return ns;
}

export function str(launch: TaskLaunch, arg: string): string | undefined {
  const v = launch.rendered[arg];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string' && typeof v !== 'number') throw argError(launch, arg, 'must be a string');
  return String(v);
}

export function strList(launch: TaskLaunch, arg: string): string[] | undefined {
  const v = launch.rendered[arg];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return [v];
  if (!Array.isArray(v)) throw argError(launch, arg, 'must be a list of strings');
  return v.map((x) => String(x));
}

export function objList(launch: TaskLaunch, arg: string): Obj[] {
  const v = launch.rendered[arg];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every(isObj)) throw argError(launch, arg, 'must be a list of objects');
  return v;
}

export function obj(launch: TaskLaunch, arg: string): Obj | undefined {
  const v = launch.rendered[arg];
  if (v === undefined || v === null) return undefined;
  if (!isObj(v)) throw argError(launch, arg, 'must be a mapping');
  return v;
}

/** env_vars as a dict or a list of V1EnvVar, as a list of EnvVar. */
export function envList(launch: TaskLaunch, arg: string): Obj[] {
  const v = launch.rendered[arg];
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return objList(launch, arg);
  if (!isObj(v)) throw argError(launch, arg, 'must be a mapping or a list of {name, value}');
  return Object.entries(v).map(([name, value]) => ({ name, value: typeof value === 'string' ? value : JSON.stringify(value) }));
}

/** String-valued map (labels, annotations, node_selector). */
export function strMap(launch: TaskLaunch, arg: string): Record<string, string> | undefined {
  const v = obj(launch, arg);
  return v ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, String(x)])) : undefined;
}

/** K8sOperator's `resources` {cpu, memory, gpu} as container resources (gpu → nvidia.com/gpu, a limit). */
export function platformResources(launch: TaskLaunch, arg: string): Obj | undefined {
  const r = obj(launch, arg);
  if (!r) return undefined;
  const requests: Record<string, string> = {};
  const limits: Record<string, string> = {};
  for (const [k, v] of Object.entries(r)) {
    if (v === null || v === undefined) continue;
    const q = String(v);
    if (k === 'cpu') requests.cpu = q;
    else if (k === 'memory') { requests.memory = q; limits.memory = q; } else if (k === 'gpu') { if (q !== '0') { limits['nvidia.com/gpu'] = q; requests['nvidia.com/gpu'] = q; } } else throw argError(launch, arg, `has unknown key ${k} (cpu, memory, gpu)`);
  }
  return { ...(Object.keys(requests).length ? { requests } : {}), ...(Object.keys(limits).length ? { limits } : {}) };
}

/** config_map_mounts {name: path}, from_env_config_map [names], from_env_secret [names] of the platform's operators. */
export function platformMounts(launch: TaskLaunch): { volumes: Obj[]; mounts: Obj[]; envFrom: Obj[]; configMaps: Array<{ name: string; path: string }> } {
  const cm = strMap(launch, 'config_map_mounts') ?? {};
  const configMaps = Object.entries(cm).map(([name, path]) => ({ name, path }));
  const volumes = configMaps.map(({ name }) => ({ name: volumeName(`cm-${name}`), configMap: { name } }));
  const mounts = configMaps.map(({ name, path }) => ({ name: volumeName(`cm-${name}`), mountPath: path }));
  const envFrom = [
    ...(strList(launch, 'from_env_config_map') ?? []).map((name) => ({ configMapRef: { name } })),
    ...(strList(launch, 'from_env_secret') ?? []).map((name) => ({ secretRef: { name } })),
    ...objList(launch, 'env_from'),
  ];
  return { volumes, mounts, envFrom, configMaps };
}

function volumeName(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9-]+/g, '-').slice(0, 63).replace(/-+$/, '');
}

/** A YAML/JSON file named relative to the DAG file's folder (then the DAG folder), or YAML/JSON text given inline. */
export function loadDocument(launch: TaskLaunch, arg: string, value: string, dagsFolder: string): unknown {
  const inline = value.includes('\n') || value.trimStart().startsWith('{');
  let text = value;
  if (!inline) {
    const candidates = isAbsolute(value) ? [value] : [join(dagsFolder, dirname(launch.dag.fileloc), value), join(dagsFolder, value)];
    const found = candidates.map((p) => { try { return readFileSync(p, 'utf8'); } catch { return null; } }).find((t) => t !== null);
    if (found === undefined || found === null) throw argError(launch, arg, `file ${value} was not found (looked in ${candidates.join(', ')})`);
    text = found;
  }
  try { return parseYaml(text); } catch (e) { throw argError(launch, arg, `is not valid YAML/JSON: ${(e as Error).message}`); }
}
