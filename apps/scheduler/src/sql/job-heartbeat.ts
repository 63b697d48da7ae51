/**
 * The `job` rows of long-running processes (scheduler, DAG processor, worker), as Airflow keeps them: the API's
 * health endpoint reads `latest_heartbeat` to say whether a scheduler and a DAG processor are alive.
 * - startJob: inserts a `running` row; returns its id.
 * - beatJobs: sets latest_heartbeat; guard `where id in (…) and state = 'running'` (a job ended is not revived).
 * - endJobs: `running → success | failed` with end_date; same guard.
 */
import type { Kysely } from 'kysely';
import type { Database, JobTable } from '@windsock/metastore';

export async function startJob(db: Kysely<Database>, job: { type: JobTable['job_type']; hostname: string; workerId: string | null }, now: Date): Promise<number> {
  const row = await db.insertInto('job').values({ job_type: job.type, state: 'running', hostname: job.hostname, worker_id: job.workerId, start_date: now, latest_heartbeat: now })
    .returning('id').executeTakeFirstOrThrow();
  return row.id;
}

export async function beatJobs(db: Kysely<Database>, ids: number[], now: Date): Promise<void> {
  if (ids.length === 0) return;
  await db.updateTable('job').set({ latest_heartbeat: now }).where('id', 'in', ids).where('state', '=', 'running').execute();
}

export async function endJobs(db: Kysely<Database>, ids: number[], state: 'success' | 'failed', now: Date): Promise<void> {
  if (ids.length === 0) return;
  await db.updateTable('job').set({ state, end_date: now }).where('id', 'in', ids).where('state', '=', 'running').execute();
}
