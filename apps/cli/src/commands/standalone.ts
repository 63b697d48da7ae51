import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { loadCliEnv } from './env.ts';
import type { Kysely } from 'kysely';
import type { Database } from '@windsock/metastore';
import type { CliEnv } from '../config.ts';

/** A secret generated on first start and kept in $WINDSOCK_HOME/<file> (mode 600), as standalone keeps its own. */
async function keptSecret(env: CliEnv, file: string, make: () => string): Promise<{ value: string; created: boolean }> {
  const path = join(env.home, file);
  try { return { value: (await readFile(path, 'utf8')).trim(), created: false }; } catch {
    const value = make();
    await writeFile(path, value + '\n', { mode: 0o600, flag: 'wx' }).catch(() => {});
    return { value: (await readFile(path, 'utf8')).trim(), created: true };
  }
}

/**
 * As `airflow standalone`: an `admin` user (role Admin) with a generated password, printed once when created and
 * kept in $WINDSOCK_HOME/standalone_admin_password.txt.
 */
async function ensureAdmin(env: CliEnv, db: Kysely<Database>): Promise<string | null> {
  const { createUser, userExists } = await import('@windsock/webserver/users');
  if (await userExists(db, 'admin')) return null;
  const { value } = await keptSecret(env, 'standalone_admin_password.txt', () => randomBytes(12).toString('base64url'));
  await createUser(db, { username: 'admin', password: value, role: 'Admin' });
  return value;
}

export function registerStandalone(program: Command, _setExit: (code: number) => void): void {
  program.command('standalone')
    .description('Run scheduler, worker and DAG processor in one process on an embedded database (nothing else to install)')
    .option('--dags <dir>', 'DAG folder (default: [core] dags_folder)')
    .option('-S, --subdir <dir>', 'DAG folder (Airflow\'s spelling)')
    .option('--port <port>', 'webserver port (default: [webserver] port)')
    .action(async (opts: { dags?: string; subdir?: string; port?: string }) => {
      const env = await loadCliEnv({ webserver: { port: opts.port } });
      const [{ dagsFolderOf, metastoreOf }, { acquireStoreLock }] = await Promise.all([import('../runtime/folder.ts'), import('../runtime/store-lock.ts')]);
      const metastore = metastoreOf(env);
      // One writer per embedded store: other windsock processes go through this one's API while it runs. Taken
      // before the heavy imports, so that a second standalone on the same store is refused at once.
      const lock = metastore.kind === 'pglite' && metastore.dataDir ? acquireStoreLock(metastore.dataDir, { command: 'standalone', serving: true }) : null;
      const [{ createLogger }, { startEmbedded }, { ensureFernetKey }, { startWebserver }, { compileMetricsSettings, openMetrics }] = await Promise.all([
        import('../logger.ts'), import('../runtime/embedded.ts'), import('../runtime/secrets.ts'), import('@windsock/webserver'), import('@windsock/metrics'),
      ]);
      await mkdir(env.home, { recursive: true });
      const fernetKey = await ensureFernetKey(env);
      const log = createLogger(env.config.logging.level, 'windsock', env.config.logging.format);
      const dagsFolder = dagsFolderOf(env, opts.dags ?? opts.subdir);
      // Listen before anything can be announced: a signal that comes during start-up stops us once started.
      const stopRequested = new Promise<void>((resolve) => {
        const onSignal = (sig: string) => { log.info(`received ${sig}; stopping`); resolve(); };
        process.once('SIGINT', () => onSignal('SIGINT'));
        process.once('SIGTERM', () => onSignal('SIGTERM'));
      });
      const started = Date.now();
      // One set of metrics for the process: the scheduler's, worker's and DAG processor's, on the webserver's /metrics.
      const metrics = await openMetrics(compileMetricsSettings(env.config), { logger: log });
      const app = await startEmbedded({ config: { ...env.config, core: { ...env.config.core, fernet_key: fernetKey } }, metastore, dagsFolder, logger: log, watch: true, metrics });
      const jwt = env.config.api_auth.jwt_secret || (await keptSecret(env, 'jwt_secret', () => randomBytes(32).toString('base64url'))).value;
      const newPassword = await ensureAdmin(env, app.store.db);
      const config = { ...env.config, core: { ...env.config.core, fernet_key: fernetKey }, api_auth: { ...env.config.api_auth, jwt_secret: jwt } };
      const control = config.sandboxes.enabled ? await (await import('../runtime/control-plane.ts')).startControlPlane({ config, db: app.store.db, home: env.home, logger: log }) : null;
      const web = await startWebserver({
        db: app.store.db, events: app.events, config,
        logger: log, fernetKey, port: env.config.webserver.port, host: env.config.webserver.host, metrics, ...(control ? { sandboxes: control.web } : {}),
      });
      lock?.setUrl(web.url);
      const dags = await app.store.db.selectFrom('dag').select(['dag_id', 'is_paused']).where('is_active', '=', true).execute();
      const errors = await app.store.db.selectFrom('import_error').select(['filename', 'message']).execute();
      process.stdout.write([
        `Windsock standalone is running (started in ${Date.now() - started} ms)`,
        `  DAG folder:  ${dagsFolder} (${dags.length} DAGs, ${dags.filter((d) => !d.is_paused).length} unpaused)`,
        `  metastore:   ${metastore.kind === 'pglite' ? `embedded PGlite in ${metastore.dataDir}` : 'Postgres'}`,
        `  executor:    local, ${env.config.worker.concurrency} tasks at once`,
        ...errors.map((e) => `  import error in ${e.filename}: ${e.message}`),
        `  webserver:   ${web.url} (REST API ${web.url}/api/v2)`,
        newPassword ? `  sign in as admin with password ${newPassword} (kept in ${join(env.home, 'standalone_admin_password.txt')})` : `  sign in as admin (password in ${join(env.home, 'standalone_admin_password.txt')})`,
        'Press Ctrl+C to stop.',
        '',
      ].join('\n'));
      await stopRequested;
      await web.close();
      await control?.stop();
      await app.stop();
      await metrics.close();
      lock?.release();
    });
}
