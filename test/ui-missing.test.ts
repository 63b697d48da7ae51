/**
 * A webserver whose UI files are not built answers a page saying how to build them (not a bare 404), keeps the
 * API's problem bodies, and serves the UI as soon as it is built, without a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileConfig, silentLogger } from '@windsock/config';
import { generateFernetKey, type Metastore } from '@windsock/metastore';
import { LocalEventBus } from '@windsock/queue';
import { startWebserver, type Webserver } from '@windsock/webserver';
import { freshDatabase, type TestDatabase } from './support/db.ts';

let tdb: TestDatabase;
let store: Metastore;
let web: Webserver;
let uiDir: string;

beforeAll(async () => {
  tdb = await freshDatabase();
  store = await tdb.open();
  uiDir = await mkdtemp(join(tmpdir(), 'windsock-ui-'));
  const config = compileConfig({}, undefined, { api_auth: { jwt_secret: 'test-secret-0123456789abcdef0123456789' } });
  web = await startWebserver({ db: store.db, events: new LocalEventBus(), config, logger: silentLogger, fernetKey: generateFernetKey(), port: 0, host: '127.0.0.1', uiDir });
});
afterAll(async () => { await web?.close(); await store?.close(); await tdb?.drop(); });

describe('the web UI before it is built', () => {
  it('answers a page saying how to build it, then serves it once built', async () => {
    const missing = await fetch(`${web.url}/dags/example`);
    expect(missing.status).toBe(503);
    expect(missing.headers.get('content-type')).toContain('text/html');
    const page = await missing.text();
    expect(page).toContain('The web UI is not built');
    expect(page).toContain('npm run build:ui');
    // The API keeps its own answers.
    const api = await fetch(`${web.url}/api/v2/nothing-here`);
    expect(api.status).toBe(404);
    expect(await api.json()).toMatchObject({ status: 404, title: 'Not Found' });

    await writeFile(join(uiDir, 'index.html'), '<!doctype html><title>Windsock UI</title>');
    const built = await fetch(`${web.url}/`);
    expect(built.status).toBe(200);
    expect(await built.text()).toContain('<title>Windsock UI</title>');
  });
});
