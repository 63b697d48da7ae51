/**
 * The object store: the simulator's etcd plus the API server's watch cache.
 *
 * Contract:
 * - One global resourceVersion counter, bumped by every write of any resource (as etcd's revision).
 *   A write that changes nothing is a no-op and bumps nothing (as the API server's update path).
 * - Stored objects are immutable snapshots: every write replaces the object with a new one, so a
 *   change record's `object` and `previous` never change after the fact.
 * - Each resource keeps its own window of recent changes (the watch cache is per resource in the API
 *   server too). A watch from an RV older than the window's floor must get 410 Gone.
 * - Listeners run synchronously inside the write, so a watch that replays history and then subscribes
 *   in the same tick can neither miss nor repeat an event.
 */
import { randomUUID } from 'node:crypto';
import { alreadyExists, notFound, type ResourceRef } from './errors.ts';
import type { KubeObject } from './types.ts';

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface Change {
  type: ChangeType;
  resource: string;
  rv: number;
  object: KubeObject;
  /** The object before a MODIFIED (watchers need it to turn selector transitions into ADDED/DELETED). */
  previous: KubeObject | undefined;
}

export type HistoryResult = { ok: true; changes: Change[] } | { ok: false; oldest: number };

interface ResourceState {
  objects: Map<string, KubeObject>;
  history: Change[];
  /** Watches may start from any RV >= floor; older ones are "too old". */
  floor: number;
}

function key(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

export function nowIso(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

export class Store {
  #rv = 1;
  readonly #resources = new Map<string, ResourceState>();
  readonly #listeners = new Set<(change: Change) => void>();
  readonly #windowSize: number;

  constructor(windowSize: number) {
    this.#windowSize = windowSize;
  }

  #state(resource: string): ResourceState {
    let s = this.#resources.get(resource);
    if (s === undefined) {
      s = { objects: new Map(), history: [], floor: 1 };
      this.#resources.set(resource, s);
    }
    return s;
  }

  currentRv(): number {
    return this.#rv;
  }

  get<T extends KubeObject = KubeObject>(resource: string, namespace: string | undefined, name: string): T | undefined {
    return this.#state(resource).objects.get(key(namespace, name)) as T | undefined;
  }

  /** All objects of a resource (in one namespace when given), in creation order. */
  list<T extends KubeObject = KubeObject>(resource: string, namespace?: string): T[] {
    const all = [...this.#state(resource).objects.values()] as T[];
    return namespace === undefined ? all : all.filter((o) => o.metadata.namespace === namespace);
  }

  /** Stores a new object, filling in uid, creationTimestamp and resourceVersion. */
  create<T extends KubeObject>(resource: string, ref: ResourceRef, object: T): T {
    const s = this.#state(resource);
    const k = key(object.metadata.namespace, object.metadata.name);
    if (s.objects.has(k)) throw alreadyExists(ref, object.metadata.name);
    const copy = structuredClone(object);
    copy.metadata.uid = randomUUID();
    copy.metadata.creationTimestamp = nowIso();
    return this.#commit(s, resource, k, 'ADDED', copy, undefined) as T;
  }

  /**
   * Replaces an object with `mutate(copy)`'s result (or the mutated copy). Returns the stored object;
   * when nothing changed, the old one (no RV bump, no event).
   */
  update<T extends KubeObject>(resource: string, ref: ResourceRef, namespace: string | undefined, name: string,
    mutate: (draft: T) => T | void): T {
    const s = this.#state(resource);
    const k = key(namespace, name);
    const old = s.objects.get(k) as T | undefined;
    if (old === undefined) throw notFound(ref, name);
    const draft = structuredClone(old) as T;
    const next = mutate(draft) ?? draft;
    next.metadata.resourceVersion = old.metadata.resourceVersion;
    if (JSON.stringify(next) === JSON.stringify(old)) return old;
    return this.#commit(s, resource, k, 'MODIFIED', next, old) as T;
  }

  /** Removes an object for good; watchers get DELETED with its last state at a fresh RV. */
  remove<T extends KubeObject>(resource: string, ref: ResourceRef, namespace: string | undefined, name: string): T {
    const s = this.#state(resource);
    const k = key(namespace, name);
    const old = s.objects.get(k);
    if (old === undefined) throw notFound(ref, name);
    return this.#commit(s, resource, k, 'DELETED', structuredClone(old), old) as T;
  }

  #commit(s: ResourceState, resource: string, k: string, type: ChangeType, object: KubeObject,
    previous: KubeObject | undefined): KubeObject {
    this.#rv++;
    object.metadata.resourceVersion = String(this.#rv);
    deepFreeze(object);
    if (type === 'DELETED') s.objects.delete(k);
    else s.objects.set(k, object);
    const change: Change = { type, resource, rv: this.#rv, object, previous };
    s.history.push(change);
    if (s.history.length > this.#windowSize) {
      const dropped = s.history.shift() as Change;
      s.floor = Math.max(s.floor, dropped.rv);
    }
    for (const listener of [...this.#listeners]) listener(change);
    return object;
  }

  /** Changes of a resource with rv > `since`, or the oldest RV still watchable when `since` is too old. */
  historySince(resource: string, since: number): HistoryResult {
    const s = this.#state(resource);
    if (since < s.floor) return { ok: false, oldest: s.floor };
    return { ok: true, changes: s.history.filter((c) => c.rv > since) };
  }

  /**
   * Compacts every resource's history, as etcd compaction does: the revision moves on (with no event)
   * and a watch from any RV seen so far gets 410 Gone, while a relist followed by a watch works.
   */
  expireHistory(): void {
    this.#rv++;
    for (const s of this.#resources.values()) {
      s.history = [];
      s.floor = this.#rv;
    }
  }

  subscribe(listener: (change: Change) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
