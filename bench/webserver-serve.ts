/** Child process of bench/webserver-api.ts: only the webserver, on the given Postgres database, so its RSS is its own. */
import { compileConfig, silentLogger } from '@windsock/config';
import { generateFernetKey, openMetastore } from '@windsock/metastore';
import { LocalEventBus } from '@windsock/queue';
import { startWebserver } from '@windsock/webserver';

const url = process.argv[2]!;
const store = await openMetastore({ kind: 'postgres', url, poolSize: 10 });
const config = compileConfig({}, undefined, { api_auth: { jwt_secret: 'bench-secret-0123456789abcdef012345' } });
const web = await startWebserver({ db: store.db, events: new LocalEventBus(), config, logger: silentLogger, fernetKey: generateFernetKey(), port: 0, host: '127.0.0.1', uiDir: '/nonexistent' });
process.send?.({ url: web.url });
process.on('message', (m) => { if (m === 'rss') process.send?.({ rss: process.memoryUsage().rss }); });
process.on('SIGTERM', () => void web.close().then(() => store.close()).then(() => process.exit(0)));
