/**
 * `windsock worker`: one worker process of distributed mode. On SIGTERM (Kubernetes stopping the pod) it takes no
 * more work, lets running tries finish for [worker] shutdown_grace_sec, then hands over what an executor can
 * adopt and stops the rest (recorded as failed or up for retry).
 */
import type { Command } from 'commander';
import { loadCliEnv } from './env.ts';

/** Resolves with the first SIGTERM or SIGINT. */
export function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
}

export function registerWorker(program: Command, _setExit: (code: number) => void): void {
  program.command('worker')
    .description('Run a worker on Postgres and Redis: takes queued tasks from its named queues and runs them')
    .option('--dags <dir>', 'DAG folder, for Python callables\' helper modules (default: [core] dags_folder)')
    .option('-q, --queues <names>', 'comma-separated named queues (default: [worker] queues)')
    .option('-c, --concurrency <n>', 'tasks run at once (default: [worker] concurrency)')
    .action(async (opts: { dags?: string; queues?: string; concurrency?: string }) => {
      // Listened for from the start: a stop asked while starting is honoured once started (cleanly, not killed).
      const signalled = untilSignal();
      const env = await loadCliEnv({ worker: { queues: opts.queues, concurrency: opts.concurrency } });
      const [{ createLogger }, { dagsFolderOf }, { startWorkerProcess }] = await Promise.all([
        import('../logger.ts'), import('../runtime/folder.ts'), import('../runtime/distributed.ts'),
      ]);
      const log = createLogger(env.config.logging.level, 'windsock-worker', env.config.logging.format);
      const proc = await startWorkerProcess({ config: env.config, dagsFolder: dagsFolderOf(env, opts.dags), logger: log });
      const sig = await signalled;
      log.info(`received ${sig}; stopping`);
      await proc.stop();
    });
}
