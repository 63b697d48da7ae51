/**
 * Authentication and roles over real HTTP: each role against each kind of endpoint (read, run DAGs, shared
 * resources, admin-only), expired and forged tokens, basic auth on /api/v1 only, the brute-force limit, and
 * malformed bodies (400/422 naming the field, nothing changed).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { LocalEventBus } from '@windsock/queue';
import type { Metastore } from '@windsock/metastore';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { dagFolder, startInstance, type TestInstance } from './support/instance.ts';
import { PASSWORD, SpecValidator, startApi, type ApiHarness } from './support/api.ts';

const SECRET = 'test-secret-0123456789abcdef0123456789';
let tdb: TestDatabase; let store: Metastore; let api: ApiHarness; let inst: TestInstance;
const v2 = new SpecValidator('v2');

beforeAll(async () => {
  tdb = await freshDatabase();
  store = await tdb.open();
  inst = await startInstance({ store, dagsFolder: await dagFolder({ 'a.yaml': 'auth_dag:\n  schedule: null\n  default_args: {start_date: 2024-01-01}\n  tasks:\n    - task_id: t\n      operator: airflow.operators.empty.EmptyOperator\n' }), workers: 0, schedulers: 0 });
  api = await startApi(store, new LocalEventBus(), { api_auth: { jwt_secret: SECRET, max_failed_logins: 3, failed_login_window_sec: 600 } });
});
afterAll(async () => { await api?.close(); await inst?.stop(); await store?.close(); await tdb?.drop(); });

// [kind, method, path, body, which roles may]
const MATRIX: [string, string, string, unknown, string[]][] = [
  ['read DAGs', 'GET', '/api/v2/dags', undefined, ['Admin', 'Op', 'User', 'Viewer']],
  ['read task logs', 'GET', '/api/v2/dags/~/dagRuns/~/taskInstances', undefined, ['Admin', 'Op', 'User', 'Viewer']],
  ['read event log', 'GET', '/api/v2/eventLogs', undefined, ['Admin', 'Op', 'User', 'Viewer']],
  ['pause a DAG', 'PATCH', '/api/v2/dags/auth_dag', { is_paused: false }, ['Admin', 'Op', 'User']],
  ['trigger a run', 'POST', '/api/v2/dags/auth_dag/dagRuns', {}, ['Admin', 'Op', 'User']],
  ['read variables', 'GET', '/api/v2/variables', undefined, ['Admin', 'Op']],
  ['read connections', 'GET', '/api/v2/connections', undefined, ['Admin', 'Op']],
  ['create a pool', 'POST', '/api/v2/pools', { name: 'p', slots: 1 }, ['Admin', 'Op']],
];

describe('roles', () => {
  for (const [kind, method, path, body, allowed] of MATRIX) {
    it(`${kind}: ${allowed.join(', ')} may; the others get 403`, async () => {
      for (const role of ['Viewer', 'User', 'Op', 'Admin'] as const) {
        const b = method === 'POST' && path === '/api/v2/pools' ? { name: `p_${role}`, slots: 1 } : body;
        const r = await api.call(method, path, { token: api.tokens[role], body: b });
        if (allowed.includes(role)) expect(r.status, `${role} ${kind}: ${r.text}`).toBeLessThan(300);
        else {
          expect(r.status, `${role} ${kind}`).toBe(403);
          v2.check(method, path.replace('auth_dag', '{dag_id}'), 403, r.body);
        }
      }
    });
  }

  it('a Viewer cannot change anything, and nothing changed', async () => {
    const before = await store.db.selectFrom('dag_run').select('id').execute();
    const r = await api.call('POST', '/api/v2/dags/auth_dag/dagRuns', { token: api.tokens.Viewer, body: {} });
    expect(r.status).toBe(403);
    expect(await store.db.selectFrom('dag_run').select('id').execute()).toHaveLength(before.length);
  });
});

describe('tokens', () => {
  it('no token, an expired token and a forged token are 401 problem bodies', async () => {
    const none = await api.call('GET', '/api/v2/dags');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toContain('Bearer');
    v2.check('GET', '/api/v2/dags', 401, none.body);
    const key = new TextEncoder().encode(SECRET);
    const user = await store.db.selectFrom('ab_user' as never).select('id' as never).where('username' as never, '=', 'admin' as never).executeTakeFirstOrThrow() as { id: number };
    const past = Math.floor(Date.now() / 1000) - 7200;
    const expired = await new SignJWT({}).setProtectedHeader({ alg: 'HS512' }).setSubject(String(user.id)).setIssuedAt(past).setExpirationTime(past + 60).setAudience('apache-airflow').setIssuer('windsock').sign(key);
    const e = await api.call('GET', '/api/v2/dags', { token: expired });
    expect([e.status, (e.body as { detail: string }).detail]).toEqual([401, 'Token has expired']);
    const forged = await new SignJWT({}).setProtectedHeader({ alg: 'HS512' }).setSubject(String(user.id)).setIssuedAt().setExpirationTime('1h').setAudience('apache-airflow').setIssuer('windsock').sign(new TextEncoder().encode('not-the-secret-000000000000000000000'));
    expect((await api.call('GET', '/api/v2/dags', { token: forged })).status).toBe(401);
    const [h, p] = api.tokens.Viewer.split('.');
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), role: 'Admin', sub: String(user.id) })).toString('base64url')}.${api.tokens.Viewer.split('.')[2]}`;
    expect((await api.call('GET', '/api/v2/variables', { token: tampered })).status).toBe(401);
    const none2 = await new SignJWT({}).setProtectedHeader({ alg: 'none' } as never).setSubject(String(user.id)).sign(new Uint8Array(0)).catch(() => 'a.b.');
    expect((await api.call('GET', '/api/v2/dags', { token: none2 })).status).toBe(401);
  });

  it('basic auth works on /api/v1 only', async () => {
    const basic = `Basic ${Buffer.from(`viewer:${PASSWORD}`).toString('base64')}`;
    expect((await api.call('GET', '/api/v1/dags', { headers: { authorization: basic } })).status).toBe(200);
    expect((await api.call('GET', '/api/v2/dags', { headers: { authorization: basic } })).status).toBe(401);
    expect((await api.call('GET', '/api/v1/variables', { headers: { authorization: basic } })).status).toBe(403);
  });

  it('locks out a username after 3 failed sign-ins (429), even with the right password; others are unaffected', async () => {
    for (let i = 0; i < 3; i++) {
      const r = await api.call('POST', '/auth/token', { body: { username: 'op', password: 'wrong' } });
      expect(r.status).toBe(401);
    }
    const locked = await api.call('POST', '/auth/token', { body: { username: 'op', password: PASSWORD } });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    const basic = `Basic ${Buffer.from(`op:${PASSWORD}`).toString('base64')}`;
    expect((await api.call('GET', '/api/v1/dags', { headers: { authorization: basic } })).status).toBe(429);
    expect((await api.call('POST', '/auth/token', { body: { username: 'user', password: PASSWORD } })).status).toBe(201);
  });
});

describe('malformed bodies change nothing and name the field', () => {
  it('/api/v2: 422 with loc naming the field', async () => {
    const cases: [string, string, unknown, string[]][] = [
      ['POST', '/api/v2/dags/auth_dag/dagRuns', { conf: 'not an object' }, ['body', 'conf']],
      ['POST', '/api/v2/dags/auth_dag/dagRuns', { logical_date: 'yesterday' }, ['body', 'logical_date']],
      ['POST', '/api/v2/dags/auth_dag/dagRuns', { colour: 'red' }, ['body', 'colour']],
      ['POST', '/api/v2/pools', { name: 'x' }, ['body', 'slots']],
      ['PATCH', '/api/v2/dags/auth_dag', { is_paused: 'yes' }, ['body', 'is_paused']],
    ];
    const runs = (await store.db.selectFrom('dag_run').select('id').execute()).length;
    const pools = (await store.db.selectFrom('slot_pool').select('id').execute()).length;
    for (const [method, path, body, loc] of cases) {
      const r = await api.call(method, path, { token: api.tokens.Admin, body });
      expect(r.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(422);
      expect((r.body as { detail: { loc: string[] }[] }).detail[0]!.loc).toEqual(loc);
      v2.check(method, path.replace('auth_dag', '{dag_id}'), 422, r.body);
    }
    const bad = await api.call('POST', '/api/v2/dags/auth_dag/dagRuns', { token: api.tokens.Admin, rawBody: '{"conf": ' });
    expect(bad.status).toBe(400);
    expect((await store.db.selectFrom('dag_run').select('id').execute()).length).toBe(runs);
    expect((await store.db.selectFrom('slot_pool').select('id').execute()).length).toBe(pools);
  });

  it('/api/v1: 400 problem naming the field', async () => {
    const r = await api.call('POST', '/api/v1/dags/auth_dag/dagRuns', { token: api.tokens.Admin, body: { conf: [1, 2] } });
    expect(r.status).toBe(400);
    expect((r.body as { detail: string }).detail).toMatch(/^conf: /);
  });

  it('conf is checked against the DAG params\' schemas', async () => {
    await store.db.updateTable('serialized_dag').set({ data: (eb) => eb.fn('jsonb_set', [eb.ref('data'), eb.val('{params}'), eb.val(JSON.stringify({ n: { default: 1, description: null, schema: { type: 'integer', minimum: 0 } } }))]) as never }).where('dag_id', '=', 'auth_dag').execute();
    const bad = await api.call('POST', '/api/v2/dags/auth_dag/dagRuns', { token: api.tokens.Admin, body: { conf: { n: 'five' } } });
    expect(bad.status).toBe(400);
    expect((bad.body as { detail: string }).detail).toContain('n: ');
    const ok = await api.call('POST', '/api/v2/dags/auth_dag/dagRuns', { token: api.tokens.Admin, body: { conf: { n: 5 } } });
    expect(ok.status).toBe(200);
  });
});
