/**
 * Airflow's PodGenerator.reconcile_pods: a pod built from several layers (pod template, operator, the
 * executor_config's pod_override), each later layer over the earlier one. Per field the later layer wins
 * when it sets it; labels and annotations are merged (later keys win); the lists finalizers, ownerReferences,
 * initContainers, volumes, and per container volumeMounts, env, envFrom, ports and volumeDevices are
 * concatenated; containers are merged by position (first with first).
 */
import { isObject as isObj, type JsonObject as Obj } from '@windsock/dag-model';

/** Airflow's merge_objects: the client's fields where set, the base's otherwise (one level, not recursive). */
function mergeFields(base: Obj | undefined, client: Obj | undefined): Obj | undefined {
  if (!client) return base;
  if (!base) return client;
  const out: Obj = { ...base };
  for (const [k, v] of Object.entries(client)) if (v !== undefined && v !== null) out[k] = v;
  return out;
}

function concat(out: Obj, base: Obj, client: Obj, field: string): void {
  const a = base[field];
  const b = client[field];
  if (Array.isArray(a) && Array.isArray(b)) out[field] = [...a, ...b];
  else if (Array.isArray(a) && (b === undefined || b === null)) out[field] = a;
}

function reconcileMetadata(base: Obj | undefined, client: Obj | undefined): Obj | undefined {
  if (!base || !client) return client ?? base;
  const out = mergeFields(base, client)!;
  for (const f of ['labels', 'annotations']) if (isObj(base[f]) || isObj(client[f])) out[f] = { ...(base[f] as Obj | undefined), ...(client[f] as Obj | undefined) };
  for (const f of ['finalizers', 'ownerReferences']) concat(out, base, client, f);
  return out;
}

function reconcileContainers(base: unknown, client: unknown): unknown {
  if (!Array.isArray(client) || client.length === 0) return base;
  if (!Array.isArray(base) || base.length === 0) return client;
  const out: unknown[] = [];
  const n = Math.max(base.length, client.length);
  for (let i = 0; i < n; i++) {
    const b = base[i] as Obj | undefined;
    const c = client[i] as Obj | undefined;
    if (!b || !c) { out.push(b ?? c); continue; }
    const m = mergeFields(b, c)!;
    for (const f of ['volumeMounts', 'env', 'envFrom', 'ports', 'volumeDevices']) concat(m, b, c, f);
    out.push(m);
  }
  return out;
}

function reconcileSpecs(base: Obj | undefined, client: Obj | undefined): Obj | undefined {
  if (!base || !client) return client ?? base;
  const out = mergeFields(base, client)!;
  out.containers = reconcileContainers(base.containers, client.containers);
  for (const f of ['initContainers', 'volumes']) concat(out, base, client, f);
  return out;
}

export function reconcilePods(base: Obj | null | undefined, client: Obj | null | undefined): Obj {
  if (!client) return base ?? {};
  if (!base) return client;
  const out = mergeFields(base, client)!;
  out.metadata = reconcileMetadata(base.metadata as Obj | undefined, client.metadata as Obj | undefined);
  out.spec = reconcileSpecs(base.spec as Obj | undefined, client.spec as Obj | undefined);
  return out;
}

/** Layers in order, the last winning. */
export function reconcileAll(layers: Array<Obj | null | undefined>): Obj {
  return layers.reduce<Obj>((acc, l) => reconcilePods(acc, l), {});
}
