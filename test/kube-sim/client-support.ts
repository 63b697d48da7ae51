/**
 * Test helpers around the real @kubernetes/client-node for talking to a simulator: a KubeConfig for it,
 * a watch collector that tests can await (on the events as they arrive, not on sleeps), and a followed log
 * read into a string.
 */
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import * as k8s from '@kubernetes/client-node';
import type { KubeSim } from './server.ts';

export function kubeConfigFor(sim: KubeSim): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromString(sim.kubeconfigYaml());
  return kc;
}

export interface WatchEvent {
  type: string;
  object: { kind?: string; code?: number; reason?: string; metadata?: { name?: string; resourceVersion?: string; annotations?: Record<string, string> }; [k: string]: unknown };
}

export interface WatchCollector {
  readonly events: WatchEvent[];
  /** Settles with the error (or null) the watch ended with. */
  readonly done: Promise<unknown>;
  /** Resolves once `check(events)` holds; rejects after timeoutMs or if the watch ends first. */
  until(check: (events: WatchEvent[]) => boolean, timeoutMs?: number): Promise<void>;
  abort(): void;
}

export async function collectWatch(kc: k8s.KubeConfig, path: string, params: Record<string, string | number | boolean | undefined> = {}): Promise<WatchCollector> {
  const events: WatchEvent[] = [];
  const emitter = new EventEmitter();
  let finished = false;
  let resolveDone: (err: unknown) => void = () => {};
  const done = new Promise<unknown>((r) => {
    resolveDone = r;
  });
  const controller = await new k8s.Watch(kc).watch(path, params, (type, object) => {
    events.push({ type, object: object as WatchEvent['object'] });
    emitter.emit('change');
  }, (err) => {
    finished = true;
    resolveDone(err ?? null);
    emitter.emit('change');
  });
  return {
    events,
    done,
    until(check, timeoutMs = 10_000) {
      return new Promise<void>((resolve, reject) => {
        const evaluate = (): void => {
          if (check(events)) {
            cleanup();
            resolve();
          } else if (finished) {
            cleanup();
            reject(new Error(`watch ended before the condition held; events: ${events.map((e) => `${e.type} ${e.object.metadata?.name ?? ''}`).join(', ')}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`watch condition not met in ${timeoutMs} ms; events: ${events.map((e) => `${e.type} ${e.object.metadata?.name ?? ''}`).join(', ')}`));
        }, timeoutMs);
        const cleanup = (): void => {
          clearTimeout(timer);
          emitter.off('change', evaluate);
        };
        emitter.on('change', evaluate);
        evaluate();
      });
    },
    abort: () => controller.abort(),
  };
}

/** Reads a pod's log through client-node's Log class until the server ends the response. */
export async function readLog(kc: k8s.KubeConfig, namespace: string, pod: string, container: string, options: k8s.LogOptions = {}): Promise<string> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise<void>((resolve, reject) => {
    out.on('end', resolve);
    out.on('error', reject);
  });
  await new k8s.Log(kc).log(namespace, pod, container, out, options);
  await ended;
  return Buffer.concat(chunks).toString('utf8');
}

/** The parsed Status body of a client-node ApiException (its body is the raw response text). */
export function statusOf(err: unknown): { code: number; reason?: string; message?: string; details?: Record<string, unknown> } {
  if (!(err instanceof k8s.ApiException)) throw err;
  return JSON.parse(err.body as string) as { code: number; reason?: string; message?: string; details?: Record<string, unknown> };
}
