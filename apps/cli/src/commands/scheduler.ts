/** `windsock scheduler`: one scheduler process of distributed mode (DAG processor + scheduling loop). */
import type { Command } from 'commander';
import { loadCliEnv } from './env.ts';
import { untilSignal } from './worker.ts';

export function registerScheduler(program: Command, _setExit: (code: number) => void): void {
  program.command('scheduler')
    .description('Run a scheduler (DAG processor and scheduling loop) on Postgres and Redis; several may run at once')
    .option('--dags <dir>', 'DAG folder (default: [core] dags_folder)')
    .option('-S, --subdir <dir>', 'DAG folder (Airflow\'s spelling)')
    .action(async (opts: { dags?: string; subdir?: string }) => {
      // Listened for from the start: a stop asked while starting is honoured once started (cleanly, not killed).
      const signalled = untilSignal();
      const env = await loadCliEnv();
      const [{ createLogger }, { dagsFolderOf }, { startSchedulerProcess }] = await Promise.all([
        import('../logger.ts'), import('../runtime/folder.ts'), import('../runtime/distributed.ts'),
      ]);
      const log = createLogger(env.config.logging.level, 'windsock-scheduler', env.config.logging.format);
      const proc = await startSchedulerProcess({ config: env.config, dagsFolder: dagsFolderOf(env, opts.dags ?? opts.subdir), logger: log });
      const sig = await signalled;
      log.info(`received ${sig}; stopping`);
      await proc.stop();
    });
}
