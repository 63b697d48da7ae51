/**
 * A platform for sandbox tests: the shared instance on a fresh Postgres database, the sandboxes control plane and
 * the webserver in this process (sandbox schedulers are real child processes), users with a token each, and a
 * DAG root with one folder per user. Real Postgres and Redis.
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { Redis } from 'ioredis';
import { compileConfig, silentLogger, type WindsockConfig } from '@windsock/config';
import { generateFernetKey, type Metastore } from '@windsock/metastore';
import { LocalEventBus } from '@windsock/queue';
import { createUser, startWebserver, type Webserver } from '@windsock/webserver';
import { startControlPlane, type ControlPlane } from '../../apps/cli/src/runtime/control-plane.ts';
import { freshDatabase, REDIS_URL, type TestDatabase } from './db.ts';
import { until } from './wait.ts';

export const PLATFORM_PASSWORD = 'sandbox pass';
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON of many shapes, read by the assertions
export type Json = any;

/** A YAML DAG of two bash tasks; the first echoes `word from <dag_id>`. */
export const yamlChain = (dagId: string, word: string, seconds = 0) => `${dagId}:
  schedule: null
  is_paused_upon_creation: false
  default_args: { start_date: 2024-01-01 }
  tasks:
    - task_id: hello
      operator: airflow.operators.bash.BashOperator
      bash_command: 'echo "${word} from {{ dag.dag_id }}"; sleep ${seconds}; echo "done ${word}"'
    - task_id: bye
      operator: airflow.operators.bash.BashOperator
      bash_command: 'echo bye'
      dependencies: [hello]
`;

export interface Platform {
  web: Webserver; store: Metastore; control: ControlPlane; config: WindsockConfig; root: string; home: string; tokens: Record<string, string>;
  call(path: string, o?: { method?: string; token?: string; body?: unknown }): Promise<{ status: number; body: Json }>;
  ready(name: string, token: string): Promise<Json>;
  gone(name: string, token: string): Promise<true>;
  schemaExists(schema: string): Promise<boolean>;
  redisKeys(prefix: string): Promise<string[]>;
  close(): Promise<void>;
}

export { until };

export async function startPlatform(o: {
  users: Record<string, 'Admin' | 'Op' | 'User' | 'Viewer'>;
  /** user → file name → content, written to `<root>/<user>/dags/`. */
  dags: Record<string, Record<string, string>>;
  env?: Record<string, string>;
}): Promise<Platform> {
  const tdb: TestDatabase = await freshDatabase();
  const store = await tdb.open(5);
  const root = await mkdtemp(join(tmpdir(), 'ws-sb-root-'));
  const home = await mkdtemp(join(tmpdir(), 'ws-sb-home-'));
  for (const [user, files] of Object.entries(o.dags)) {
    await mkdir(join(root, user, 'dags'), { recursive: true });
    for (const [f, text] of Object.entries(files)) await writeFile(join(root, user, 'dags', f), text);
  }
  const config = compileConfig({
    WINDSOCK__DATABASE__URL: tdb.url, WINDSOCK__QUEUE__REDIS_URL: REDIS_URL, WINDSOCK__QUEUE__PREFIX: `wstest${randomBytes(3).toString('hex')}`,
    WINDSOCK__CORE__FERNET_KEY: generateFernetKey(), WINDSOCK__SANDBOXES__DAGS_ROOT: root, WINDSOCK__API_AUTH__JWT_SECRET: randomBytes(32).toString('hex'),
    WINDSOCK__LOGGING__LEVEL: 'warn', ...o.env,
  });
  const control = await startControlPlane({ config, db: store.db, home, logger: silentLogger });
  const web = await startWebserver({ db: store.db, events: new LocalEventBus(), config, logger: silentLogger, fernetKey: config.core.fernet_key, port: 0, host: '127.0.0.1', sandboxes: control.web });
  const call: Platform['call'] = async (path, c = {}) => {
    const res = await fetch(`${web.url}${path}`, {
      method: c.method ?? 'GET',
      headers: { ...(c.token ? { authorization: `Bearer ${c.token}` } : {}), ...(c.body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: c.body === undefined ? undefined : JSON.stringify(c.body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
  const tokens: Record<string, string> = {};
  for (const [name, role] of Object.entries(o.users)) {
    await createUser(store.db, { username: name, password: PLATFORM_PASSWORD, role });
    tokens[name] = (await call('/auth/token', { method: 'POST', body: { username: name, password: PLATFORM_PASSWORD } })).body.access_token;
  }
  return {
    web, store, control, config, root, home, tokens, call,
    ready: (name, token) => until(`${name} ready`, async () => {
      const r = await call(`/api/windsock/v1/sandboxes/${name}`, { token });
      if (r.body?.status === 'failed') throw new Error(`sandbox failed: ${r.body.reason}`);
      return r.body?.status === 'ready' ? r.body : null;
    }, 90_000),
    gone: (name, token) => until(`${name} gone`, async () => (await call(`/api/windsock/v1/sandboxes/${name}`, { token })).status === 404, 60_000),
    schemaExists: async (schema) => ((await sql<{ n: number }>`select count(*)::int as n from pg_namespace where nspname = ${schema}`.execute(store.db)).rows[0]!.n > 0),
    redisKeys: async (prefix) => { const r = new Redis(REDIS_URL); try { return await r.keys(`${prefix}:*`); } finally { r.disconnect(); } },
    async close() { await web.close(); await control.stop(); await store.close(); await tdb.drop(); },
  };
}
