/**
 * A sandbox's scheduler process: the DAG processor and scheduling loop, and a worker, of distributed mode, in one
 * process (a sandbox is one user's: one process is enough, and costs one Node instead of two). Its schema, queue
 * prefix, namespace and DAG folder come from the configuration the control plane gave it; a DAG source that is a
 * git branch is checked out here first and kept in sync (sandbox-git.ts).
 */
import type { Logger, WindsockConfig } from '@windsock/config';
import { openBase, startSchedulerProcess, startWorkerProcess } from './distributed.ts';
import type { GitDags, GitDagsSource } from './sandbox-git.ts';

export async function startSandboxScheduler(o: { config: WindsockConfig; dagsFolder: string; logger: Logger; git?: GitDagsSource | null; name?: string }): Promise<{ stop(): Promise<void> }> {
  let rescan: (() => Promise<void>) | undefined;
  const git: GitDags | null = o.git ? await (await import('./sandbox-git.ts')).startGitDags({
    ...o.git, name: o.name ?? 'sandbox', intervalMs: o.config.sandboxes.git_sync_interval_sec * 1000, logger: o.logger,
    onChange: () => rescan?.(),
  }) : null;
  const dagsFolder = git?.dagsFolder ?? o.dagsFolder;
  // One set of connections (Postgres pool, queue, event bus) for both parts.
  const base = await openBase(o.config, 'sandbox', o.logger, { sandbox: o.name ?? 'sandbox' }).catch(async (err: unknown) => { await git?.stop(); throw err; });
  try {
    const scheduler = await startSchedulerProcess({ ...o, dagsFolder, healthHost: '127.0.0.1', base });
    rescan = scheduler.rescanDags;
    const worker = await startWorkerProcess({ ...o, dagsFolder, healthHost: '127.0.0.1', base });
    return {
      async stop() {
        await git?.stop();
        await worker.stop();
        await scheduler.stop();
        await base.close();
      },
    };
  } catch (err) {
    await git?.stop();
    await base.close();
    throw err;
  }
}
