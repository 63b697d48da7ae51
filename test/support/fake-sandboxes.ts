/**
 * A fake of the control plane's sandbox API, faithful to its documented contract (the brief of
 * /api/windsock/v1/sandboxes), served by a real node:http server: it lets the CLI's sandboxes commands be tested
 * before the real API is merged. Only the sandbox endpoints; tokens are fixed strings naming their user.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeSandbox {
  name: string; owner: string; status: 'pending' | 'ready' | 'failed' | 'deleting'; reason: string | null;
  dag_source: unknown; node_group: string | null; quota: Record<string, unknown> | null;
  namespace: string; schema: string; queue_prefix: string; scheduler: 'starting' | 'running' | 'asleep' | 'stopped';
  created_at: string; ready_at: string | null; expires_at: string | null; last_active_at: string | null;
  api_url: string; ui_url: string;
}

export const TOKENS: Record<string, { user: string; admin: boolean }> = {
  'alice-token': { user: 'alice', admin: false }, 'bob-token': { user: 'bob', admin: false }, 'admin-token': { user: 'admin', admin: true },
};

export interface FakeControlPlane {
  url: string;
  sandboxes: Map<string, FakeSandbox & { polls: number }>;
  requests: { method: string; path: string; body: unknown; auth: string | undefined }[];
  close(): Promise<void>;
}

/** `readyAfter` GETs move a pending sandbox to ready (a name starting `broken` to failed); `goneAfter` GETs end a delete. */
export async function startFakeControlPlane(o: { readyAfter?: number; goneAfter?: number } = {}): Promise<FakeControlPlane> {
  const readyAfter = o.readyAfter ?? 3;
  const goneAfter = o.goneAfter ?? 2;
  const sandboxes = new Map<string, FakeSandbox & { polls: number }>();
  const requests: FakeControlPlane['requests'] = [];
  const problem = (status: number, title: string, detail: string) => ({ status, body: { type: `about:blank#${title}`, title, status, detail } });
  const view = ({ polls: _p, ...sb }: FakeSandbox & { polls: number }) => sb;

  const handle = (method: string, path: string, body: Record<string, unknown> | null, auth: string | undefined): { status: number; body: unknown } => {
    const who = TOKENS[auth?.replace(/^Bearer /, '') ?? ''];
    if (!who) return problem(401, 'Unauthorized', 'Not authenticated');
    const m = /^\/api\/windsock\/v1\/sandboxes(?:\/([^/]+))?(\/extend)?$/.exec(path);
    if (!m) return problem(404, 'Not Found', `No route ${method} ${path}`);
    const name = m[1] ? decodeURIComponent(m[1]) : null;
    type Stored = FakeSandbox & { polls: number };
    const visible = (sb: Stored | undefined) => (sb && (who.admin || sb.owner === who.user) ? sb : undefined);
    if (!name && method === 'GET') {
      const list = [...sandboxes.values()].filter((s) => visible(s)).map(view);
      return { status: 200, body: { sandboxes: list, total_entries: list.length } };
    }
    if (!name && method === 'POST') {
      const b = body ?? {};
      if (typeof b.name !== 'string' || !b.dag_source) return { status: 422, body: { detail: [{ loc: ['body', 'dag_source'], msg: 'Field required', type: 'missing' }] } };
      const owner = typeof b.owner === 'string' ? b.owner : who.user;
      if (owner !== who.user && !who.admin) return problem(403, 'Forbidden', `Only admins may create a sandbox for another user (${owner})`);
      if (sandboxes.has(b.name)) return problem(409, 'Conflict', `Sandbox ${b.name} already exists`);
      const now = new Date();
      const sb = {
        name: b.name, owner, status: 'pending' as const, reason: null, dag_source: b.dag_source, node_group: (b.node_group as string) ?? null,
        quota: (b.quota as Record<string, unknown>) ?? null, namespace: `windsock-sb-${b.name}`, schema: `sb_${b.name.replaceAll('-', '_')}`,
        queue_prefix: `sb:${b.name}`, scheduler: 'starting' as const, created_at: now.toISOString(), ready_at: null,
        expires_at: new Date(now.getTime() + ((b.ttl_seconds as number) ?? 28_800) * 1000).toISOString(), last_active_at: null,
        api_url: `/sandboxes/${b.name}/api/v2`, ui_url: `/sandboxes/${b.name}/`, polls: 0,
      };
      sandboxes.set(b.name, sb);
      return { status: 201, body: view(sb) };
    }
    const sb = visible(name ? sandboxes.get(name) : undefined);
    if (!sb) return problem(404, 'Not Found', `Sandbox ${name} not found`);
    if (method === 'GET' && !m[2]) {
      sb.polls++;
      if (sb.status === 'pending' && sb.polls >= readyAfter) {
        if (sb.name.startsWith('broken')) Object.assign(sb, { status: 'failed', reason: 'git clone failed: repository not found', scheduler: 'stopped' });
        else Object.assign(sb, { status: 'ready', scheduler: 'running', ready_at: new Date().toISOString() });
      } else if (sb.status === 'deleting' && sb.polls >= goneAfter) {
        sandboxes.delete(sb.name);
        return problem(404, 'Not Found', `Sandbox ${name} not found`);
      }
      return { status: 200, body: view(sb) };
    }
    if (method === 'DELETE' && !m[2]) { Object.assign(sb, { status: 'deleting', polls: 0 }); return { status: 202, body: view(sb) }; }
    if (method === 'POST' && m[2]) {
      const by = (body ?? {}).by_seconds;
      if (typeof by !== 'number' || by <= 0) return { status: 422, body: { detail: [{ loc: ['body', 'by_seconds'], msg: 'Input should be greater than 0', type: 'greater_than' }] } };
      const from = Math.max(Date.now(), sb.expires_at ? Date.parse(sb.expires_at) : 0);
      sb.expires_at = new Date(from + by * 1000).toISOString();
      return { status: 200, body: view(sb) };
    }
    return problem(405, 'Method Not Allowed', `${method} ${path}`);
  };

  const readBody = async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    return text ? JSON.parse(text) as Record<string, unknown> : null;
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const body = await readBody(req);
      requests.push({ method: req.method ?? 'GET', path, body, auth: req.headers.authorization });
      const r = handle(req.method ?? 'GET', path, body, req.headers.authorization);
      const type = r.status >= 400 && !Array.isArray((r.body as { detail?: unknown }).detail) ? 'application/problem+json' : 'application/json';
      res.writeHead(r.status, { 'content-type': type }).end(JSON.stringify(r.body));
    })();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, sandboxes, requests, close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}
