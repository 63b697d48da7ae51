/**
 * A sandbox's scheduler process: the DAG processor and scheduling loop, and a worker, of distributed mode, in one
 * process (a sandbox is one user's: one process is enough, and costs one Node instead of two). Its schema, queue
 * prefix, namespace and DAG folder come from the configuration the control plane gave it.
 */
import type { Logger, WindsockConfig } from '@windsock/config';
import { startSchedulerProcess, startWorkerProcess } from './distributed.ts';

export async function startSandboxScheduler(o: { config: WindsockConfig; dagsFolder: string; logger: Logger }): Promise<{ stop(): Promise<void> }> {
  const scheduler = await startSchedulerProcess({ ...o, healthHost: '127.0.0.1' });
  const worker = await startWorkerProcess({ ...o, healthHost: '127.0.0.1' });
  return {
    async stop() {
      await worker.stop();
      await scheduler.stop();
    },
  };
}
