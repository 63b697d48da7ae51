/**
 * HTTP → API: parses Kubernetes API paths (/api/v1/..., /apis/{group}/{version}/...), classifies each
 * request by verb and resource, runs it through fault injection and accounting, and answers with the
 * API server's wire format (JSON with Content-Type application/json, Status bodies for errors, chunked
 * NDJSON for watches, text/plain for logs, Table for kubectl get).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Api, DeleteOptions, WriteOptions } from './api.ts';
import { apiGroup, apiGroupList, apiResourceList, apiVersions, builtinColumns, openApiV3Document, openApiV3Index, SERVER_VERSION, toTable, wantsTable } from './discovery.ts';
import { badRequest, internalError, methodNotAllowed, pathNotFound, serviceUnavailable, StatusError, tooManyRequests, unauthorized } from './errors.ts';
import type { Faults, RequestInfo, Verb } from './faults.ts';
import type { Kubelet } from './kubelet.ts';
import { serveLog, type LogStreams } from './pod-log.ts';
import { apiVersionOf, CORE_TYPES, GROUP_TYPES, NAMESPACES, type ResourceType } from './resources.ts';
import { patchScale, replaceScale, scaleOf } from './scale.ts';
import type { PrinterColumn } from './spark-schema.ts';
import type { Store } from './store.ts';
import type { WatchHub, WatchSink } from './watch-hub.ts';

export interface RouteContext {
  api: Api;
  store: Store;
  kubelet: Kubelet;
  watches: WatchHub;
  logStreams: LogStreams;
  faults: Faults;
  spark: ResourceType;
  printerColumns: readonly PrinterColumn[];
  token: string | null;
  watchTimeoutMs: number;
  serverAddress: string;
  onError: (err: unknown) => void;
  /** Something observable changed outside the store (a request finished, a stream opened or closed). */
  onActivity: () => void;
}

interface Target {
  type: ResourceType;
  namespace: string | undefined;
  name: string | undefined;
  sub: string | undefined;
}

/** Per-request reply helpers; `drop` makes the answer vanish (an injected "dropped after handling"). */
class Reply {
  drop = false;
  readonly res: ServerResponse;
  constructor(res: ServerResponse) {
    this.res = res;
  }

  json(code: number, body: unknown, warnings: readonly string[] = [], headers: Record<string, string> = {}): void {
    if (this.drop) {
      this.res.destroy();
      return;
    }
    const h: Record<string, string | string[]> = { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', ...headers };
    if (warnings.length > 0) h['Warning'] = warnings.map((w) => `299 - ${JSON.stringify(w)}`);
    this.res.writeHead(code, h);
    this.res.end(JSON.stringify(body));
  }

  error(err: StatusError): void {
    this.json(err.httpCode, err.status, [], err.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(err.retryAfterSeconds) });
  }
}

function readBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', reject);
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') return resolve(undefined);
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(badRequest(`the request body is not valid JSON: ${text.slice(0, 80)}`));
      }
    });
  });
}

function parseTarget(segments: string[], ctx: RouteContext): Target | null {
  let group: string;
  let version: string;
  let rest: string[];
  if (segments[0] === 'api' && segments[1] === 'v1') [group, version, rest] = ['', 'v1', segments.slice(2)];
  else if (segments[0] === 'apis' && segments.length >= 3) [group, version, rest] = [segments[1] as string, segments[2] as string, segments.slice(3)];
  else return null;
  const types = group === '' && version === 'v1' ? CORE_TYPES : groupTypes(ctx).filter((t) => t.group === group && t.version === version);
  const byPlural = (p: string | undefined): ResourceType | undefined => types.find((t) => t.plural === p);
  if (rest[0] === 'namespaces' && group === '' && (rest.length <= 2 || rest[2] === 'status' || rest[2] === 'finalize')) {
    return rest.length <= 3 ? { type: NAMESPACES, namespace: undefined, name: rest[1], sub: rest[2] } : null;
  }
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    const type = byPlural(rest[2]);
    if (type === undefined || !type.namespaced || rest.length > 5) return null;
    return { type, namespace: rest[1], name: rest[3], sub: rest[4] };
  }
  const type = byPlural(rest[0]);
  if (type === undefined) return null;
  // A namespaced resource without a namespace: the all-namespaces collection (list / watch) only.
  if (type.namespaced) return rest.length === 1 ? { type, namespace: undefined, name: undefined, sub: undefined } : null;
  return rest.length <= 3 ? { type, namespace: undefined, name: rest[1], sub: rest[2] } : null;
}

function verbOf(method: string, t: Target, q: URLSearchParams): Verb | null {
  const watch = q.get('watch') === 'true' || q.get('watch') === '1';
  switch (method) {
    case 'GET': return t.name !== undefined ? 'get' : watch ? 'watch' : 'list';
    case 'POST': return t.name === undefined ? 'create' : null;
    case 'PUT': return t.name !== undefined ? 'update' : null;
    case 'PATCH': return t.name !== undefined ? 'patch' : null;
    case 'DELETE': return t.name !== undefined ? 'delete' : 'deletecollection';
    default: return null;
  }
}

/** The types served under /apis: the built-in groups, then the Spark CRD's. */
function groupTypes(ctx: RouteContext): readonly ResourceType[] {
  return [...GROUP_TYPES, ctx.spark];
}

function discovery(segments: string[], ctx: RouteContext): unknown {
  const path = `/${segments.join('/')}`;
  if (path === '/version') return SERVER_VERSION;
  if (path === '/api') return apiVersions(ctx.serverAddress);
  if (path === '/api/v1') return apiResourceList('v1', CORE_TYPES);
  if (path === '/apis') return apiGroupList(groupTypes(ctx));
  if (path === '/openapi/v3') return openApiV3Index([...CORE_TYPES, ...groupTypes(ctx)]);
  if (path.startsWith('/openapi/v3/')) return openApiV3Document(path.slice('/openapi/v3/'.length), [...CORE_TYPES, ...groupTypes(ctx)]);
  if (segments[0] !== 'apis' || segments.length < 2 || segments.length > 3) return undefined;
  const inGroup = groupTypes(ctx).filter((t) => t.group === segments[1] && (segments.length === 2 || t.version === segments[2]));
  const first = inGroup[0];
  if (first === undefined) return undefined;
  return segments.length === 2 ? apiGroup(first) : apiResourceList(apiVersionOf(first), inGroup);
}

/** `dryRun=All` and `fieldValidation=Strict|Warn|Ignore`, checked as the API server's request decoding does. */
function writeOptions(q: URLSearchParams): WriteOptions {
  const dry = q.getAll('dryRun');
  for (const v of dry) if (v !== 'All') throw badRequest(`Invalid dry run value: ${JSON.stringify(v)}: supported values: "All"`);
  const fv = q.get('fieldValidation') ?? 'Warn';
  if (fv !== 'Strict' && fv !== 'Warn' && fv !== 'Ignore') {
    throw badRequest(`fieldValidation must be one of "Ignore", "Warn", or "Strict", got "${fv}"`);
  }
  return { dryRun: dry.length > 0, fieldValidation: fv };
}

function deleteOptions(q: URLSearchParams, body: unknown): DeleteOptions {
  const b = (body ?? {}) as { gracePeriodSeconds?: number; propagationPolicy?: string; preconditions?: { uid?: string; resourceVersion?: string } };
  const grace = q.get('gracePeriodSeconds');
  if (grace !== null && !/^-?\d+$/.test(grace)) throw badRequest(`gracePeriodSeconds: Invalid value: "${grace}"`);
  return {
    gracePeriodSeconds: b.gracePeriodSeconds ?? (grace === null ? undefined : Number(grace)),
    propagationPolicy: b.propagationPolicy ?? q.get('propagationPolicy') ?? undefined,
    preconditions: b.preconditions,
  };
}

function sinkFor(reply: Reply): WatchSink {
  const res = reply.res;
  return {
    start: () => {
      if (reply.drop) return res.destroy();
      res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
      res.flushHeaders();
    },
    write: (line) => {
      if (!res.writableEnded && !res.destroyed) res.write(line);
    },
    end: () => {
      if (!res.writableEnded) res.end();
    },
    destroy: () => res.destroy(),
    onClose: (cb) => res.on('close', cb),
  };
}

/** Handles one Kubernetes API request (the /_sim/ prefix is control.ts's). */
export async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL, ctx: RouteContext): Promise<void> {
  const reply = new Reply(res);
  const q = url.searchParams;
  const segments = url.pathname.split('/').filter((s) => s !== '').map(decodeURIComponent);
  try {
    if (ctx.token !== null && req.headers.authorization !== `Bearer ${ctx.token}`) throw unauthorized();
    if (['healthz', 'livez', 'readyz'].includes(segments[0] ?? '')) {
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
      return;
    }
    const doc = req.method === 'GET' ? discovery(segments, ctx) : undefined;
    if (doc !== undefined) return reply.json(200, doc);
    const target = parseTarget(segments, ctx);
    if (target === null || (target.sub !== undefined && !target.type.subresources.includes(target.sub))) throw pathNotFound();
    const verb = verbOf(req.method ?? 'GET', target, q);
    if (verb === null || (target.sub === 'log' && verb !== 'get') || (target.sub === 'scale' && !['get', 'update', 'patch'].includes(verb))) throw methodNotAllowed();
    const info: RequestInfo = { verb, resource: target.sub === undefined ? target.type.plural : `${target.type.plural}/${target.sub}`, namespace: target.namespace, name: target.name };
    const longRunning = verb === 'watch' || (target.sub === 'log' && (q.get('follow') === 'true' || q.get('follow') === '1'));
    if (!longRunning) {
      ctx.faults.enter();
      // inFlight changed: a waitFor on counters() must hear of it.
      setImmediate(ctx.onActivity);
      res.on('close', () => {
        ctx.faults.leave();
        ctx.onActivity();
      });
    } else {
      // Opening and closing streams change openWatches() / openLogStreams(): waitFor must hear of it.
      res.on('close', () => setImmediate(ctx.onActivity));
    }
    const fate = ctx.faults.onRequest(info, longRunning);
    const body = ['POST', 'PUT', 'PATCH', 'DELETE'].includes(req.method ?? '') ? await readBody(req) : undefined;
    if (fate.latencyMs > 0) await new Promise((r) => setTimeout(r, fate.latencyMs));
    const e = fate.error;
    if (e !== null) {
      if ('drop' in e) {
        if (e.drop === 'before') return void res.destroy();
        reply.drop = true;
      } else if (e.status === 429) throw tooManyRequests(e.retryAfterSeconds ?? 1);
      else if (e.status === 503) throw serviceUnavailable(e.retryAfterSeconds);
      else throw internalError();
    }
    dispatch(req, reply, url, target, verb, body, ctx);
    if (longRunning) ctx.onActivity();
  } catch (err) {
    if (err instanceof StatusError) return reply.error(err);
    ctx.onError(err);
    reply.error(internalError(`Internal error occurred: ${(err as Error).message}`));
  }
}

function dispatch(req: IncomingMessage, reply: Reply, url: URL, t: Target, verb: Verb, body: unknown, ctx: RouteContext): void {
  const q = url.searchParams;
  const { api, store } = ctx;
  const table = wantsTable(req.headers.accept);
  const status = t.sub === 'status';
  const columns = t.type === ctx.spark ? ctx.printerColumns : builtinColumns(t.type);
  if (t.sub === 'scale') return dispatchScale(reply, req, t, verb, body, ctx);
  switch (verb) {
    case 'get': {
      if (t.sub === 'log') return serveLog(reply.res, store, ctx.kubelet, ctx.logStreams, t.namespace as string, t.name as string, q);
      const obj = api.get(t.type, t.namespace, t.name as string);
      return reply.json(200, table ? toTable(t.type, [obj], String(store.currentRv()), columns) : obj);
    }
    case 'list': {
      const list = api.list(t.type, t.namespace, q.get('labelSelector') ?? undefined, q.get('fieldSelector') ?? undefined);
      return reply.json(200, table ? toTable(t.type, list.items, list.metadata.resourceVersion, columns) : list);
    }
    case 'watch': {
      const timeoutSeconds = q.get('timeoutSeconds');
      ctx.watches.open(sinkFor(reply), {
        type: t.type,
        namespace: t.namespace,
        labelSelector: q.get('labelSelector') ?? undefined,
        fieldSelector: q.get('fieldSelector') ?? undefined,
        resourceVersion: q.get('resourceVersion') ?? undefined,
        allowBookmarks: q.get('allowWatchBookmarks') === 'true' || q.get('allowWatchBookmarks') === '1',
        sendInitialEvents: q.get('sendInitialEvents') === 'true',
        timeoutMs: timeoutSeconds !== null && /^\d+$/.test(timeoutSeconds) && Number(timeoutSeconds) > 0 ? Number(timeoutSeconds) * 1000 : ctx.watchTimeoutMs,
      });
      return;
    }
    case 'create': {
      const { object, warnings } = api.create(t.type, t.namespace, body, writeOptions(q));
      return reply.json(201, object, warnings);
    }
    case 'update': {
      const { object, warnings } = api.replace(t.type, t.namespace, t.name as string, body, status, writeOptions(q));
      return reply.json(200, object, warnings);
    }
    case 'patch': {
      const { object, warnings } = api.patch(t.type, t.namespace, t.name as string, req.headers['content-type'] ?? '', body, status, writeOptions(q));
      return reply.json(200, object, warnings);
    }
    case 'delete': {
      if (writeOptions(q).dryRun === true) return reply.json(200, api.get(t.type, t.namespace, t.name as string));
      const { code, body: out } = api.delete(t.type, t.namespace, t.name as string, deleteOptions(q, body));
      return reply.json(code, out);
    }
    case 'deletecollection': {
      const list = api.deleteCollection(t.type, t.namespace, q.get('labelSelector') ?? undefined, q.get('fieldSelector') ?? undefined, deleteOptions(q, body));
      return reply.json(200, list);
    }
  }
}

function dispatchScale(reply: Reply, req: IncomingMessage, t: Target, verb: Verb, body: unknown, ctx: RouteContext): void {
  const ns = t.namespace as string;
  const name = t.name as string;
  if (verb === 'get') return reply.json(200, scaleOf(ctx.api.get(t.type, ns, name)));
  if (verb === 'update') return reply.json(200, replaceScale(ctx.api, ns, name, body));
  return reply.json(200, patchScale(ctx.api, ns, name, req.headers['content-type'] ?? '', body));
}
