/**
 * `windsock sandbox-scheduler`: one sandbox's scheduler and worker in one process, on its own schema, queue
 * prefix and namespace, with its DAGs from a folder or a git branch (all from its environment, set by the control
 * plane). Not for people to run: the control plane starts it (a child process, or a Deployment's container) and
 * stops it with SIGTERM.
 */
import type { Command } from 'commander';
import { loadCliEnv } from './env.ts';
import { untilSignal } from './worker.ts';

/** The variable the control plane sets for a git source (@windsock/sandboxes/git-source: GIT_SOURCE_ENV). */
const GIT_SOURCE_ENV = 'WINDSOCK_SANDBOX_GIT';

export function registerSandboxScheduler(program: Command, _setExit: (code: number) => void): void {
  program.command('sandbox-scheduler', { hidden: true })
    .description('Run one sandbox\'s scheduler and worker (started by the sandboxes control plane)')
    .action(async () => {
      // Listened for from the start: a stop asked while starting is honoured once started (cleanly, not killed).
      const signalled = untilSignal();
      const env = await loadCliEnv();
      const [{ createLogger }, { dagsFolderOf }, { startSandboxScheduler }] = await Promise.all([
        import('../logger.ts'), import('../runtime/folder.ts'), import('../runtime/sandbox-scheduler.ts'),
      ]);
      const name = process.env['WINDSOCK_SANDBOX'] ?? 'scheduler';
      const log = createLogger(env.config.logging.level, `windsock-sandbox-${name}`, 'json');
      // A git source is cloned before anything starts; a failed clone exits non-zero with the reason, last on stderr.
      // The git client is loaded only for a git source (a folder sandbox never holds it).
      const git = process.env[GIT_SOURCE_ENV] ? (await import('../runtime/sandbox-git.ts')).gitSourceFromEnv(process.env) : null;
      const proc = await startSandboxScheduler({ config: env.config, dagsFolder: dagsFolderOf(env), logger: log, git, name });
      process.send?.({ type: 'ready' });
      // Compacted once started, then every minute: migrating, the first parse and each pass leave garbage that an idle
      // heap keeps for long (V8 collects when allocating, and an idle scheduler hardly allocates). A full collection
      // of its ~25 MiB heap takes a few milliseconds. `gc` is exposed by its V8 flags (src/v8-flags.ts).
      const gc = (globalThis as { gc?: () => void }).gc;
      if (gc) { setTimeout(gc, 10_000).unref(); setInterval(gc, 60_000).unref(); }
      const sig = await signalled;
      log.info(`received ${sig}; stopping`);
      await proc.stop();
      process.disconnect?.();
    });
}
