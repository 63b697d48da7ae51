/**
 * Moves queued runs of one DAG to `running` while fewer than max_active_runs run, and creates their task
 * instances (state null, "no status").
 * Guard: the DAG row is locked for the duration (`for update`), and each run moves only `where state = 'queued'`.
 * Returns the runs started.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '@windsock/metastore';
import type { CachedDag } from '@windsock/metastore';

export async function dagsWithQueuedRuns(db: Kysely<Database>): Promise<string[]> {
  // Runs of paused DAGs wait, as in Airflow.
  const rows = await db.selectFrom('dag_run').innerJoin('dag', 'dag.dag_id', 'dag_run.dag_id').select('dag_run.dag_id').distinct()
    .where('dag_run.state', '=', 'queued').where('dag_run.run_after', '<=', new Date()).where('dag.is_paused', '=', false).execute();
  return rows.map((r) => r.dag_id);
}

export async function startQueuedRuns(db: Kysely<Database>, cached: CachedDag, now: Date): Promise<{ id: number; runId: string }[]> {
  const { dag } = cached;
  return db.transaction().execute(async (trx) => {
    const locked = await trx.selectFrom('dag').select('dag_id').where('dag_id', '=', dag.dag_id).forUpdate().skipLocked().executeTakeFirst();
    if (!locked) return [];
    const running = await trx.selectFrom('dag_run').select(sql<number>`count(*)::int`.as('n'))
      .where('dag_id', '=', dag.dag_id).where('state', '=', 'running').executeTakeFirstOrThrow();
    const room = dag.max_active_runs - running.n;
    if (room <= 0) return [];
    const started = await trx.updateTable('dag_run')
      .set({ state: 'running', start_date: now, updated_at: now })
      .where('id', 'in', (qb) => qb.selectFrom('dag_run').select('id')
        .where('dag_id', '=', dag.dag_id).where('state', '=', 'queued').where('run_after', '<=', now)
        .orderBy('logical_date').orderBy('id').limit(room))
      .where('state', '=', 'queued')
      .returning(['id', 'run_id', 'dag_id']).execute();
    if (started.length > 0 && dag.tasks.length > 0) {
      const rows = started.flatMap((r) => dag.tasks.map((t) => ({
        dag_run_id: r.id, dag_id: dag.dag_id, run_id: r.run_id, task_id: t.task_id, state: null,
        max_tries: t.retries, operator: t.operator, pool: t.pool, pool_slots: t.pool_slots, queue: t.queue,
        priority_weight: cached.weights.get(t.task_id) ?? t.priority_weight,
      })));
      for (let i = 0; i < rows.length; i += 1000) {
        await trx.insertInto('task_instance').values(rows.slice(i, i + 1000))
          .onConflict((oc) => oc.columns(['dag_id', 'task_id', 'run_id', 'map_index']).doNothing()).execute();
      }
    }
    return started.map((r) => ({ id: r.id, runId: r.run_id }));
  });
}
