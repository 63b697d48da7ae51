/**
 * A Deployment controller (apps/v1), the deployment and ReplicaSet controllers folded into one: a Deployment
 * with `spec.replicas` N (default 1) owns N pods from its template, named `<deploy>-<pod-template-hash>-<5>`,
 * labelled with the template's labels plus `pod-template-hash`, with an ownerReference to the Deployment
 * (no ReplicaSet object is kept). The simulated kubelet runs them until they are deleted (their template's
 * behaviour annotations may say otherwise; a pod that ends is replaced). Scaling down deletes pods, a template
 * change replaces them all (a rollout without surge), deleting the Deployment deletes them (garbage collection
 * in api.ts). Status: replicas, updatedReplicas, readyReplicas, availableReplicas, unavailableReplicas,
 * observedGeneration, conditions Available / Progressing and, while a pod create is refused (quota, LimitRange),
 * ReplicaFailure (reason FailedCreate, the API server's message) with a `FailedCreate` Warning event; the
 * controller retries every second, and at once when a quota or an owned pod changes.
 */
import type { Api } from './api.ts';
import { StatusError } from './errors.ts';
import { EventRecorder } from './events.ts';
import { DEPLOYMENTS, NAMESPACES, PODS, RESOURCEQUOTAS } from './resources.ts';
import { nowIso, type Change, type Store } from './store.ts';
import type { KubeObject, Pod } from './types.ts';

interface DeploymentSpec {
  replicas?: number;
  template?: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: unknown };
  strategy?: { rollingUpdate?: { maxUnavailable?: number | string } };
}

interface Condition {
  type: string;
  status: 'True' | 'False';
  lastUpdateTime: string;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const RETRY_MS = 1000;

/** controller.ComputeHash: FNV-32a of the template, its decimal digits through rand.SafeEncodeString. */
export function podTemplateHash(template: unknown): string {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(JSON.stringify(template ?? {}), 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return [...String(h)].map((ch) => SAFE_ALPHABET[ch.charCodeAt(0) % SAFE_ALPHABET.length]).join('');
}

function specOf(d: KubeObject): DeploymentSpec {
  return (d.spec ?? {}) as DeploymentSpec;
}

function isReady(pod: Pod): boolean {
  return pod.status.phase === 'Running' && (pod.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

function maxUnavailable(spec: DeploymentSpec, replicas: number): number {
  const raw = spec.strategy?.rollingUpdate?.maxUnavailable ?? '25%';
  if (typeof raw === 'number') return raw;
  const pct = /^(\d+)%$/.exec(raw);
  return pct === null ? Number(raw) || 0 : Math.floor((replicas * Number(pct[1])) / 100);
}

export class DeploymentController {
  readonly #store: Store;
  readonly #api: Api;
  readonly #onError: (err: unknown) => void;
  readonly #events: EventRecorder;
  readonly #pending = new Set<string>();
  readonly #retries = new Map<string, NodeJS.Timeout>();
  #unsubscribe: (() => void) | null = null;

  constructor(store: Store, api: Api, onError: (err: unknown) => void) {
    this.#store = store;
    this.#api = api;
    this.#onError = onError;
    this.#events = new EventRecorder(store);
  }

  start(): void {
    this.#unsubscribe = this.#store.subscribe((c) => this.#onChange(c));
  }

  stop(): void {
    this.#unsubscribe?.();
    for (const t of this.#retries.values()) clearTimeout(t);
    this.#retries.clear();
  }

  #onChange(c: Change): void {
    const ns = c.object.metadata.namespace as string;
    if (c.resource === DEPLOYMENTS.plural) {
      if (c.type === 'DELETED') this.#events.forget(c.object.metadata.uid ?? '');
      else this.#schedule(ns, c.object.metadata.name);
    } else if (c.resource === PODS.plural) {
      for (const r of c.object.metadata.ownerReferences ?? []) if (r.kind === 'Deployment') this.#schedule(ns, r.name);
    } else if (c.resource === RESOURCEQUOTAS.plural) {
      for (const d of this.#store.list(DEPLOYMENTS.plural, ns)) this.#schedule(ns, d.metadata.name);
    }
  }

  #schedule(namespace: string, name: string, delayMs = 0): void {
    const key = `${namespace}/${name}`;
    if (this.#pending.has(key)) return;
    this.#pending.add(key);
    const run = (): void => {
      this.#pending.delete(key);
      try {
        this.#reconcile(namespace, name);
      } catch (err) {
        if (!(err instanceof StatusError && err.httpCode === 404)) this.#onError(err);
      }
    };
    if (delayMs === 0) setImmediate(run);
    else {
      clearTimeout(this.#retries.get(key));
      this.#retries.set(key, setTimeout(() => {
        this.#retries.delete(key);
        run();
      }, delayMs));
    }
  }

  #reconcile(namespace: string, name: string): void {
    const d = this.#store.get(DEPLOYMENTS.plural, namespace, name);
    if (d === undefined || d.metadata.deletionTimestamp !== undefined) return;
    const nsObj = this.#store.get(NAMESPACES.plural, undefined, namespace);
    if (nsObj === undefined || nsObj.metadata.deletionTimestamp !== undefined) return;
    const spec = specOf(d);
    const replicas = spec.replicas ?? 1;
    const hash = podTemplateHash(spec.template);
    const owned = this.#store.list<Pod>(PODS.plural, namespace).filter((p) => (p.metadata.ownerReferences ?? []).some((r) => r.uid === d.metadata.uid));
    for (const p of owned) {
      const ended = p.status.phase === 'Succeeded' || p.status.phase === 'Failed';
      const outdated = p.metadata.labels?.['pod-template-hash'] !== hash;
      if (p.metadata.deletionTimestamp === undefined && (ended || outdated)) this.#deletePod(p);
    }
    const current = owned.filter((p) => p.metadata.deletionTimestamp === undefined && p.metadata.labels?.['pod-template-hash'] === hash &&
      p.status.phase !== 'Succeeded' && p.status.phase !== 'Failed');
    // Scale down: the pods that are not ready, then the newest, go first (ActivePodsWithRanks, simplified).
    const surplus = [...current].sort((a, b) => Number(isReady(a)) - Number(isReady(b)) ||
      (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '')).slice(0, Math.max(0, current.length - replicas));
    for (const p of surplus) this.#deletePod(p);
    const kept = current.filter((p) => !surplus.includes(p));
    let failure: string | null = null;
    for (let i = kept.length; i < replicas; i++) {
      try {
        kept.push(this.#api.create(PODS, namespace, this.#podFor(d, hash)).object as Pod);
      } catch (err) {
        if (!(err instanceof StatusError)) throw err;
        failure = err.message;
        break;
      }
    }
    if (failure !== null) {
      this.#events.record(d, 'Warning', 'FailedCreate', `Error creating: ${failure}`, { component: 'replicaset-controller' });
      this.#schedule(namespace, name, RETRY_MS);
    }
    this.#writeStatus(d, kept, replicas, hash, failure);
  }

  #deletePod(p: Pod): void {
    try {
      this.#api.delete(PODS, p.metadata.namespace, p.metadata.name, {});
    } catch (err) {
      if (!(err instanceof StatusError && err.httpCode === 404)) throw err;
    }
  }

  #podFor(d: KubeObject, hash: string): KubeObject {
    const template = specOf(d).template ?? {};
    const meta = template.metadata ?? {};
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: '',
        generateName: `${d.metadata.name}-${hash}-`,
        labels: { ...meta.labels, 'pod-template-hash': hash },
        ...(meta.annotations === undefined ? {} : { annotations: { ...meta.annotations } }),
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: d.metadata.name, uid: d.metadata.uid as string, controller: true, blockOwnerDeletion: true }],
      },
      spec: structuredClone(template.spec ?? {}),
    };
  }

  #writeStatus(d: KubeObject, pods: readonly Pod[], replicas: number, hash: string, failure: string | null): void {
    const ready = pods.filter(isReady).length;
    const old = ((d.status ?? {}) as { conditions?: Condition[] }).conditions ?? [];
    const now = nowIso();
    const condition = (type: string, status: 'True' | 'False', reason: string, message: string): Condition => {
      const prev = old.find((c) => c.type === type);
      const same = prev !== undefined && prev.status === status && prev.reason === reason && prev.message === message;
      if (same) return prev;
      return { type, status, lastUpdateTime: now, lastTransitionTime: prev?.status === status ? prev.lastTransitionTime : now, reason, message };
    };
    const available = ready >= replicas - maxUnavailable(specOf(d), replicas);
    const rsName = `${d.metadata.name}-${hash}`;
    const done = pods.length === replicas && ready === replicas;
    const conditions = [
      available
        ? condition('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.')
        : condition('Available', 'False', 'MinimumReplicasUnavailable', 'Deployment does not have minimum availability.'),
      done
        ? condition('Progressing', 'True', 'NewReplicaSetAvailable', `ReplicaSet "${rsName}" has successfully progressed.`)
        : condition('Progressing', 'True', 'ReplicaSetUpdated', `ReplicaSet "${rsName}" is progressing.`),
      ...(failure === null ? [] : [condition('ReplicaFailure', 'True', 'FailedCreate', failure)]),
    ];
    const counts: Record<string, number> = {
      replicas: pods.length, updatedReplicas: pods.length, readyReplicas: ready, availableReplicas: ready,
      unavailableReplicas: Math.max(0, replicas - ready),
    };
    // int32 fields with omitempty: zeros are not serialized.
    const status = { observedGeneration: d.metadata.generation ?? 1, ...Object.fromEntries(Object.entries(counts).filter(([, v]) => v > 0)), conditions };
    this.#store.update(DEPLOYMENTS.plural, DEPLOYMENTS.ref, d.metadata.namespace, d.metadata.name, (draft) => {
      draft.status = status;
    });
  }
}
