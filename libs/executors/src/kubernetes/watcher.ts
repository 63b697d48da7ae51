/**
 * One list+watch loop over a kind in a namespace (client-go's reflector, in small): list, then watch from the
 * list's resourceVersion with bookmarks; a dropped or timed-out watch resumes from the last resourceVersion
 * seen; `410 Gone` (as an ERROR event or an HTTP status) relists, and objects missing from the new list are
 * reported deleted. Subscribers are keyed by object name and get the object (null once deleted).
 */
import * as k8s from '@kubernetes/client-node';
import type { ApiGate } from './gate.ts';
import { statusOf } from './gate.ts';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- API objects as received
export type ListFn = () => Promise<{ items: Obj[]; resourceVersion: string }>;
export type Listener = (obj: Obj | null) => void;

export class ResourceWatch {
  private readonly objects = new Map<string, Obj>();
  private readonly listeners = new Map<string, Set<Listener>>();
  private rv: string | null = null;
  private stopped = false;
  private controller: AbortController | null = null;
  private readonly ready: Promise<void>;
  private markReady: () => void = () => {};
  private readonly deps: { kc: k8s.KubeConfig; gate: ApiGate; path: string; labelSelector: string; list: ListFn };
  /** Relists after 410 Gone and watch (re)connections: for tests. */
  readonly stats = { lists: 0, watches: 0 };

  constructor(deps: { kc: k8s.KubeConfig; gate: ApiGate; path: string; labelSelector: string; list: ListFn }) {
    this.deps = deps;
    this.ready = new Promise((r) => { this.markReady = r; });
    void this.loop();
  }

  synced(): Promise<void> { return this.ready; }

  get(name: string): Obj | undefined { return this.objects.get(name); }

  /** Calls `fn` with every change of object `name` (and at once with what is known). Returns the unsubscribe. */
  subscribe(name: string, fn: Listener): () => void {
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    set.add(fn);
    const known = this.objects.get(name);
    if (known) queueMicrotask(() => { if (set.has(fn)) fn(known); });
    return () => { set.delete(fn); if (set.size === 0) this.listeners.delete(name); };
  }

  stop(): void {
    this.stopped = true;
    this.controller?.abort();
  }

  private emit(name: string, obj: Obj | null): void {
    for (const fn of [...(this.listeners.get(name) ?? [])]) fn(obj);
  }

  private async relist(): Promise<void> {
    const l = await this.deps.gate.call(() => this.deps.list());
    this.stats.lists++;
    const seen = new Set<string>();
    for (const o of l.items) {
      const name = String(o.metadata?.name);
      seen.add(name);
      this.objects.set(name, o);
      this.emit(name, o);
    }
    for (const name of [...this.objects.keys()]) if (!seen.has(name)) { this.objects.delete(name); this.emit(name, null); }
    this.rv = l.resourceVersion;
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      try {
        if (this.rv === null) { await this.relist(); this.markReady(); }
        const err = await this.watchOnce();
        if (err === null) { failures = 0; continue; }
        if (statusOf(err) === 410) { this.rv = null; continue; }
        throw err;
      } catch {
        if (this.stopped) return;
        failures++;
        await new Promise((r) => setTimeout(r, Math.min(5000, 100 * 2 ** Math.min(failures, 6))));
      }
    }
  }

  /** One watch connection; resolves with the error it ended with (null for a clean end). */
  private async watchOnce(): Promise<unknown> {
    await this.deps.gate.token();
    this.stats.watches++;
    let gone = false;
    return new Promise<unknown>((resolve) => {
      void new k8s.Watch(this.deps.kc).watch(this.deps.path, {
        labelSelector: this.deps.labelSelector, resourceVersion: this.rv ?? undefined, allowWatchBookmarks: true, timeoutSeconds: 300,
      }, (type: string, obj: Obj) => {
        if (type === 'ERROR') {
          if (obj?.code === 410) { gone = true; this.rv = null; }
          return;
        }
        if (obj?.metadata?.resourceVersion) this.rv = String(obj.metadata.resourceVersion);
        if (type === 'BOOKMARK') return;
        const name = String(obj.metadata?.name);
        if (type === 'DELETED') { this.objects.delete(name); this.emit(name, null); } else { this.objects.set(name, obj); this.emit(name, obj); }
      }, (err: unknown) => resolve(gone ? null : (err ?? null))).then((c) => {
        this.controller = c;
        if (this.stopped) c.abort();
      }, resolve);
    });
  }
}
