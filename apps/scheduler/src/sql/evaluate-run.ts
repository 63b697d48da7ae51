/**
 * One scheduling pass over one running DAG run: keeps its task instances in step with the DAG (new tasks get a
 * task instance, vanished ones become `removed`), asks the pure `evaluateRun` what to schedule or force, applies
 * that, enforces dagrun_timeout, and finishes the run when it is done.
 * Guard: the run row is locked `for update skip locked` where state = 'running' (two schedulers never evaluate
 * one run at once); TI updates are guarded on their current state; the run's final update is guarded on
 * state = 'running'. Returns what changed.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '@windsock/metastore';
import { evaluateRun, type TiStateOrNone } from '@windsock/dag-model';
import type { CachedDag } from '@windsock/metastore';

export interface RunPassResult {
  scheduled: number;
  forced: number;
  finished: 'success' | 'failed' | null;
  /** Task instances that were queued or running when the run timed out: their workers must stop them. */
  cancel: string[];
}

const NONE: RunPassResult = { scheduled: 0, forced: 0, finished: null, cancel: [] };

/** `cached` is the run's DAG, loaded by the caller before the transaction (PGlite has one connection). */
export async function evaluateRunningRun(db: Kysely<Database>, dagRunId: number, cached: CachedDag, now: Date): Promise<RunPassResult> {
  const { dag } = cached;
  return db.transaction().execute(async (trx) => {
    const run = await trx.selectFrom('dag_run').select(['id', 'dag_id', 'run_id', 'logical_date', 'start_date', 'dag_hash'])
      .where('id', '=', dagRunId).where('dag_id', '=', dag.dag_id).where('state', '=', 'running').forUpdate().skipLocked().executeTakeFirst();
    if (!run) return NONE;

    let tis = await trx.selectFrom('task_instance').select(['id', 'task_id', 'state', 'next_retry_at'])
      .where('dag_run_id', '=', run.id).execute();
    if (await syncTaskInstances(trx, run, cached, tis)) {
      tis = await trx.selectFrom('task_instance').select(['id', 'task_id', 'state', 'next_retry_at']).where('dag_run_id', '=', run.id).execute();
    }

    if (dag.dagrun_timeout !== null && run.start_date && run.start_date.getTime() + dag.dagrun_timeout * 1000 < now.getTime()) {
      return timeOutRun(trx, run.id, now);
    }

    let previousRun: { tis: Map<string, TiStateOrNone> } | null = null;
    if (dag.tasks.some((t) => t.depends_on_past || t.wait_for_downstream) && run.logical_date) {
      const prev = await trx.selectFrom('dag_run').select('id').where('dag_id', '=', run.dag_id)
        .where('logical_date', '<', run.logical_date).orderBy('logical_date', 'desc').limit(1).executeTakeFirst();
      if (prev) {
        const prevTis = await trx.selectFrom('task_instance').select(['task_id', 'state']).where('dag_run_id', '=', prev.id).execute();
        previousRun = { tis: new Map(prevTis.map((t) => [t.task_id, t.state])) };
      }
    }

    const decision = evaluateRun({ dag, tis: tis.filter((t) => cached.tasks.has(t.task_id)), previousRun, now });
    const idOf = new Map(tis.map((t) => [t.task_id, t.id]));
    let scheduled = 0;
    if (decision.toSchedule.length > 0) {
      const ids = decision.toSchedule.map((t) => idOf.get(t)!).filter(Boolean);
      const res = await trx.updateTable('task_instance')
        .set({ state: 'scheduled', scheduled_dttm: now, next_retry_at: null, try_number: sql`try_number + 1`, updated_at: now })
        .where('id', 'in', ids).where((eb) => eb.or([eb('state', 'is', null), eb('state', '=', 'up_for_retry')]))
        .executeTakeFirst();
      scheduled = Number(res.numUpdatedRows);
    }
    let forced = 0;
    for (const state of ['upstream_failed', 'skipped'] as const) {
      const ids = decision.toForce.filter((f) => f.state === state).map((f) => idOf.get(f.task_id)!).filter(Boolean);
      if (ids.length === 0) continue;
      const res = await trx.updateTable('task_instance').set({ state, start_date: now, end_date: now, duration: 0, updated_at: now })
        .where('id', 'in', ids).where((eb) => eb.or([eb('state', 'is', null), eb('state', '=', 'up_for_retry')]))
        .executeTakeFirst();
      forced += Number(res.numUpdatedRows);
    }
    await trx.updateTable('dag_run').set({ last_scheduling_decision: now }).where('id', '=', run.id).execute();
    let finished: 'success' | 'failed' | null = null;
    if (decision.outcome !== 'running') {
      const res = await trx.updateTable('dag_run').set({ state: decision.outcome, end_date: now, updated_at: now })
        .where('id', '=', run.id).where('state', '=', 'running').executeTakeFirst();
      if (Number(res.numUpdatedRows) === 1) finished = decision.outcome;
    }
    return { scheduled, forced, finished, cancel: [] };
  });
}

/** New tasks get a task instance; task instances of tasks that left the DAG and never ran become `removed`. */
async function syncTaskInstances(trx: Transaction<Database>, run: { id: number; dag_id: string; run_id: string }, cached: CachedDag,
  tis: { id: string; task_id: string; state: TiStateOrNone }[]): Promise<boolean> {
  const have = new Set(tis.map((t) => t.task_id));
  const missing = cached.dag.tasks.filter((t) => !have.has(t.task_id));
  const vanished = tis.filter((t) => !cached.tasks.has(t.task_id) && t.state === null).map((t) => t.id);
  if (missing.length > 0) {
    await trx.insertInto('task_instance').values(missing.map((t) => ({
      dag_run_id: run.id, dag_id: run.dag_id, run_id: run.run_id, task_id: t.task_id, state: null, max_tries: t.retries,
      operator: t.operator, pool: t.pool, pool_slots: t.pool_slots, queue: t.queue, priority_weight: cached.weights.get(t.task_id) ?? t.priority_weight,
    }))).onConflict((oc) => oc.columns(['dag_id', 'task_id', 'run_id', 'map_index']).doNothing()).execute();
  }
  if (vanished.length > 0) {
    await trx.updateTable('task_instance').set({ state: 'removed' }).where('id', 'in', vanished).where('state', 'is', null).execute();
  }
  return missing.length > 0 || vanished.length > 0;
}

/** dagrun_timeout passed: the run fails and its unfinished task instances are skipped (running ones stopped). */
async function timeOutRun(trx: Transaction<Database>, dagRunId: number, now: Date): Promise<RunPassResult> {
  const stopped = await trx.updateTable('task_instance').set({ state: 'skipped', end_date: now, updated_at: now })
    .where('dag_run_id', '=', dagRunId)
    .where((eb) => eb.or([eb('state', 'is', null), eb('state', 'in', ['scheduled', 'queued', 'running', 'up_for_retry', 'up_for_reschedule', 'deferred', 'restarting'])]))
    .returning(['id']).execute();
  const res = await trx.updateTable('dag_run').set({ state: 'failed', end_date: now, updated_at: now, note: sql`coalesce(note, 'dagrun_timeout exceeded')` })
    .where('id', '=', dagRunId).where('state', '=', 'running').executeTakeFirst();
  return { scheduled: 0, forced: stopped.length, finished: Number(res.numUpdatedRows) === 1 ? 'failed' : null, cancel: stopped.map((s) => s.id) };
}

export async function runningRuns(db: Kysely<Database>, limit: number): Promise<{ id: number; dagId: string }[]> {
  // Runs of paused DAGs are not examined (their running tasks finish; nothing new starts), as in Airflow.
  const rows = await db.selectFrom('dag_run').innerJoin('dag', 'dag.dag_id', 'dag_run.dag_id').select(['dag_run.id', 'dag_run.dag_id'])
    .where('dag_run.state', '=', 'running').where('dag.is_paused', '=', false)
    .orderBy('dag_run.last_scheduling_decision', (ob) => ob.asc().nullsFirst()).limit(limit).execute();
  return rows.map((r) => ({ id: r.id, dagId: r.dag_id }));
}
