/**
 * core/v1 Events, recorded the way the kubelet and scheduler do (repeats of the same reason and message for
 * the same object are aggregated into one Event with a growing `count`), so `kubectl describe pod` and
 * executors that explain pending pods from events have something real to read.
 */
import { randomBytes } from 'node:crypto';
import { EVENTS } from './resources.ts';
import { nowIso, type Store } from './store.ts';
import type { KubeObject } from './types.ts';

export interface EventSource {
  component: string;
  host?: string;
}

export class EventRecorder {
  readonly #store: Store;
  /** object uid → (reason, message) → the Event's name, so repeats are aggregated without scanning. */
  readonly #seen = new Map<string, Map<string, string>>();

  constructor(store: Store) {
    this.#store = store;
  }

  record(about: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string, source: EventSource): void {
    const namespace = about.metadata.namespace ?? 'default';
    const now = nowIso();
    const uid = about.metadata.uid ?? '';
    const key = `${reason}\u0000${message}`;
    let byObject = this.#seen.get(uid);
    if (byObject === undefined) {
      byObject = new Map();
      this.#seen.set(uid, byObject);
    }
    const existing = byObject.get(key);
    if (existing !== undefined && this.#store.get(EVENTS.plural, namespace, existing) !== undefined) {
      this.#store.update(EVENTS.plural, EVENTS.ref, namespace, existing, (e) => {
        e['count'] = (e['count'] as number) + 1;
        e['lastTimestamp'] = now;
      });
      return;
    }
    const name = `${about.metadata.name}.${randomBytes(8).toString('hex')}`;
    byObject.set(key, name);
    this.#store.create(EVENTS.plural, EVENTS.ref, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: {
        apiVersion: about.apiVersion, kind: about.kind, name: about.metadata.name, namespace,
        uid: about.metadata.uid, resourceVersion: about.metadata.resourceVersion,
      },
      reason,
      message,
      type,
      source,
      reportingComponent: source.component,
      reportingInstance: source.host ?? '',
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    });
  }

  /** Forgets the aggregation keys of an object that is gone (its Events stay, as in a cluster, until their TTL). */
  forget(uid: string): void {
    this.#seen.delete(uid);
  }
}
