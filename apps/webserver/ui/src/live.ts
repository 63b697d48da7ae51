/**
 * Live updates: one WebSocket to the server's /ws (a sandbox's `<base>/ws`) for the whole tab, fanned out to the pages by event name
 * (`ti:queued`, `ti:running`, `ti:finished`, `dagrun:created`, `dagrun:finished`, `dags:changed`, and `log` for
 * tailed tries). The server sends `{type, event?, ...payload}`; handlers get the message and its name.
 * Nothing polls. If the socket drops it reconnects with backoff, and announces `resync` so each page refetches
 * once (events sent while it was away are lost; the server's state is the truth).
 */
import { useEffect, useState } from 'preact/hooks';
import { sessionExpired, token } from './api.ts';
import { BASE } from './base.ts';

/** `lost`: it was live and the socket closed (the server stopped, or the network went); it keeps retrying. */
export type LiveStatus = 'connecting' | 'live' | 'lost' | 'offline';
export type LiveEvent = Record<string, unknown>;
type Handler = (payload: LiveEvent, name: string) => void;

const handlers = new Map<string, Set<Handler>>();
const statusListeners = new Set<(s: LiveStatus) => void>();
let socket: WebSocket | null = null;
let status: LiveStatus = 'offline';
let retryMs = 500;
let retryTimer: ReturnType<typeof setTimeout> | null = null;
let wanted = false;
/** Log tries the UI is tailing, re-sent after a reconnect. */
const logSubs = new Map<string, number>();

function setStatus(s: LiveStatus): void { status = s; for (const l of statusListeners) l(s); }

function dispatch(name: string, payload: LiveEvent): void {
  for (const h of handlers.get(name) ?? []) h(payload, name);
}

function send(msg: unknown): void { if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(msg)); }

function connect(): void {
  const t = token();
  if (!t || !wanted) return;
  // Retrying after losing a live connection still says it is lost, not "connecting", until it is back.
  if (status !== 'lost') setStatus('connecting');
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${BASE}/ws`;
  // The JWT rides in the subprotocol list: browsers cannot set headers on a WebSocket, and a query string
  // would land in access logs.
  const ws = new WebSocket(url, ['windsock', `bearer.${t}`]);
  socket = ws;
  ws.onopen = () => {
    retryMs = 500;
    setStatus('live');
    // A resubscribed log starts again from its first line; `resync` tells the tails to start afresh first.
    dispatch('resync', {});
    for (const [tiId, tryNumber] of logSubs) send({ type: 'subscribe_log', ti_id: tiId, try_number: tryNumber });
  };
  ws.onmessage = (m) => {
    let msg: { type?: string; event?: string; payload?: LiveEvent; data?: LiveEvent };
    try { msg = JSON.parse(String(m.data)); } catch { return; }
    const name = msg.event ?? msg.type;
    if (name) dispatch(name, msg.payload ?? msg.data ?? (msg as LiveEvent));
  };
  ws.onclose = (ev) => {
    if (socket !== ws) return;
    socket = null;
    // 4401: the token expired (the server's TOKEN_EXPIRED_CLOSE): retrying with it cannot work.
    if (ev.code === 4401) { wanted = false; setStatus('offline'); sessionExpired(); return; }
    if (!wanted) { setStatus('offline'); return; }
    setStatus(status === 'live' || status === 'lost' ? 'lost' : 'offline');
    retryTimer = setTimeout(() => { retryTimer = null; connect(); }, retryMs);
    retryMs = Math.min(retryMs * 2, 10_000);
  };
}

export function startLive(): void { wanted = true; if (!socket && !retryTimer) connect(); }
export function stopLive(): void {
  wanted = false;
  if (retryTimer) { clearTimeout(retryTimer); retryTimer = null; }
  socket?.close();
  socket = null;
  setStatus('offline');
}

export function onLive(name: string, h: Handler): () => void {
  if (!handlers.has(name)) handlers.set(name, new Set());
  handlers.get(name)!.add(h);
  return () => { handlers.get(name)!.delete(h); };
}

/**
 * Tails one try's log: the server sends `log` messages ({ti_id, try_number, from, pos, lines: [{event, timestamp}],
 * end_of_log}) from the first line (`from` 0) after each subscription, then each new chunk as the worker writes it
 * and the last ones when the try ends, each `from` where the one before ended.
 */
export function subscribeLog(tiId: string, tryNumber: number): () => void {
  logSubs.set(tiId, tryNumber);
  send({ type: 'subscribe_log', ti_id: tiId, try_number: tryNumber });
  return () => { if (logSubs.get(tiId) === tryNumber) { logSubs.delete(tiId); send({ type: 'unsubscribe_log', ti_id: tiId }); } };
}

/** Subscribes a component to some events for its lifetime. `deps` re-subscribe when they change. */
export function useLive(names: string[], h: Handler, deps: unknown[]): void {
  useEffect(() => {
    const offs = names.map((n) => onLive(n, h));
    return () => { for (const off of offs) off(); };
  }, deps);
}

export function useLiveStatus(): LiveStatus {
  const [s, set] = useState(status);
  useEffect(() => { statusListeners.add(set); set(status); return () => { statusListeners.delete(set); }; }, []);
  return s;
}
