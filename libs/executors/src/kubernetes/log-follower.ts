/**
 * Follows one container's log into a task log from the first byte. The stream is read with timestamps so
 * that a dropped one resumes where it stopped (LogDeduper); it is requested over node:http with the
 * KubeConfig's TLS and auth settings, because client-node's Log pipes the body and never reports a cut
 * connection. `follow()` settles when the container has terminated and its whole log was read, when the pod
 * is gone, or when stopped.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import type * as k8s from '@kubernetes/client-node';
import type { LogSink } from '../types.ts';
import { LineSplitter } from '../local/line-splitter.ts';
import type { ApiGate } from './gate.ts';
import { LogDeduper } from './log-lines.ts';

export interface FollowHooks {
  /** True once the container has terminated (from the watch). */
  terminated(): boolean;
  /** Resolves when the container's state may have changed (a watch event), or after `ms`. */
  changed(ms: number): Promise<void>;
}

type Outcome = { kind: 'ended' } | { kind: 'cut' } | { kind: 'status'; status: number };

export class LogFollower {
  private readonly deduper: LogDeduper;
  private stopped = false;
  private current: IncomingMessage | null = null;
  private readonly kc: k8s.KubeConfig;
  private readonly gate: ApiGate;
  private readonly target: { namespace: string; pod: string; container: string };
  private readonly sink: LogSink;
  /** Streams opened (1 unless one was cut or ended early). */
  streams = 0;

  constructor(kc: k8s.KubeConfig, gate: ApiGate, target: { namespace: string; pod: string; container: string }, sink: LogSink, seen?: (text: string) => boolean) {
    this.kc = kc;
    this.gate = gate;
    this.target = target;
    this.sink = sink;
    this.deduper = new LogDeduper(seen);
  }

  stop(): void {
    this.stopped = true;
    this.current?.destroy();
  }

  async follow(hooks: FollowHooks): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      const out = await this.streamOnce();
      if (this.stopped) return;
      if (out.kind === 'ended') {
        failures = 0;
        if (hooks.terminated()) return;
        // A clean end before the container ended: a server-side cut, or the watch has not told us yet.
        await hooks.changed(2000);
        continue;
      }
      if (out.kind === 'status' && out.status === 404) return; // the pod is gone: nothing more to read
      if (out.kind === 'status' && out.status === 400) { await hooks.changed(1000); continue; } // still waiting to start
      failures++;
      await new Promise((r) => setTimeout(r, Math.min(2000, 100 * 2 ** Math.min(failures, 5))));
    }
  }

  private async streamOnce(): Promise<Outcome> {
    await this.gate.token();
    this.streams++;
    const cluster = this.kc.getCurrentCluster();
    if (!cluster) return { kind: 'status', status: 404 };
    const url = new URL(`${cluster.server}/api/v1/namespaces/${this.target.namespace}/pods/${this.target.pod}/log`);
    url.searchParams.set('container', this.target.container);
    url.searchParams.set('follow', 'true');
    url.searchParams.set('timestamps', 'true');
    const since = this.deduper.since;
    if (since) url.searchParams.set('sinceTime', since);
    const opts: RequestOptions = { method: 'GET', headers: {} };
    await this.kc.applyToHTTPSOptions(opts);
    const isHttps = url.protocol === 'https:';
    if (!isHttps) delete opts.agent;
    this.deduper.restart();
    return new Promise<Outcome>((resolve) => {
      let settled = false;
      const done = (o: Outcome) => { if (!settled) { settled = true; this.current = null; resolve(o); } };
      const req = (isHttps ? httpsRequest : httpRequest)(url, opts, (res) => {
        if (res.statusCode !== 200) { res.resume(); done({ kind: 'status', status: res.statusCode ?? 0 }); return; }
        this.current = res;
        const lines = new LineSplitter((raw) => {
          const text = this.deduper.accept(raw);
          if (text !== null) this.sink.write(text);
        });
        res.on('data', (c: Buffer) => lines.push(c));
        res.on('end', () => { lines.end(); done({ kind: 'ended' }); });
        res.on('error', () => done({ kind: 'cut' }));
        res.on('close', () => { if (!res.complete) done({ kind: 'cut' }); });
      });
      req.on('error', () => done({ kind: 'cut' }));
      req.end();
    });
  }
}
