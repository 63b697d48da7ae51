/**
 * The rest of the hostile-input list, against the real webserver: NULs and lone surrogates anywhere in a request
 * (body values and keys, path, query) are validation errors — /api/v2 422 FastAPI-style, /api/v1 400 problem —
 * never a 500, and nothing is written; integers beyond the int4 columns are refused; JSON nested deeper than 64
 * levels is refused with 400 before any handler; a WebSocket closes when its token expires; every response
 * carries X-Frame-Options and a Content-Security-Policy; HEAD works wherever GET does.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { LocalEventBus } from '@windsock/queue';
import type { Kysely } from 'kysely';
import type { Metastore } from '@windsock/metastore';
import type { WebDatabase } from '@windsock/webserver';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { startApi, type ApiHarness } from './support/api.ts';
import { TokenSigner } from '../apps/webserver/src/auth/tokens.ts';

const JWT_SECRET = 'test-secret-0123456789abcdef0123456789'; // support/api.ts's

let tdb: TestDatabase; let store: Metastore; let api: ApiHarness; let uiDir: string;

beforeAll(async () => {
  tdb = await freshDatabase();
  store = await tdb.open();
  uiDir = await mkdtemp(join(tmpdir(), 'windsock-ui-'));
  await writeFile(join(uiDir, 'index.html'), '<!doctype html><title>Windsock</title>');
  api = await startApi(store, new LocalEventBus(), {}, { uiDir });
});
afterAll(async () => { await api?.close(); await store?.close(); await tdb?.drop(); });

const counts = async () => ({
  variables: Number((await store.db.selectFrom('variable').select((e) => e.fn.countAll().as('n')).executeTakeFirstOrThrow()).n),
  pools: Number((await store.db.selectFrom('slot_pool').select((e) => e.fn.countAll().as('n')).executeTakeFirstOrThrow()).n),
  connections: Number((await store.db.selectFrom('connection').select((e) => e.fn.countAll().as('n')).executeTakeFirstOrThrow()).n),
  runs: Number((await store.db.selectFrom('dag_run').select((e) => e.fn.countAll().as('n')).executeTakeFirstOrThrow()).n),
});

type Detail = { detail: { loc: (string | number)[]; msg: string; type: string }[] };

describe('NUL and lone surrogates', () => {
  it.each([
    ['a NUL in a body value', { key: 'a\u0000b', value: 'x' }, ['body', 'key']],
    ['a NUL deep in a body value', { key: 'k', value: { a: ['ok', 'b\u0000'] } }, ['body', 'value', 'a', 1]],
    ['a lone high surrogate', { key: '\ud800', value: 'x' }, ['body', 'key']],
    ['a lone low surrogate in a key', { key: 'k', value: { '\udc00': 1 } }, ['body', 'value', '\udc00']],
  ])('%s in /api/v2 is a 422 naming the field; nothing is written', async (_what, body, loc) => {
    const before = await counts();
    const r = await api.call('POST', '/api/v2/variables', { token: api.tokens.Admin, rawBody: JSON.stringify(body) });
    expect(r.status).toBe(422);
    expect((r.body as Detail).detail[0]!.loc).toEqual(loc);
    expect(await counts()).toEqual(before);
  });

  it('in /api/v1 bodies they are 400 problems; nothing is written', async () => {
    const before = await counts();
    for (const body of [{ key: 'a\u0000', value: 'x' }, { key: 'k', value: 'x\ud83d' }]) {
      const r = await api.call('POST', '/api/v1/variables', { token: api.tokens.Admin, rawBody: JSON.stringify(body) });
      expect(r.status).toBe(400);
      expect(r.headers.get('content-type')).toContain('application/problem+json');
      expect((r.body as { detail: string }).detail).toMatch(/NUL|surrogate/);
    }
    const c = await api.call('POST', '/api/v2/connections', { token: api.tokens.Admin, body: { connection_id: 'c1', conn_type: 'http', password: 'p\u0000w' } });
    expect(c.status).toBe(422);
    const p = await api.call('POST', '/api/v2/dags/nodag/dagRuns', { token: api.tokens.Admin, body: { dag_run_id: 'r\u0000', conf: {} } });
    expect(p.status).toBe(422);
    expect(await counts()).toEqual(before);
  });

  it('in path parameters and queries: v2 422, v1 400, /ui 400, /auth 422', async () => {
    const t = api.tokens.Admin;
    const cases: Array<[string, number, (string | number)[] | null]> = [
      ['/api/v2/variables/a%00b', 422, ['path', 'variable_key']],
      ['/api/v2/dags?dag_id_pattern=x%00', 422, ['query', 'dag_id_pattern']],
      ['/api/v2/dags/%00', 422, ['path', 'dag_id']],
      ['/api/v1/variables/a%00b', 400, null],
      ['/api/v1/dags?dag_id_pattern=%00', 400, null],
      ['/ui/dags/%00', 400, null],
    ];
    for (const [path, status, loc] of cases) {
      const r = await api.call('GET', path, { token: t });
      expect(r.status, path).toBe(status);
      if (loc) expect((r.body as Detail).detail[0]!.loc, path).toEqual(loc);
    }
    const login = await api.call('POST', '/auth/token', { body: { username: 'ad\u0000min', password: 'x' } });
    expect(login.status).toBe(422);
    const basic = await api.call('GET', '/api/v1/dags', { headers: { authorization: `Basic ${Buffer.from('ad\u0000min:x').toString('base64')}` } });
    expect(basic.status).toBe(401);
    // A URL cannot carry a lone surrogate: its UTF-8 percent-encoding is invalid, and decodes to U+FFFD or is refused.
    for (const path of ['/api/v2/dags?tags=%ED%A0%80', '/api/v2/dags/%ED%A0%80', '/api/v2/dags/%E0%A4%A', '/%E0%A4%A', '/ui/dags/%ED%A0%80']) {
      const r = await api.call('GET', path, { token: t });
      expect(r.status, path).toBeLessThan(500);
    }
  });
});

describe('numbers beyond the columns', () => {
  it.each([
    ['/api/v2/dags?offset=100000000000000000000', 422],
    ['/api/v2/dags?offset=2147483648', 422],
    ['/api/v2/dags?limit=1e30', 422],
    ['/api/v2/eventLogs/99999999999', 422],
    ['/api/v2/importErrors/-99999999999', 422],
    ['/api/v2/dags/d/dagRuns/r/taskInstances/t/logs/99999999999', 422],
    ['/api/v2/dags/d/dagRuns/r/taskInstances/t/xcomEntries?map_index=1099511627776', 422],
    ['/api/v1/dags?offset=99999999999', 400],
    ['/api/v1/dags?limit=99999999999', 400],
  ])('GET %s is %i', async (path, status) => {
    const r = await api.call('GET', path, { token: api.tokens.Admin });
    expect(r.status).toBe(status);
  });

  it('a body integer beyond int4 is refused and nothing is written', async () => {
    const before = await counts();
    const r = await api.call('POST', '/api/v2/pools', { token: api.tokens.Admin, body: { name: 'huge', slots: 1e12 } });
    expect(r.status).toBe(422);
    expect((r.body as Detail).detail[0]!.loc).toEqual(['body', 'slots']);
    expect(await counts()).toEqual(before);
    expect((await api.call('GET', '/api/v2/dags?offset=2147483647', { token: api.tokens.Admin })).status).toBe(200);
  });
});

describe('deeply nested JSON', () => {
  const nest = (n: number) => '['.repeat(n) + ']'.repeat(n);
  it('is refused with 400 beyond 64 levels, before the handler; 64 levels pass', async () => {
    const before = await counts();
    for (const n of [65, 1000, 500_000]) {
      const r = await api.call('POST', '/api/v2/variables', { token: api.tokens.Admin, rawBody: `{"key": "deep${n}", "value": ${nest(n - 1)}}` });
      expect(r.status, String(n)).toBe(400);
      expect((r.body as { detail: string }).detail).toContain('nested deeper than 64');
    }
    expect(await counts()).toEqual(before);
    const ok = await api.call('POST', '/api/v2/variables', { token: api.tokens.Admin, rawBody: `{"key": "deep64", "value": ${nest(63)}}` });
    expect(ok.status).toBe(201);
    const brackets = await api.call('POST', '/api/v2/variables', { token: api.tokens.Admin, body: { key: 'brackets', value: '['.repeat(200) } });
    expect(brackets.status).toBe(201); // brackets inside strings are text, not nesting
  });
});

describe('WebSocket', () => {
  it('answers a malformed subscription with an error message, and stays open', async () => {
    const ws = new WebSocket(api.url.replace('http', 'ws') + '/ws', ['windsock', `bearer.${api.tokens.Viewer}`]);
    const msgs: { type: string; detail?: string }[] = [];
    await new Promise<void>((resolve, reject) => {
      ws.on('message', (d) => {
        const m = JSON.parse(String(d)) as { type: string; detail?: string };
        msgs.push(m);
        if (m.type === 'ready') for (const ti of ['not-a-uuid', 'a\u0000b']) ws.send(JSON.stringify({ type: 'subscribe_log', ti_id: ti, try_number: 1 }));
        if (msgs.filter((x) => x.type === 'error').length === 2) resolve();
      });
      ws.on('error', reject);
      setTimeout(() => reject(new Error(JSON.stringify(msgs))), 5000);
    });
    expect(msgs.filter((m) => m.type === 'error').map((m) => m.detail)).toEqual(Array(2).fill('ti_id must be a task instance id (a UUID) and try_number a non-negative integer'));
    expect(ws.readyState).toBe(WebSocket.OPEN);
    ws.close();
  });


  it('closes the socket with 4401 "token expired" when its token expires', async () => {
    const viewer = await (store.db as unknown as Kysely<WebDatabase>).selectFrom('ab_user').select('id').where('username', '=', 'viewer').executeTakeFirstOrThrow();
    const token = await new TokenSigner(JWT_SECRET, 1).sign({ id: viewer.id, username: 'viewer', role: 'Viewer' });
    {
      const ws = new WebSocket(api.url.replace('http', 'ws') + '/ws', ['windsock', `bearer.${token}`]);
      const started = Date.now();
      const closed = await new Promise<{ code: number; reason: string }>((resolve, reject) => {
        ws.on('close', (code, reason) => resolve({ code, reason: String(reason) }));
        ws.on('error', reject);
        setTimeout(() => reject(new Error('still open')), 5000);
      });
      expect(closed).toEqual({ code: 4401, reason: 'token expired' });
      expect(Date.now() - started).toBeLessThan(2500);
    }
  });
});

describe('response headers and HEAD', () => {
  it('every response forbids framing and carries a Content-Security-Policy, UI pages included', async () => {
    for (const path of ['/', '/dags/x', '/openapi.json', '/api/v2/version']) {
      const r = await api.call('GET', path, { token: api.tokens.Viewer });
      expect(r.status, path).toBe(200);
      expect(r.headers.get('x-frame-options'), path).toBe('DENY');
      expect(r.headers.get('content-security-policy'), path).toContain("frame-ancestors 'none'");
      expect(r.headers.get('content-security-policy'), path).toContain("script-src 'self'");
    }
  });

  it('HEAD answers wherever GET does, with GET\'s status and headers and no body', async () => {
    for (const [path, token] of [['/', null], ['/dags/x', null], ['/openapi.json', null], ['/api/v2/dags', api.tokens.Viewer], ['/api/v2/monitor/health', null], ['/api/v1/dags', api.tokens.Viewer], ['/ui/dags', api.tokens.Viewer]] as const) {
      const get = await api.call('GET', path, { token });
      const head = await api.call('HEAD', path, { token });
      expect(head.status, path).toBe(get.status);
      expect(head.status, path).toBeLessThan(300);
      expect(head.text, path).toBe('');
      expect(head.headers.get('content-type'), path).toBe(get.headers.get('content-type'));
    }
    expect((await api.call('HEAD', '/api/v2/dags')).status).toBe(401);
  });
});
