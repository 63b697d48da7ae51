/**
 * ResourceQuota, as the API server's admission plugin and the quota controller do it
 * (plugin/pkg/admission/resourcequota, pkg/quota/v1/evaluator/core/pods.go):
 *
 * - Usage: a pod counts `count/pods` always and, unless terminal (Succeeded/Failed), `pods`, `cpu`/`memory`
 *   (= requests), `requests.*`, `limits.*` (cpu, memory, ephemeral-storage) and `requests.<extended>`
 *   (e.g. `requests.nvidia.com/gpu`): containers summed, init containers as a max. Any other object counts
 *   `count/<plural>[.<group>]` (and the legacy `configmaps`, `secrets`, `resourcequotas`).
 * - Admission of a create: a quota constraining cpu/memory needs every container to state it
 *   (`failed quota: q: must specify limits.cpu`); then used + requested must stay within `spec.hard`
 *   (`exceeded quota: q, requested: limits.cpu=5, used: limits.cpu=1, limited: limits.cpu=2`), 403 Forbidden.
 * - The controller keeps `status.hard` (= spec.hard) and `status.used` (the hard keys) up to date as objects
 *   come and go. Scopes and scopeSelector are not simulated.
 */
import { forbidden } from './errors.ts';
import { add, compare, formatQuantity, parseQuantity, zero, type Quantity } from './quantity.ts';
import { PODS, RESOURCEQUOTAS, type ResourceType } from './resources.ts';
import type { Change, Store } from './store.ts';
import type { KubeObject, Pod } from './types.ts';

type Usage = Map<string, Quantity>;
type Quantities = Record<string, string>;

const ONE: Quantity = { nano: 1_000_000_000n, format: 'DecimalSI' };
const COMPUTE = ['cpu', 'memory', 'ephemeral-storage'];
/** The resources a quota can only constrain if every container states them (pods.go validationSet). */
const MUST_SPECIFY = new Set(['cpu', 'memory', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory']);
const LEGACY_COUNT = new Set(['configmaps', 'secrets', 'resourcequotas']);

function isExtended(resource: string): boolean {
  return resource.includes('/') && !resource.startsWith('kubernetes.io/') && !resource.startsWith('requests.');
}

function put(u: Usage, key: string, q: Quantity): void {
  const prev = u.get(key);
  u.set(key, prev === undefined ? q : add(prev, q));
}

interface Container {
  name: string;
  resources?: { limits?: Quantities; requests?: Quantities };
}

function containerUsage(c: Container): Usage {
  const u: Usage = new Map();
  for (const [k, v] of Object.entries(c.resources?.requests ?? {})) {
    const q = parseQuantity(v);
    if (q === null) continue;
    if (COMPUTE.includes(k)) {
      put(u, k, q);
      put(u, `requests.${k}`, q);
    } else if (k.startsWith('hugepages-')) {
      put(u, k, q);
      put(u, `requests.${k}`, q);
    } else if (isExtended(k)) put(u, `requests.${k}`, q);
  }
  for (const [k, v] of Object.entries(c.resources?.limits ?? {})) {
    const q = parseQuantity(v);
    if (q !== null && COMPUTE.includes(k)) put(u, `limits.${k}`, q);
  }
  return u;
}

function isTerminal(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

/** What a pod charges to a quota. */
export function podUsage(pod: Pod): Usage {
  const u: Usage = new Map([['count/pods', ONE]]);
  if (isTerminal(pod)) return u;
  u.set('pods', ONE);
  const sum: Usage = new Map();
  for (const c of pod.spec.containers as Container[]) for (const [k, q] of containerUsage(c)) put(sum, k, q);
  for (const c of (pod.spec.initContainers ?? []) as Container[]) {
    for (const [k, q] of containerUsage(c)) {
      const cur = sum.get(k);
      if (cur === undefined || compare(q, cur) > 0) sum.set(k, q);
    }
  }
  for (const [k, q] of sum) u.set(k, q);
  return u;
}

export function countKeys(type: ResourceType): string[] {
  const keys = [type.group === '' ? `count/${type.plural}` : `count/${type.plural}.${type.group}`];
  if (type.group === '' && LEGACY_COUNT.has(type.plural)) keys.push(type.plural);
  return keys;
}

function usageOf(type: ResourceType, obj: KubeObject): Usage {
  if (type === PODS) return podUsage(obj as Pod);
  return new Map(countKeys(type).map((k) => [k, ONE]));
}

function hardOf(q: KubeObject): Quantities {
  return ((q.spec ?? {}) as { hard?: Quantities }).hard ?? {};
}

function prettyPrint(keys: readonly string[], value: (k: string) => Quantity | string | undefined): string {
  return [...keys].sort().map((k) => {
    const v = value(k);
    return `${k}=${v === undefined ? '0' : typeof v === 'string' ? v : formatQuantity(v)}`;
  }).join(',');
}

export class Quotas {
  readonly #store: Store;
  readonly #types: () => readonly ResourceType[];
  readonly #pending = new Set<string>();
  #unsubscribe: (() => void) | null = null;

  /** `types`: the namespaced types whose objects `count/…` keys count. */
  constructor(store: Store, types: () => readonly ResourceType[]) {
    this.#store = store;
    this.#types = types;
  }

  /** Everything charged in a namespace now (`types` for object counts). */
  used(namespace: string): Usage {
    const u: Usage = new Map();
    for (const pod of this.#store.list<Pod>(PODS.plural, namespace)) for (const [k, q] of podUsage(pod)) put(u, k, q);
    for (const t of this.#types()) {
      if (t === PODS) continue;
      const n = this.#store.list(t.plural, namespace).length;
      for (const k of countKeys(t)) u.set(k, { nano: BigInt(n) * ONE.nano, format: 'DecimalSI' });
    }
    return u;
  }

  /** The admission check of a create; throws 403 Forbidden. */
  admit(type: ResourceType, obj: KubeObject, displayName: string): void {
    const namespace = obj.metadata.namespace;
    if (namespace === undefined) return;
    const quotas = this.#store.list(RESOURCEQUOTAS.plural, namespace).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
    if (quotas.length === 0) return;
    const requested = usageOf(type, obj);
    if (type === PODS) {
      const pod = obj as Pod;
      const containers = [...pod.spec.containers, ...(pod.spec.initContainers ?? [])] as Container[];
      for (const q of quotas) {
        const required = Object.keys(hardOf(q)).filter((k) => MUST_SPECIFY.has(k));
        const missing = required.filter((k) => containers.some((c) => !containerUsage(c).has(k)));
        if (missing.length > 0) throw forbidden(type.ref, displayName, `failed quota: ${q.metadata.name}: must specify ${missing.sort().join(',')}`);
      }
    }
    const used = this.used(namespace);
    for (const q of quotas) {
      const hard = hardOf(q);
      const exceeded = Object.keys(hard).filter((k) => {
        const req = requested.get(k);
        const limit = parseQuantity(hard[k]);
        return req !== undefined && limit !== null && compare(add(used.get(k) ?? zero(), req), limit) > 0;
      });
      if (exceeded.length > 0) {
        throw forbidden(type.ref, displayName, `exceeded quota: ${q.metadata.name}, requested: ${prettyPrint(exceeded, (k) => requested.get(k))}, ` +
          `used: ${prettyPrint(exceeded, (k) => used.get(k))}, limited: ${prettyPrint(exceeded, (k) => hard[k])}`);
      }
    }
  }

  // ---- the quota controller ----

  start(): void {
    this.#unsubscribe = this.#store.subscribe((c) => this.#onChange(c));
  }

  stop(): void {
    this.#unsubscribe?.();
  }

  #onChange(c: Change): void {
    const ns = c.object.metadata.namespace;
    if (ns === undefined || this.#pending.has(ns)) return;
    if (c.resource === RESOURCEQUOTAS.plural && c.type === 'MODIFIED' && JSON.stringify(c.object.spec) === JSON.stringify(c.previous?.spec)) return;
    this.#pending.add(ns);
    setImmediate(() => {
      this.#pending.delete(ns);
      this.#sync(ns);
    });
  }

  #sync(namespace: string): void {
    const quotas = this.#store.list(RESOURCEQUOTAS.plural, namespace);
    if (quotas.length === 0) return;
    const used = this.used(namespace);
    for (const q of quotas) {
      if (q.metadata.deletionTimestamp !== undefined) continue;
      const hard = hardOf(q);
      const status = { hard: { ...hard }, used: Object.fromEntries(Object.keys(hard).map((k) => [k, formatQuantity(used.get(k) ?? zero())])) };
      this.#store.update(RESOURCEQUOTAS.plural, RESOURCEQUOTAS.ref, namespace, q.metadata.name, (draft) => {
        draft.status = status;
      });
    }
  }
}
