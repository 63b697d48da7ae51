import { mkdir } from 'node:fs/promises';
import type { Command } from 'commander';
import { loadCliEnv } from '../config.ts';
import { createLogger } from '../logger.ts';
import { startEmbedded } from '../runtime/embedded.ts';
import { dagsFolderOf, metastoreOf } from '../runtime/folder.ts';
import { ensureFernetKey } from '../runtime/secrets.ts';

export function registerStandalone(program: Command, _setExit: (code: number) => void): void {
  program.command('standalone')
    .description('Run scheduler, worker and DAG processor in one process on an embedded database (nothing else to install)')
    .option('--dags <dir>', 'DAG folder (default: [core] dags_folder)')
    .option('-S, --subdir <dir>', 'DAG folder (Airflow\'s spelling)')
    .option('--port <port>', 'webserver port (default: [webserver] port)')
    .action(async (opts: { dags?: string; subdir?: string; port?: string }) => {
      const env = loadCliEnv({ webserver: { port: opts.port } });
      await mkdir(env.home, { recursive: true });
      const fernetKey = await ensureFernetKey(env);
      const log = createLogger(env.config.logging.level, 'windsock');
      const dagsFolder = dagsFolderOf(env, opts.dags ?? opts.subdir);
      const metastore = metastoreOf(env);
      // Listen before anything can be announced: a signal that comes during start-up stops us once started.
      const stopRequested = new Promise<void>((resolve) => {
        const onSignal = (sig: string) => { log.info(`received ${sig}; stopping`); resolve(); };
        process.once('SIGINT', () => onSignal('SIGINT'));
        process.once('SIGTERM', () => onSignal('SIGTERM'));
      });
      const started = Date.now();
      const app = await startEmbedded({ config: { ...env.config, core: { ...env.config.core, fernet_key: fernetKey } }, metastore, dagsFolder, logger: log, watch: true });
      const dags = await app.store.db.selectFrom('dag').select(['dag_id', 'is_paused']).where('is_active', '=', true).execute();
      const errors = await app.store.db.selectFrom('import_error').select(['filename', 'message']).execute();
      process.stdout.write([
        `Windsock standalone is running (started in ${Date.now() - started} ms)`,
        `  DAG folder:  ${dagsFolder} (${dags.length} DAGs, ${dags.filter((d) => !d.is_paused).length} unpaused)`,
        `  metastore:   ${metastore.kind === 'pglite' ? `embedded PGlite in ${metastore.dataDir}` : 'Postgres'}`,
        `  executor:    local, ${env.config.worker.concurrency} tasks at once`,
        ...errors.map((e) => `  import error in ${e.filename}: ${e.message}`),
        'Press Ctrl+C to stop.',
        '',
      ].join('\n'));
      await stopRequested;
      await app.stop();
    });
}
