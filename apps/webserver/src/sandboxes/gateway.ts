/**
 * Serves each sandbox's Airflow API, WebSocket and UI under `/sandboxes/<name>/`: the same server as the shared
 * instance's (built by buildServer), over the sandbox's own schema and event bus, made on first use and closed
 * when idle. A request's path loses its `/sandboxes/<name>` prefix on the way in, so an Airflow client works
 * against a sandbox by changing only its base URL. The users are the shared instance's; a sandbox admits its
 * owner and admins (with an admin's rights inside it) and answers 404 to everyone else, as if it did not exist.
 * A browser loading a page of a sandbox that is missing, starting or failed gets the UI all the same (with the
 * 404/503/409 status), which then says so in words; every other request gets the problem JSON.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { openMetastore, type Metastore } from '@windsock/metastore';
import type { EventBus } from '@windsock/queue';
import type { Logger, WindsockConfig } from '@windsock/config';
import { getSandbox, scopedCredentials, touchSandbox, type SandboxRow } from '@windsock/sandboxes/store';
import type { Kysely } from 'kysely';
import { ApiError } from '../errors.ts';
import { problemBody } from '../http/problem.ts';
import { isApiPath } from '../static.ts';
import type { Authenticator } from '../auth/guard.ts';
import type { LiveHub } from '../live/ws.ts';
import type { Principal, WebDatabase, WebDb } from '../types.ts';
import { sandboxPrincipal } from './admit.ts';

const PATH = /^\/sandboxes\/([a-z][a-z0-9-]{0,39})(\/[^]*)?$/;
// Short: another webserver may delete a sandbox, and a request must not reach its dropped schema for long.
const ROW_CACHE_MS = 500;
const TOUCH_EVERY_MS = 5000;

export interface SandboxServerParts { app: FastifyInstance; hub: LiveHub }

export interface GatewayOptions {
  db: WebDb;
  config: WindsockConfig;
  logger: Logger;
  auth: Authenticator;
  /** The event bus of a sandbox (its queue prefix), shared with its scheduler. */
  events: (queuePrefix: string) => EventBus;
  /** Builds a sandbox's server (buildServer with the sandbox's db, events and scoped authenticator). */
  /** `fernetKey`: the sandbox's own (its scheduler's), unless `[sandboxes] scoped_credentials` is off. */
  build: (parts: { db: WebDb; events: EventBus; auth: Authenticator; logger: Logger; fernetKey: string }) => Promise<SandboxServerParts>;
  /** A sleeping sandbox was called: the control plane wakes it. */
  onWake?: (name: string) => void;
  idleCloseMs?: number;
  /** The UI's built files, for a page load of a sandbox that cannot answer itself. */
  uiDir?: string;
}

interface Mounted { parts: Promise<SandboxServerParts>; store: Metastore; events: EventBus; usedAt: number; touchedAt: number }

export class SandboxGateway {
  readonly #o: GatewayOptions;
  readonly #rows = new Map<string, { at: number; row: SandboxRow | null }>();
  readonly #mounted = new Map<string, Mounted>();
  readonly #timer: NodeJS.Timeout;

  constructor(o: GatewayOptions) {
    this.#o = o;
    this.#timer = setInterval(() => void this.#evictIdle(), 30_000);
    this.#timer.unref();
  }

  /** Handles the request when it is for a sandbox; false when it is the shared instance's. */
  dispatch(req: IncomingMessage, res: ServerResponse): boolean {
    const m = PATH.exec((req.url ?? '/').split('?')[0]!) ?? (req.url?.startsWith('/sandboxes/') ? [] : null);
    if (!m) return false;
    void this.#serve(req, res, m[1], m[2]).catch(async (err: unknown) => {
      const e = err instanceof ApiError ? err : new ApiError('UNKNOWN', 'Internal Server Error', 'The server could not complete the request; see its log');
      if (!(err instanceof ApiError)) this.#o.logger.error({ err, url: req.url }, 'sandbox request failed');
      if (res.headersSent) return;
      if (m[1] && this.#pageLoad(req, m[2]) && (await this.#sendUi(res, e.status))) return;
      res.writeHead(e.status, { 'content-type': 'application/problem+json', ...e.headers }).end(JSON.stringify(problemBody(e.status, e.title, e.message)));
    });
    return true;
  }

  /** A browser asking for a page of the UI (not the API, not a file): what it gets is the UI's index.html. */
  #pageLoad(req: IncomingMessage, rest: string | undefined): boolean {
    return req.method === 'GET' && !!this.#o.uiDir && /\btext\/html\b/.test(req.headers.accept ?? '') && !isApiPath(rest || '/') && !/^\/ui(\/|$)/.test(rest || '/');
  }

  async #sendUi(res: ServerResponse, status: number): Promise<boolean> {
    const index = join(this.#o.uiDir!, 'index.html');
    if (!(await stat(index).then((s) => s.isFile(), () => false))) return false;
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' });
    createReadStream(index).on('error', () => res.destroy()).pipe(res);
    return true;
  }

  /** A WebSocket for a sandbox (`/sandboxes/<name>/ws`); false when it is not one. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const m = PATH.exec((req.url ?? '').split('?')[0]!);
    if (!m) return false;
    void (async () => {
      const row = await this.#row(m[1]!);
      if (!row || row.status === 'deleting' || m[2] !== '/ws') { socket.destroy(); return; }
      const mounted = this.#mount(row);
      req.url = '/ws';
      (await mounted.parts).hub.upgrade(req, socket, head);
    })().catch(() => socket.destroy());
    return true;
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await Promise.all([...this.#mounted.keys()].map((n) => this.#unmount(n)));
  }

  /** Forgets what it knows of a sandbox (deleted, or changed by the control plane). */
  forget(name: string): void { this.#rows.delete(name); void this.#unmount(name); }

  async #row(name: string): Promise<SandboxRow | null> {
    const hit = this.#rows.get(name);
    if (hit && Date.now() - hit.at < ROW_CACHE_MS) return hit.row;
    const row = await getSandbox(this.#o.db, name);
    this.#rows.set(name, { at: Date.now(), row });
    return row;
  }

  async #serve(req: IncomingMessage, res: ServerResponse, name: string | undefined, rest: string | undefined): Promise<void> {
    const missing = () => new ApiError('NOT_FOUND', 'Sandbox not found', `No sandbox named ${name ?? '(none)'}`);
    if (!name) throw missing();
    const row = await this.#row(name);
    if (!row || row.status === 'deleting') throw missing();
    // Someone signed in who may not use it learns nothing more than that it does not exist.
    if (req.headers.authorization) await this.#admitHeader(req, row);
    if (row.status !== 'ready') {
      if (row.status === 'failed') throw new ApiError('CONFLICT', 'Sandbox failed', `Sandbox ${name} failed: ${row.reason ?? 'see its status'}; delete it and create it again`);
      throw new ApiError('UNAVAILABLE', 'Sandbox not ready', `Sandbox ${name} is still starting`, { 'Retry-After': '2' });
    }
    const mounted = this.#mount(row);
    const now = Date.now();
    mounted.usedAt = now;
    if (now - mounted.touchedAt > TOUCH_EVERY_MS || row.scheduler === 'asleep') {
      mounted.touchedAt = now;
      if (await touchSandbox(this.#o.db, name)) { this.#rows.delete(name); this.#o.onWake?.(name); }
    }
    const { app } = await mounted.parts;
    const query = (req.url ?? '').indexOf('?');
    req.url = (rest || '/') + (query >= 0 ? req.url!.slice(query) : '');
    app.routing(req, res);
  }

  async #admitHeader(req: IncomingMessage, row: SandboxRow): Promise<void> {
    const header = req.headers.authorization ?? '';
    if (!/^bearer /i.test(header)) return; // basic auth is checked (and admitted) by the sandbox's own server
    try {
      await this.#o.auth.withScope(this.#scope(row)).fromBearer(header.slice(7).trim());
    } catch (err) {
      if (err instanceof ApiError && err.code === 'NOT_FOUND') throw err;
      // A bad token: the sandbox's own server answers 401 with the reason.
    }
  }

  #scope(row: SandboxRow) {
    return { name: row.name, admit: (p: Principal) => sandboxPrincipal(this.#o.db, row, p) };
  }

  #mount(row: SandboxRow): Mounted {
    const have = this.#mounted.get(row.name);
    if (have) return have;
    const c = this.#o.config;
    const storePromise = openMetastore({ kind: 'postgres', url: c.database.url, schema: row.schema_name, poolSize: 3, applicationName: `windsock-web-${row.name}` });
    const events = this.#o.events(row.queue_prefix);
    const mounted: Mounted = { store: null as unknown as Metastore, events, usedAt: Date.now(), touchedAt: 0, parts: null as unknown as Promise<SandboxServerParts> };
    mounted.parts = storePromise.then(async (store) => {
      mounted.store = store;
      const fernetKey = scopedCredentials(c, row)?.fernetKey ?? c.core.fernet_key;
      const parts = await this.#o.build({ db: store.db as unknown as Kysely<WebDatabase>, events, auth: this.#o.auth.withScope(this.#scope(row)), logger: this.#o.logger, fernetKey });
      await parts.app.ready();
      return parts;
    });
    mounted.parts.catch(() => this.#mounted.delete(row.name));
    this.#mounted.set(row.name, mounted);
    return mounted;
  }

  async #unmount(name: string): Promise<void> {
    const m = this.#mounted.get(name);
    if (!m) return;
    this.#mounted.delete(name);
    try { const { app } = await m.parts; await app.close(); } catch { /* never built */ }
    await m.events.close().catch(() => {});
    await m.store?.close().catch(() => {});
  }

  async #evictIdle(): Promise<void> {
    const idle = this.#o.idleCloseMs ?? 10 * 60_000;
    for (const [name, m] of this.#mounted) if (Date.now() - m.usedAt > idle) await this.#unmount(name);
    for (const [name, r] of this.#rows) if (Date.now() - r.at > 60_000) this.#rows.delete(name);
  }
}
