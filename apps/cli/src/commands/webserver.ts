/**
 * `windsock webserver [--port]`: the REST API, WebSocket and UI as their own process (distributed mode). On
 * Postgres it shares the distributed processes' event bus (Redis), so triggers wake the schedulers at once,
 * cancellations reach the workers and their events reach the browsers.
 */
import type { Command } from 'commander';
import type { EventBus } from '@windsock/queue';
import { loadCliEnv } from './env.ts';

export function registerWebserver(program: Command, _setExit: (code: number) => void): void {
  program.command('webserver').description('Serve the REST API (/api/v2, /api/v1), live updates and the web UI')
    .option('-p, --port <port>', 'port (default: [webserver] port, 8080)')
    .option('-H, --hostname <host>', 'address to listen on (default: [webserver] host)')
    .action(async (o: { port?: string; hostname?: string }) => {
      const env = await loadCliEnv({ webserver: { port: o.port, host: o.hostname } });
      if (!env.config.core.fernet_key) {
        const { ConfigError } = await import('@windsock/config');
        throw new ConfigError('[core] fernet_key must be set for the webserver (it encrypts connection secrets); set WINDSOCK__CORE__FERNET_KEY');
      }
      const [{ metastoreOf }, { acquireStoreLock }] = await Promise.all([import('../runtime/folder.ts'), import('../runtime/store-lock.ts')]);
      const metastore = metastoreOf(env);
      const lock = metastore.kind === 'pglite' && metastore.dataDir ? acquireStoreLock(metastore.dataDir, { command: 'webserver', serving: true }) : null;
      const [{ migrateToLatest, openMetastore }, { LocalEventBus }, { openEventBus }, { startWebserver }, { createLogger }] = await Promise.all([
        import('@windsock/metastore'), import('@windsock/queue'), import('../runtime/event-bus.ts'), import('@windsock/webserver'), import('../logger.ts'),
      ]);
      const log = createLogger(env.config.logging.level, 'webserver', env.config.logging.format);
      const store = await openMetastore(metastore);
      await migrateToLatest(store.db); // advisory-locked: safe from every process at once
      const events: EventBus = env.config.database.url ? openEventBus(env.config, log) : new LocalEventBus();
      const control = env.config.sandboxes.enabled ? await (await import('../runtime/control-plane.ts')).startControlPlane({ config: env.config, db: store.db, home: env.home, logger: log }) : null;
      const web = await startWebserver({ db: store.db, events, config: env.config, logger: log, fernetKey: env.config.core.fernet_key, port: env.config.webserver.port, host: env.config.webserver.host, ...(control ? { sandboxes: control.web } : {}) });
      lock?.setUrl(web.url);
      process.stdout.write(`Windsock webserver on ${web.url} (API: ${web.url}/api/v2, OpenAPI: ${web.url}/openapi.json)\n`);
      await new Promise<void>((resolve) => { process.once('SIGINT', () => resolve()); process.once('SIGTERM', () => resolve()); });
      await web.close();
      await control?.stop();
      await events.close();
      await store.close();
      lock?.release();
    });
}
