/**
 * The namespace lifecycle controller: a namespace being deleted (phase Terminating) has every object of
 * every namespaced type deleted (pods gracefully; Deployments first, so nothing is recreated), and
 * disappears once nothing but events is left (those go last), as the API server's namespace controller
 * does after emptying it. Also the service-account controller's part: every active namespace has a
 * `default` ServiceAccount (created with the namespace, recreated if deleted).
 */
import type { Api } from './api.ts';
import { StatusError } from './errors.ts';
import { EVENTS, NAMESPACES, SERVICEACCOUNTS, type ResourceType } from './resources.ts';
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
    for (const name of initial) this.#ensureDefaultServiceAccount(name);
    this.#unsubscribe = this.#store.subscribe((c) => this.#onChange(c));
  }

  stop(): void {
    this.#unsubscribe?.();
  }

  #onChange(c: Change): void {
    if (c.resource === NAMESPACES.plural && c.type === 'MODIFIED' && c.object.metadata.deletionTimestamp !== undefined &&
      c.previous?.metadata.deletionTimestamp === undefined) {
      setImmediate(() => this.#empty(c.object.metadata.name));
    } else if (c.resource === NAMESPACES.plural && c.type === 'ADDED') {
      setImmediate(() => this.#ensureDefaultServiceAccount(c.object.metadata.name));
    } else if (c.type === 'DELETED' && c.resource !== EVENTS.plural && c.object.metadata.namespace !== undefined) {
      const ns = this.#store.get(NAMESPACES.plural, undefined, c.object.metadata.namespace);
      if (ns?.metadata.deletionTimestamp !== undefined) setImmediate(() => this.#finishIfEmpty(ns.metadata.name));
      else if (ns !== undefined && c.resource === SERVICEACCOUNTS.plural && c.object.metadata.name === 'default') {
        setImmediate(() => this.#ensureDefaultServiceAccount(ns.metadata.name));
      }
    }
  }

  #ensureDefaultServiceAccount(namespace: string): void {
    const ns = this.#store.get(NAMESPACES.plural, undefined, namespace);
    if (ns === undefined || ns.metadata.deletionTimestamp !== undefined) return;
    if (this.#store.get(SERVICEACCOUNTS.plural, namespace, 'default') !== undefined) return;
    try {
      this.#api.create(SERVICEACCOUNTS, namespace, { metadata: { name: 'default' } });
    } catch (err) {
      if (!(err instanceof StatusError)) this.#onError(err);
    }
  }

  #empty(namespace: string): void {
    for (const type of this.#contents) {
      for (const o of this.#store.list(type.plural, namespace)) {
        if (o.metadata.deletionTimestamp !== undefined) continue;
        try {
          this.#api.delete(type, namespace, o.metadata.name, {});
        } catch (err) {
          if (!(err instanceof StatusError && err.httpCode === 404)) this.#onError(err);
        }
      }
    }
    this.#finishIfEmpty(namespace);
  }

  #finishIfEmpty(namespace: string): void {
    if (this.#contents.some((t) => t !== EVENTS && this.#store.list(t.plural, namespace).length > 0)) return;
    for (const e of this.#store.list(EVENTS.plural, namespace)) this.#store.remove(EVENTS.plural, EVENTS.ref, namespace, e.metadata.name);
    if (this.#store.get(NAMESPACES.plural, undefined, namespace) !== undefined) this.#store.remove(NAMESPACES.plural, NAMESPACES.ref, undefined, namespace);
  }
}
