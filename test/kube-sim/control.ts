/**
 * The instrumentation API over HTTP, under the private prefix /_sim/ (not counted as API requests and not
 * subject to faults), for tests and tools in another process than the simulator:
 *
 *   GET    /_sim/counters                      counters snapshot (requests by verb/resource, pod creates, in flight, peak)
 *   POST   /_sim/counters/reset
 *   POST   /_sim/faults/latency   {match, ms}   e.g. {"match":{"verb":"create","resource":"pods"},"ms":150}
 *   POST   /_sim/faults/errors    {match, error, count}   error: {"status":429,"retryAfterSeconds":1} | {"status":500} | {"status":503} | {"drop":"before"|"after"}
 *   DELETE /_sim/faults
 *   POST   /_sim/drop             {watches?: true, logs?: true, mode?: "end"|"destroy"}
 *   POST   /_sim/expire-watch-window
 *   PATCH  /_sim/default-behaviour  {…partial behaviour}
 *   POST   /_sim/image-rules      {pattern, behaviour}   pattern is a RegExp source
 *   GET    /_sim/state            {resourceVersion, pods, sparkApplications, openWatches, openLogStreams}
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ContainerBehaviour } from './behaviour.ts';
import { KubeSimError } from './errors.ts';
import type { FaultMatch, InjectedError } from './faults.ts';

/** What control.ts needs from the simulator (the public KubeSim methods). */
export interface Controllable {
  counters(): unknown;
  resetCounters(): void;
  addLatency(match: FaultMatch, ms: number): () => void;
  failNext(match: FaultMatch, error: InjectedError, count?: number): void;
  clearFaults(): void;
  dropWatches(mode?: 'end' | 'destroy'): number;
  dropLogStreams(mode?: 'end' | 'destroy'): number;
  expireWatchWindow(): void;
  setDefaultBehaviour(b: Partial<ContainerBehaviour>): void;
  addImageRule(match: RegExp | string, b: Partial<ContainerBehaviour>): void;
  state(): unknown;
}

async function json(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  const v: unknown = JSON.parse(text);
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new KubeSimError('INVALID_OPTIONS', 'the body must be a JSON object');
  return v as Record<string, unknown>;
}

export async function handleControl(req: IncomingMessage, res: ServerResponse, path: string, sim: Controllable): Promise<void> {
  const send = (code: number, body: unknown): void => {
    res.writeHead(code, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  };
  try {
    const body = req.method === 'GET' ? {} : await json(req);
    const route = `${req.method ?? 'GET'} ${path}`;
    switch (route) {
      case 'GET /_sim/counters': return send(200, sim.counters());
      case 'POST /_sim/counters/reset': sim.resetCounters(); return send(200, {});
      case 'POST /_sim/faults/latency': sim.addLatency(body['match'] as FaultMatch, body['ms'] as number); return send(200, {});
      case 'POST /_sim/faults/errors': sim.failNext(body['match'] as FaultMatch, body['error'] as InjectedError, (body['count'] as number | undefined) ?? 1); return send(200, {});
      case 'DELETE /_sim/faults': sim.clearFaults(); return send(200, {});
      case 'POST /_sim/drop': {
        const mode = body['mode'] === 'end' ? 'end' : 'destroy';
        const all = body['watches'] === undefined && body['logs'] === undefined;
        const watches = all || body['watches'] === true ? sim.dropWatches(mode) : 0;
        const logs = all || body['logs'] === true ? sim.dropLogStreams(mode) : 0;
        return send(200, { watches, logs });
      }
      case 'POST /_sim/expire-watch-window': sim.expireWatchWindow(); return send(200, {});
      case 'PATCH /_sim/default-behaviour': sim.setDefaultBehaviour(body as Partial<ContainerBehaviour>); return send(200, {});
      case 'POST /_sim/image-rules': {
        if (typeof body['pattern'] !== 'string') throw new KubeSimError('INVALID_OPTIONS', 'pattern must be a RegExp source string');
        sim.addImageRule(new RegExp(body['pattern']), body['behaviour'] as Partial<ContainerBehaviour>);
        return send(200, {});
      }
      case 'GET /_sim/state': return send(200, sim.state());
      default: return send(404, { code: 'NOT_FOUND', message: `no control route ${route}` });
    }
  } catch (err) {
    if (err instanceof KubeSimError || err instanceof SyntaxError) return send(400, { code: err instanceof KubeSimError ? err.code : 'INVALID_OPTIONS', message: err.message });
    throw err;
  }
}
