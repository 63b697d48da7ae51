/**
 * The LimitRanger admission plugin, for pod creates (plugin/pkg/admission/limitranger): `type: Container`
 * items fill `default` (limits) and `defaultRequest` into containers lacking them, recorded in the
 * `kubernetes.io/limit-ranger` annotation; then `min` / `max` are enforced per Container (and summed per
 * Pod), a violation being 403 Forbidden with the plugin's wording
 * (`maximum cpu usage per Container is 2, but limit is 5`). Other limit types (PVCs, images) are not checked.
 */
import { forbidden } from './errors.ts';
import { add, compare, formatQuantity, parseQuantity, zero, type Quantity } from './quantity.ts';
import { PODS } from './resources.ts';
import type { KubeObject, Pod } from './types.ts';

type Quantities = Record<string, string>;

interface LimitItem {
  type?: string;
  max?: Quantities;
  min?: Quantities;
  default?: Quantities;
  defaultRequest?: Quantities;
}

interface Container {
  name: string;
  resources?: { limits?: Quantities; requests?: Quantities };
}

function items(lr: KubeObject): LimitItem[] {
  return ((lr.spec ?? {}) as { limits?: LimitItem[] }).limits ?? [];
}

function mergeDefaults(c: Container, prefix: string, limits: Quantities, requests: Quantities): string[] {
  c.resources ??= {};
  const setLimits: string[] = [];
  const setRequests: string[] = [];
  for (const [k, v] of Object.entries(limits)) {
    c.resources.limits ??= {};
    if (c.resources.limits[k] === undefined) {
      c.resources.limits[k] = v;
      setLimits.push(k);
    }
  }
  for (const [k, v] of Object.entries(requests)) {
    c.resources.requests ??= {};
    if (c.resources.requests[k] === undefined) {
      c.resources.requests[k] = v;
      setRequests.push(k);
    }
  }
  const notes: string[] = [];
  if (setRequests.length > 0) notes.push(`${setRequests.sort().join(', ')} request for ${prefix} ${c.name}`);
  if (setLimits.length > 0) notes.push(`${setLimits.sort().join(', ')} limit for ${prefix} ${c.name}`);
  return notes;
}

function check(kind: string, resource: string, min: string | undefined, max: string | undefined,
  request: Quantity | null, limit: Quantity | null, errors: string[]): void {
  const lo = parseQuantity(min);
  const hi = parseQuantity(max);
  if (lo !== null) {
    if (request === null) errors.push(`minimum ${resource} usage per ${kind} is ${formatQuantity(lo)}.  No request is specified`);
    else if (compare(request, lo) < 0) errors.push(`minimum ${resource} usage per ${kind} is ${formatQuantity(lo)}, but request is ${formatQuantity(request)}`);
  }
  if (hi !== null) {
    if (limit === null) errors.push(`maximum ${resource} usage per ${kind} is ${formatQuantity(hi)}.  No limit is specified`);
    else if (compare(limit, hi) > 0) errors.push(`maximum ${resource} usage per ${kind} is ${formatQuantity(hi)}, but limit is ${formatQuantity(limit)}`);
  }
}

function resourcesOf(item: LimitItem): string[] {
  return [...new Set([...Object.keys(item.min ?? {}), ...Object.keys(item.max ?? {})])].sort();
}

/** Sum over containers; null when some container does not set it (a Pod-level bound then has nothing to compare). */
function podTotal(containers: readonly Container[], field: 'limits' | 'requests', resource: string): Quantity | null {
  let total = zero();
  for (const c of containers) {
    const q = parseQuantity(c.resources?.[field]?.[resource]);
    if (q === null) return null;
    total = add(total, q);
  }
  return total;
}

/** Mutates the new pod (defaults, annotation) and throws 403 Forbidden on a min/max violation. */
export function admitLimitRanges(pod: Pod, limitRanges: readonly KubeObject[], displayName: string): void {
  const containers = pod.spec.containers as Container[];
  const inits = (pod.spec.initContainers ?? []) as Container[];
  const notes: string[] = [];
  for (const lr of limitRanges) {
    for (const item of items(lr)) {
      if (item.type !== 'Container') continue;
      for (const c of containers) notes.push(...mergeDefaults(c, 'container', item.default ?? {}, item.defaultRequest ?? {}));
      for (const c of inits) notes.push(...mergeDefaults(c, 'init container', item.default ?? {}, item.defaultRequest ?? {}));
    }
  }
  if (notes.length > 0) {
    pod.metadata.annotations = { ...pod.metadata.annotations, 'kubernetes.io/limit-ranger': `LimitRanger plugin set: ${notes.join('; ')}` };
  }
  const errors: string[] = [];
  for (const lr of limitRanges) {
    for (const item of items(lr)) {
      for (const r of resourcesOf(item)) {
        if (item.type === 'Container') {
          for (const c of [...containers, ...inits]) {
            check('Container', r, item.min?.[r], item.max?.[r], parseQuantity(c.resources?.requests?.[r]), parseQuantity(c.resources?.limits?.[r]), errors);
          }
        } else if (item.type === 'Pod') {
          check('Pod', r, item.min?.[r], item.max?.[r], podTotal(containers, 'requests', r), podTotal(containers, 'limits', r), errors);
        }
      }
    }
  }
  if (errors.length > 0) throw forbidden(PODS.ref, displayName, errors.length === 1 ? errors[0] as string : `[${errors.join(', ')}]`);
}
