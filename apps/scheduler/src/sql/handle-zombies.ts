/**
 * Zombies: tries that are `running` but whose worker stopped heart-beating (it died, or in standalone the
 * previous process is gone). Each is failed, or set up for retry when it has tries left, as Airflow does with
 * zombie tasks, with a line in the task's log saying why.
 * Guard: `where id = ? and state = 'running' and try_number = ? and last_heartbeat_at < cutoff` — a worker that
 * comes back and heart-beats in time keeps its try. Returns the tries handled.
 * Adoption: a zombie whose executor is in `adoptableExecutors` and that has an external_executor_id (its pod
 * runs on without its worker) is not failed but handed over (`hand-over-zombie.ts`): state `queued`, with the job
 * that lets another worker adopt it. Other executors' tries (a local process dies with its worker) are failed or
 * retried.
 */
import { sql, type Kysely } from 'kysely';
import { recordHistory, type Database, type DagCache } from '@windsock/metastore';
import { failedTryOutcome } from '@windsock/dag-model';
import type { TaskJob } from '@windsock/queue';
import { handOverZombie } from './hand-over-zombie.ts';

export type ZombieHandled = { tiId: string; dagRunId: number; dagId: string; runId: string; taskId: string; tryNumber: number }
  & ({ state: 'failed' | 'up_for_retry' } | { state: 'queued'; job: TaskJob; externalId: string });

export async function handleZombies(db: Kysely<Database>, dags: DagCache, cutoff: Date, now: Date, opts: { adoptableExecutors?: ReadonlySet<string> } = {}): Promise<ZombieHandled[]> {
  const rows = await db.selectFrom('task_instance as ti').innerJoin('dag_run as dr', 'dr.id', 'ti.dag_run_id')
    .select(['ti.id', 'ti.dag_run_id', 'ti.dag_id', 'ti.run_id', 'ti.task_id', 'ti.map_index', 'ti.try_number', 'ti.max_tries', 'ti.queue', 'ti.priority_weight', 'ti.worker_id', 'ti.last_heartbeat_at', 'ti.executor', 'ti.external_executor_id', 'dr.logical_date', 'dr.run_after'])
    .where('ti.state', '=', 'running')
    .where((eb) => eb.or([eb('ti.last_heartbeat_at', '<', cutoff), eb('ti.last_heartbeat_at', 'is', null)]))
    .limit(500).execute();
  const handled: ZombieHandled[] = [];
  for (const r of rows) {
    if (r.external_executor_id !== null && r.executor !== null && opts.adoptableExecutors?.has(r.executor)) {
      const job = await handOverZombie(db, r, cutoff, now);
      if (job) handled.push({ tiId: r.id, dagRunId: r.dag_run_id, dagId: r.dag_id, runId: r.run_id, taskId: r.task_id, tryNumber: r.try_number, state: 'queued', job, externalId: r.external_executor_id });
      continue;
    }
    const task = (await dags.get(r.dag_id))?.tasks.get(r.task_id);
    const { state, retryAt } = failedTryOutcome(task, { dagId: r.dag_id, taskId: r.task_id, logicalDate: r.logical_date ?? r.run_after, tryNumber: r.try_number, maxTries: r.max_tries }, now);
    const done = await db.transaction().execute(async (trx) => {
      const res = await trx.updateTable('task_instance')
        .set({ state, end_date: now, next_retry_at: retryAt, updated_at: now, duration: sql`extract(epoch from (${now}::timestamptz - start_date))` })
        .where('id', '=', r.id).where('state', '=', 'running').where('try_number', '=', r.try_number)
        .where((eb) => eb.or([eb('last_heartbeat_at', '<', cutoff), eb('last_heartbeat_at', 'is', null)]))
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) return false;
      const seen = r.last_heartbeat_at ? r.last_heartbeat_at.toISOString() : 'never';
      await trx.insertInto('task_log').values({ task_instance_id: r.id, try_number: r.try_number,
        chunk: `Worker ${r.worker_id ?? '?'} stopped heart-beating (last heartbeat: ${seen}); the task was detected as a zombie${r.executor && !opts.adoptableExecutors?.has(r.executor) ? ` (executor ${r.executor} cannot hand a running try to another worker)` : ''}. Marking task as ${state.toUpperCase()}.\n` }).execute();
      await recordHistory(trx, r.id, now);
      return true;
    });
    if (done) handled.push({ tiId: r.id, dagRunId: r.dag_run_id, dagId: r.dag_id, runId: r.run_id, taskId: r.task_id, tryNumber: r.try_number, state });
  }
  return handled;
}
