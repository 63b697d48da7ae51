/**
 * The typed event map: the seam for waking the scheduler, cancelling tasks on workers, WebSocket push,
 * metrics and for tests to wait on. Events are hints: Postgres holds the truth, so a lost event delays
 * but never corrupts.
 */
import { EventEmitter } from 'node:events';
import type { DagRunState, TiStateOrNone } from '@windsock/dag-model';

export interface WindsockEvents {
  'ti:queued': { tiId: string; dagId: string; runId: string; taskId: string; tryNumber: number };
  'ti:running': { tiId: string; dagId: string; runId: string; taskId: string; tryNumber: number };
  /**
   * `settled`: the worker already started, in this try's slot, the only task that waited on it (a follow-on), so
   * no scheduling pass is needed for this end.
   */
  'ti:finished': { tiId: string; dagId: string; runId: string; dagRunId: number; taskId: string; tryNumber: number; state: TiStateOrNone; settled?: boolean };
  /** Ask whichever worker holds this task instance to stop it (marked failed/success, cleared, timed out). */
  'ti:cancel': { tiId: string; reason: string };
  'dagrun:created': { dagId: string; runId: string; dagRunId: number };
  'dagrun:finished': { dagId: string; runId: string; dagRunId: number; state: DagRunState };
  'dags:changed': { dagIds: string[] };
  'log:chunk': { tiId: string; tryNumber: number };
}
export type EventName = keyof WindsockEvents;

export interface EventBus {
  emit<K extends EventName>(name: K, payload: WindsockEvents[K]): void;
  on<K extends EventName>(name: K, listener: (payload: WindsockEvents[K]) => void): () => void;
  close(): Promise<void>;
}

export class LocalEventBus implements EventBus {
  private readonly emitter = new EventEmitter();
  constructor() { this.emitter.setMaxListeners(0); }
  emit<K extends EventName>(name: K, payload: WindsockEvents[K]): void { this.emitter.emit(name, payload); }
  on<K extends EventName>(name: K, listener: (payload: WindsockEvents[K]) => void): () => void {
    this.emitter.on(name, listener);
    return () => { this.emitter.off(name, listener); };
  }
  async close(): Promise<void> { this.emitter.removeAllListeners(); }
}

/** Resolves with the first event of `name` that satisfies `match` (for tests and CLI waits; never sleep). */
export function waitForEvent<K extends EventName>(bus: EventBus, name: K, match: (p: WindsockEvents[K]) => boolean, timeoutMs = 30_000): Promise<WindsockEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { off(); reject(new Error(`timed out after ${timeoutMs} ms waiting for ${name}`)); }, timeoutMs);
    const off = bus.on(name, (p) => { if (match(p)) { clearTimeout(timer); off(); resolve(p); } });
  });
}
