/** The `job` rows of a process's long-running parts, as Airflow keeps them, for the API's health endpoint. */
import { hostname } from 'node:os';
import type { Kysely } from 'kysely';
import type { Database } from '@windsock/metastore';
import { beatJobs, endJobs, startJob } from '@windsock/scheduler';
import type { Logger } from '@windsock/config';

/**
 * Job rows heart-beating every 5 s while `alive()` holds, so the API's health endpoint sees this process (a stuck
 * loop stops beating). Returns a function that ends them.
 */
export async function jobRows(db: Kysely<Database>, types: Array<'scheduler' | 'dag_processor' | 'worker'>, workerId: string | null, alive: () => boolean, log: Logger): Promise<() => Promise<void>> {
  const ids: number[] = [];
  for (const type of types) ids.push(await startJob(db, { type, hostname: hostname(), workerId }, new Date()));
  const timer = setInterval(() => {
    if (alive()) beatJobs(db, ids, new Date()).catch((err: unknown) => log.warn({ err }, 'job heartbeat failed'));
  }, 5000);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await endJobs(db, ids, 'success', new Date()).catch((err: unknown) => log.warn({ err }, 'could not end job rows'));
  };
}

