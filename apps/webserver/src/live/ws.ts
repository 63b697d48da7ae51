/**
 * Live updates over WebSocket at `/ws`, pushed from the EventBus (no polling): task-instance state changes,
 * DAG runs created / finished, DAGs changed, and — for a try the client subscribed to — its new log lines.
 *
 * Authentication: browsers cannot set headers on a WebSocket, so the JWT comes as a subprotocol
 * (`new WebSocket(url, ['windsock', 'bearer.' + token])`) or, for scripts, as `?token=`. The role must hold
 * `read:dag`; log lines also need `read:task_log`.
 *
 * Client → server: `{"type":"subscribe_log","ti_id":"…","try_number":1}` / `{"type":"unsubscribe_log", …}`.
 * Server → client: `{"type":"ti","event":"ti:running",…}`, `{"type":"dagrun",…}`, `{"type":"dags",…}`,
 * `{"type":"log","ti_id","try_number","from","pos","lines":[{event,timestamp}],"end_of_log"}`, `{"type":"ready"}` once
 * authenticated. A log message's lines follow position `from` (0: the log's start, sent after each subscribe_log)
 * and end at `pos`; the next message for that subscription has `from` equal to this `pos`, so a client appends only
 * a message that follows what it shows, and a re-subscription replaces what it shows instead of repeating it.
 *
 * A socket lives no longer than its token: when the token expires the server closes it with code 4401 and reason
 * "token expired" (4000-4999 are the application's; 401 as HTTP's), and the client reconnects with a fresh token.
 */
export const TOKEN_EXPIRED_CLOSE = { code: 4401, reason: 'token expired' } as const;
/** How sockets are closed when the webserver stops. */
export const SERVER_STOPPING_CLOSE = { code: 1001, reason: 'server stopping' } as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { decodeJwt } from 'jose';
import type { EventBus, EventName, WindsockEvents } from '@windsock/queue';
import type { Logger } from '@windsock/config';
import type { Authenticator } from '../auth/guard.ts';
import { readLog } from '../queries/logs.ts';
import type { ServingSecrets } from '../secrets.ts';
import type { Principal, WebDb } from '../types.ts';

interface Client { ws: WebSocket; principal: Principal; logs: Map<string, { tryNumber: number; pos: number; busy: boolean; again: boolean }> }

const BROADCAST: EventName[] = ['ti:queued', 'ti:running', 'ti:finished', 'ti:cancel', 'dagrun:created', 'dagrun:finished', 'dags:changed'];

export class LiveHub {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024, handleProtocols: (p) => (p.has('windsock') ? 'windsock' : false) });
  private readonly clients = new Set<Client>();
  private readonly offs: Array<() => void> = [];
  private readonly db: WebDb;
  private readonly auth: Authenticator;
  private readonly log: Logger;
  private readonly secrets: ServingSecrets;

  constructor(deps: { db: WebDb; events: EventBus; auth: Authenticator; logger: Logger; secrets: ServingSecrets }) {
    this.db = deps.db;
    this.secrets = deps.secrets;
    this.auth = deps.auth;
    this.log = deps.logger;
    for (const name of BROADCAST) this.offs.push(deps.events.on(name, (p) => this.broadcast(name, p)));
    this.offs.push(deps.events.on('log:chunk', (p) => this.onLogChunk(p)));
    // The worker stores a try's last lines in the statement that finishes it, with no log:chunk: push them then.
    this.offs.push(deps.events.on('ti:finished', (p) => this.onLogChunk(p)));
  }

  get size(): number { return this.clients.size; }

  /** Handles an HTTP upgrade for /ws: authenticates, then accepts (or answers 401 / 403 and closes). */
  async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const protocols = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim());
    const token = protocols.find((p) => p.startsWith('bearer.'))?.slice('bearer.'.length) ?? url.searchParams.get('token');
    let principal: Principal;
    try {
      if (!token) throw new Error('no token');
      principal = await this.auth.fromBearer(token);
    } catch {
      socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    if (!principal.permissions.has('read:dag')) {
      socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    const exp = decodeJwt(token).exp; // verified by fromBearer above
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, principal, exp !== undefined ? exp * 1000 : null));
  }

  private accept(ws: WebSocket, principal: Principal, expiresAtMs: number | null): void {
    const client: Client = { ws, principal, logs: new Map() };
    this.clients.add(client);
    let expiry: NodeJS.Timeout | undefined;
    const arm = (): void => {
      if (expiresAtMs === null) return;
      const left = expiresAtMs - Date.now();
      if (left <= 0) ws.close(TOKEN_EXPIRED_CLOSE.code, TOKEN_EXPIRED_CLOSE.reason);
      else expiry = setTimeout(arm, Math.min(left, 2 ** 31 - 1)); // a timer longer than ~24.8 days re-arms
    };
    arm();
    ws.on('close', () => { clearTimeout(expiry); this.clients.delete(client); });
    ws.on('error', () => this.clients.delete(client));
    ws.on('message', (data) => {
      let msg: { type?: string; ti_id?: string; try_number?: number };
      try { msg = JSON.parse(String(data)); } catch { return this.send(client, { type: 'error', detail: 'messages must be JSON' }); }
      if (msg.type === 'subscribe_log' && typeof msg.ti_id === 'string' && Number.isInteger(msg.try_number)) {
        if (!principal.permissions.has('read:task_log')) return this.send(client, { type: 'error', detail: 'Forbidden: read task_log' });
        if (!UUID.test(msg.ti_id) || msg.try_number! < 0 || msg.try_number! > 2147483647) return this.send(client, { type: 'error', detail: 'ti_id must be a task instance id (a UUID) and try_number a non-negative integer' });
        client.logs.set(msg.ti_id, { tryNumber: msg.try_number!, pos: 0, busy: false, again: false });
        void this.pushLog(client, msg.ti_id);
      } else if (msg.type === 'unsubscribe_log' && typeof msg.ti_id === 'string') {
        client.logs.delete(msg.ti_id);
      } else {
        this.send(client, { type: 'error', detail: 'unknown message' });
      }
    });
    this.send(client, { type: 'ready', username: principal.username, role: principal.role });
  }

  private send(c: Client, msg: unknown): void {
    if (c.ws.readyState === c.ws.OPEN) c.ws.send(JSON.stringify(msg));
  }

  private broadcast<K extends EventName>(name: K, payload: WindsockEvents[K]): void {
    const type = name.startsWith('ti:') ? 'ti' : name.startsWith('dagrun:') ? 'dagrun' : 'dags';
    const msg = JSON.stringify({ type, event: name, ...payload });
    for (const c of this.clients) if (c.ws.readyState === c.ws.OPEN) c.ws.send(msg);
  }

  private onLogChunk(p: WindsockEvents['log:chunk']): void {
    for (const c of this.clients) {
      const sub = c.logs.get(p.tiId);
      if (sub && sub.tryNumber === p.tryNumber) void this.pushLog(c, p.tiId);
    }
  }

  /** Sends the lines after the subscriber's position; one read at a time per subscription, re-run if more came. */
  private async pushLog(c: Client, tiId: string): Promise<void> {
    const sub = c.logs.get(tiId);
    if (!sub) return;
    if (sub.busy) { sub.again = true; return; }
    sub.busy = true;
    try {
      do {
        sub.again = false;
        const ti = await this.db.selectFrom('task_instance').select(['id', 'try_number', 'state']).where('id', '=', tiId).executeTakeFirst();
        if (!ti) return;
        const { lines, position } = await readLog(this.db, ti, sub.tryNumber, sub.pos, await this.secrets.masker());
        // A newer subscribe_log replaced this one while it read: that one sends from the start, this one nothing.
        if (c.logs.get(tiId) !== sub) return;
        const from = sub.pos;
        sub.pos = position.log_pos;
        if (lines.length || position.end_of_log) {
          this.send(c, { type: 'log', ti_id: tiId, try_number: sub.tryNumber, from, pos: position.log_pos, lines, end_of_log: position.end_of_log });
        }
      } while (sub.again);
    } catch (err) {
      this.log.warn({ err }, 'live log push failed');
    } finally {
      sub.busy = false;
    }
  }

  /**
   * Closes every socket with 1001 "going away" (a browser then shows the connection as lost at once, and retries),
   * ending any that has not finished its closing handshake within `graceMs`. The webserver calls this before its
   * HTTP server closes: an open socket would otherwise keep the server, and the process, up.
   */
  async close(graceMs = 1000): Promise<void> {
    for (const off of this.offs.splice(0)) off();
    const open = [...this.clients].map((c) => c.ws);
    this.clients.clear();
    await Promise.all(open.map((ws) => new Promise<void>((resolve) => {
      if (ws.readyState === ws.CLOSED) return resolve();
      const timer = setTimeout(() => { ws.terminate(); resolve(); }, graceMs);
      ws.once('close', () => { clearTimeout(timer); resolve(); });
      ws.close(SERVER_STOPPING_CLOSE.code, SERVER_STOPPING_CLOSE.reason);
    })));
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}
