/**
 * Watches, as the API server's watch cache serves them (staging/src/k8s.io/apiserver/pkg/storage/cacher):
 *
 * - `resourceVersion` unset or "0": synthetic ADDED events for the current objects, then live events.
 *   `sendInitialEvents=true` with bookmarks ends the initial burst with a BOOKMARK annotated
 *   `k8s.io/initial-events-end: "true"`.
 * - `resourceVersion=N`: the retained changes after N, then live events. N older than the retained window
 *   → HTTP 200, one ERROR event carrying the 410 Expired Status, and the stream ends.
 * - Selectors are applied per event; an object that starts or stops matching is sent as ADDED / DELETED.
 * - `allowWatchBookmarks`: a BOOKMARK with the current resourceVersion every bookmark interval and just
 *   before the watch ends. `timeoutSeconds` ends the stream cleanly (the client then re-watches).
 */
import { badRequest, expired } from './errors.ts';
import { apiVersionOf, type ResourceType } from './resources.ts';
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector } from './selectors.ts';
import type { Change, Store } from './store.ts';
import type { KubeObject, WatchEventType } from './types.ts';

/** Where watch events go: an HTTP response in the server, anything in tests. */
export interface WatchSink {
  /** Sends the 200 head (before the first event). */
  start(): void;
  write(line: string): void;
  end(): void;
  /** Cuts the connection without a clean end (a network drop). */
  destroy(): void;
  onClose(cb: () => void): void;
}

export interface WatchRequest {
  type: ResourceType;
  namespace: string | undefined;
  labelSelector: string | undefined;
  fieldSelector: string | undefined;
  resourceVersion: string | undefined;
  allowBookmarks: boolean;
  sendInitialEvents: boolean;
  timeoutMs: number;
}

interface OpenWatch {
  sink: WatchSink;
  close: () => void;
}

export class WatchHub {
  readonly #store: Store;
  readonly #bookmarkIntervalMs: number;
  readonly #open = new Set<OpenWatch>();

  constructor(store: Store, bookmarkIntervalMs: number) {
    this.#store = store;
    this.#bookmarkIntervalMs = bookmarkIntervalMs;
  }

  get openCount(): number {
    return this.#open.size;
  }

  /** Starts a watch. Throws a StatusError (before anything is written) for a malformed request. */
  open(sink: WatchSink, req: WatchRequest): void {
    const labels = parseLabelSelector(req.labelSelector);
    const fields = parseFieldSelector(req.fieldSelector, req.type.selectableFields);
    const rvText = req.resourceVersion;
    const fromList = rvText === undefined || rvText === '' || rvText === '0';
    if (!fromList && !/^\d+$/.test(rvText)) throw badRequest(`resourceVersion: Invalid value: "${rvText}": must be a non-negative integer`);
    const { type } = req;
    const matches = (o: KubeObject | undefined): boolean => o !== undefined &&
      (req.namespace === undefined || o.metadata.namespace === req.namespace) &&
      matchesLabels(labels, o.metadata.labels) && matchesFields(fields, type.fields(o));
    const send = (eventType: WatchEventType, object: unknown): void => sink.write(`${JSON.stringify({ type: eventType, object })}\n`);
    const bookmark = (annotations?: Record<string, string>): void => send('BOOKMARK', {
      kind: type.kind, apiVersion: apiVersionOf(type),
      metadata: { resourceVersion: String(this.#store.currentRv()), ...(annotations === undefined ? {} : { annotations }) },
    });

    const history = fromList ? null : this.#store.historySince(type.plural, Number(rvText));
    sink.start();
    if (history !== null && !history.ok) {
      send('ERROR', expired(Number(rvText), history.oldest));
      sink.end();
      return;
    }
    const deliver = (c: Change): void => {
      if (c.resource !== type.plural) return;
      const now = matches(c.object);
      if (c.type === 'ADDED') {
        if (now) send('ADDED', c.object);
      } else if (c.type === 'DELETED') {
        if (now) send('DELETED', c.object);
      } else {
        const before = matches(c.previous);
        if (now && before) send('MODIFIED', c.object);
        else if (now) send('ADDED', c.object);
        else if (before) send('DELETED', c.object);
      }
    };
    if (fromList) {
      const current = this.#store.list(type.plural, req.namespace).filter(matches);
      for (const o of current) send('ADDED', o);
      if (req.sendInitialEvents && req.allowBookmarks) bookmark({ 'k8s.io/initial-events-end': 'true' });
    } else if (history !== null && history.ok) {
      history.changes.forEach(deliver);
    }
    const unsubscribe = this.#store.subscribe(deliver);
    const timers: NodeJS.Timeout[] = [];
    let closed = false;
    const entry: OpenWatch = {
      sink,
      close: () => {
        if (closed) return;
        closed = true;
        unsubscribe();
        timers.forEach((t) => clearTimeout(t));
        this.#open.delete(entry);
      },
    };
    this.#open.add(entry);
    sink.onClose(entry.close);
    if (req.allowBookmarks && this.#bookmarkIntervalMs > 0) timers.push(setInterval(() => bookmark(), this.#bookmarkIntervalMs));
    timers.push(setTimeout(() => {
      if (req.allowBookmarks) bookmark();
      entry.close();
      sink.end();
    }, req.timeoutMs));
  }

  /** Ends (cleanly) or cuts (network drop) every open watch. */
  dropAll(mode: 'end' | 'destroy'): number {
    const all = [...this.#open];
    for (const w of all) {
      w.close();
      if (mode === 'end') w.sink.end();
      else w.sink.destroy();
    }
    return all.length;
  }
}
