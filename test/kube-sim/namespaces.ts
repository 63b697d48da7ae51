/**
 * The namespace lifecycle controller: a namespace being deleted (phase Terminating) has its pods,
 * SparkApplications and events deleted (pods gracefully), and disappears once no pod is left, as the
 * API server's namespace controller does after emptying it.
 */
import type { Api } from './api.ts';
import { StatusError } from './errors.ts';
import { EVENTS, NAMESPACES, PODS, type ResourceType } from './resources.ts';
import type { Change, Store } from './store.ts';

export class NamespaceController {
  readonly #store: Store;
  readonly #api: Api;
  readonly #contents: ResourceType[];
  readonly #onError: (err: unknown) => void;
  #unsubscribe: (() => void) | null = null;

  constructor(store: Store, api: Api, namespacedTypes: ResourceType[], onError: (err: unknown) => void) {
    this.#store = store;
    this.#api = api;
    this.#contents = namespacedTypes;
    this.#onError = onError;
  }

  /** Creates the namespaces every cluster has, then starts watching. */
  start(initial: readonly string[]): void {
    for (const name of initial) this.#api.create(NAMESPACES, undefined, { metadata: { name } });
    this.#unsubscribe = this.#store.subscribe((c) => this.#onChange(c));
  }

  stop(): void {
    this.#unsubscribe?.();
  }

  #onChange(c: Change): void {
    if (c.resource === NAMESPACES.plural && c.type === 'MODIFIED' && c.object.metadata.deletionTimestamp !== undefined &&
      c.previous?.metadata.deletionTimestamp === undefined) {
      setImmediate(() => this.#empty(c.object.metadata.name));
    } else if (c.resource === PODS.plural && c.type === 'DELETED') {
      const ns = this.#store.get(NAMESPACES.plural, undefined, c.object.metadata.namespace as string);
      if (ns?.metadata.deletionTimestamp !== undefined) setImmediate(() => this.#finishIfEmpty(ns.metadata.name));
    }
  }

  #empty(namespace: string): void {
    try {
      for (const type of this.#contents) {
        for (const o of this.#store.list(type.plural, namespace)) {
          if (o.metadata.deletionTimestamp !== undefined) continue;
          this.#api.delete(type, namespace, o.metadata.name, {});
        }
      }
      this.#finishIfEmpty(namespace);
    } catch (err) {
      if (!(err instanceof StatusError && err.httpCode === 404)) this.#onError(err);
    }
  }

  #finishIfEmpty(namespace: string): void {
    if (this.#store.list(PODS.plural, namespace).length > 0) return;
    for (const e of this.#store.list(EVENTS.plural, namespace)) this.#store.remove(EVENTS.plural, EVENTS.ref, namespace, e.metadata.name);
    if (this.#store.get(NAMESPACES.plural, undefined, namespace) !== undefined) this.#store.remove(NAMESPACES.plural, NAMESPACES.ref, undefined, namespace);
  }
}
