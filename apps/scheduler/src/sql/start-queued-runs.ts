/**
 * Moves queued runs to `running` while fewer than their DAG's max_active_runs run, and creates their task
 * instances (state null, "no status").
 * Guard: the DAG rows are locked for the duration (`for update skip locked`), and each run moves only
 * `where state = 'queued'`.
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
  return (await startQueuedRunsOf(db, new Map([[cached.dag.dag_id, cached]]), now)).map((r) => ({ id: r.id, runId: r.runId }));
}

/**
 * The same for many DAGs at once, in one transaction of a few statements whatever their number (a burst of
 * triggered runs is started together). DAG rows another scheduler holds are skipped; it starts their runs.
 */
export async function startQueuedRunsOf(db: Kysely<Database>, dags: Map<string, CachedDag>, now: Date): Promise<{ id: number; runId: string; dagId: string }[]> {
  if (dags.size === 0) return [];
  return db.transaction().execute(async (trx) => {
    const locked = (await trx.selectFrom('dag').select('dag_id').where('dag_id', 'in', [...dags.keys()]).orderBy('dag_id')
      .forUpdate().skipLocked().execute()).map((r) => r.dag_id);
    if (locked.length === 0) return [];
    const running = new Map((await trx.selectFrom('dag_run').select(['dag_id', sql<number>`count(*)::int`.as('n')])
      .where('dag_id', 'in', locked).where('state', '=', 'running').groupBy('dag_id').execute()).map((r) => [r.dag_id, r.n]));
    const rooms = locked.map((dagId) => ({ dag_id: dagId, room: dags.get(dagId)!.dag.max_active_runs - (running.get(dagId) ?? 0) })).filter((r) => r.room > 0);
    if (rooms.length === 0) return [];
    // The oldest queued runs of each DAG, as many as it has room for.
    const started = (await sql<{ id: number; run_id: string; dag_id: string }>`
      update dag_run set state = 'running', start_date = ${now}, updated_at = ${now}
      where state = 'queued' and id in (
        select c.id from (
          select id, dag_id, row_number() over (partition by dag_id order by logical_date, id) as rn
          from dag_run where state = 'queued' and run_after <= ${now} and dag_id = any(${rooms.map((r) => r.dag_id)}::text[])
        ) c join jsonb_to_recordset(${JSON.stringify(rooms)}::jsonb) as r(dag_id text, room int) on r.dag_id = c.dag_id
        where c.rn <= r.room)
      returning id, run_id, dag_id`.execute(trx)).rows;
    const rows = started.flatMap((r) => {
      const cached = dags.get(r.dag_id)!;
      return cached.dag.tasks.map((t) => ({
        dag_run_id: r.id, dag_id: r.dag_id, run_id: r.run_id, task_id: t.task_id, state: null,
        max_tries: t.retries, operator: t.operator, pool: t.pool, pool_slots: t.pool_slots, queue: t.queue,
        priority_weight: cached.weights.get(t.task_id) ?? t.priority_weight,
      }));
    });
    for (let i = 0; i < rows.length; i += 1000) {
      await trx.insertInto('task_instance').values(rows.slice(i, i + 1000))
        .onConflict((oc) => oc.columns(['dag_id', 'task_id', 'run_id', 'map_index']).doNothing()).execute();
    }
    return started.map((r) => ({ id: r.id, runId: r.run_id, dagId: r.dag_id }));
  });
}
