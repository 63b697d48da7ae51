/**
 * One scheduling pass over a batch of running DAG runs, in one transaction and a handful of statements whatever
 * the batch size: keeps each run's task instances in step with its DAG (new tasks get a task instance, vanished
 * ones become `removed`), asks the pure `evaluateRun` what to schedule or force, applies that, enforces
 * dagrun_timeout, and finishes the runs that are done.
 * Guard: the runs are locked `for no key update skip locked` where state = 'running' and the DAG is not paused (two schedulers never evaluate one
 * run at once; a run another scheduler holds is skipped; unlike `for update`, the lock does not hold up a worker
 * recording a try's XCom, whose foreign key shares the run's key); TI updates are guarded on their current state; final
 * run updates on state = 'running'. Returns what changed.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { CachedDag, Database } from '@windsock/metastore';
import { expandMappedTask } from './expand-mapped-task.ts';
import { BRANCH_OPERATORS, DEFAULT_MAX_MAP_LENGTH, evaluateRun, SHORT_CIRCUIT_OPERATORS, type SkipMixinRecord, type TiStateOrNone } from '@windsock/dag-model';

export interface RunsPassResult {
  scheduled: number;
  forced: number;
  finished: { id: number; dagId: string; runId: string; state: 'success' | 'failed' }[];
  /** Task instances that were queued or running when their run timed out: their workers must stop them. */
  cancel: string[];
  /** Mapped tasks expanded in this pass: how many instances, or why none run. */
  expanded: { dagRunId: number; dagId: string; runId: string; taskId: string; count: number; reason?: string }[];
}

type TiRow = { id: string; dag_run_id: number; task_id: string; map_index: number; state: TiStateOrNone; next_retry_at: Date | null };
const UNFINISHED = ['scheduled', 'queued', 'running', 'up_for_retry', 'up_for_reschedule', 'deferred', 'restarting'] as const;

/**
 * Runs inside the caller's transaction (the scheduler queues in the same one). `dags` holds each run's DAG, loaded
 * by the caller before the transaction (PGlite has a single connection).
 */
export async function evaluateRunsIn(trx: Transaction<Database>, runIds: number[], dags: Map<string, CachedDag>, now: Date,
  maxMapLength = DEFAULT_MAX_MAP_LENGTH): Promise<RunsPassResult> {
  const result: RunsPassResult = { scheduled: 0, forced: 0, finished: [], cancel: [], expanded: [] };
  if (runIds.length === 0) return result;
  const locked = await lockRunsWithTis(trx, runIds, now);
  const runs = locked.runs.filter((r) => dags.has(r.dag_id)); // a DAG that is gone: its runs wait until it comes back or is deleted
  let tis = locked.tis;
  if (runs.length === 0) return result;
  if (await syncTaskInstances(trx, runs, dags, tis)) tis = await loadTis(trx, runs.map((r) => r.id));
  const byRun = new Map<number, TiRow[]>();
  for (const t of tis) (byRun.get(t.dag_run_id) ?? byRun.set(t.dag_run_id, []).get(t.dag_run_id)!).push(t);

  const toSchedule: string[] = [];
  const toForce = { upstream_failed: [] as string[], skipped: [] as string[] };
  const outcome = { success: [] as number[], failed: [] as number[] };
  const timedOut: number[] = [];
  for (const run of runs) {
    const cached = dags.get(run.dag_id)!;
    const { dag } = cached;
    if (dag.dagrun_timeout !== null && run.start_date && run.start_date.getTime() + dag.dagrun_timeout * 1000 < now.getTime()) {
      timedOut.push(run.id);
      continue;
    }
    const runTis = (byRun.get(run.id) ?? []).filter((t) => cached.tasks.has(t.task_id));
    const previousRun = dag.tasks.some((t) => t.depends_on_past || t.wait_for_downstream) && run.logical_date
      ? await previousRunStates(trx, run.dag_id, run.logical_date) : null;
    // Only a run with a cleared task instance downstream of a branch that succeeded can need them.
    const skipMixin = runTis.some((t) => t.state === null) && dag.tasks.some((t) => BRANCH_OPERATORS.has(t.operator) || SHORT_CIRCUIT_OPERATORS.has(t.operator))
      && runTis.some((t) => t.state === 'success' && (BRANCH_OPERATORS.has(cached.tasks.get(t.task_id)!.operator) || SHORT_CIRCUIT_OPERATORS.has(cached.tasks.get(t.task_id)!.operator)))
      ? await skipMixinXComs(trx, run.id) : undefined;
    const decision = evaluateRun({ dag, tis: runTis, previousRun, now, ...(skipMixin ? { skipMixin } : {}) });
    const idOf = new Map(runTis.filter((t) => t.map_index === -1).map((t) => [t.task_id, t.id]));
    for (const t of decision.toSchedule) { const id = idOf.get(t); if (id) toSchedule.push(id); }
    const mappedId = new Map(runTis.filter((t) => t.map_index >= 0).map((t) => [`${t.task_id}\0${t.map_index}`, t.id]));
    for (const m of decision.toScheduleMapped) { const id = mappedId.get(`${m.task_id}\0${m.map_index}`); if (id) toSchedule.push(id); }
    let expandedNow = false;
    for (const taskId of decision.toExpand) {
      const id = idOf.get(taskId);
      if (!id) continue;
      const r = await expandMappedTask(trx, run.id, cached.tasks.get(taskId)!, id, cached.weights.get(taskId) ?? cached.tasks.get(taskId)!.priority_weight, maxMapLength, now);
      if (r.kind === 'gone') continue;
      expandedNow = true;
      if (r.kind === 'expanded') toSchedule.push(...r.tiIds);
      result.expanded.push({ dagRunId: run.id, dagId: run.dag_id, runId: run.run_id, taskId, count: r.kind === 'expanded' ? r.tiIds.length : 0,
        ...(r.kind === 'expanded' ? {} : { reason: r.reason }) });
    }
    // A skipped or failed expansion changes what its downstream sees: the next pass decides for them and the run.
    if (expandedNow && decision.outcome !== 'running') continue;
    for (const f of decision.toForce) {
      const id = f.map_index === undefined ? idOf.get(f.task_id) : mappedId.get(`${f.task_id}\0${f.map_index}`);
      if (id) toForce[f.state].push(id);
    }
    if (decision.outcome !== 'running') outcome[decision.outcome].push(run.id);
  }

  if (toSchedule.length > 0) {
    const res = await trx.updateTable('task_instance')
      // A sensor's reschedule keeps its try number (Airflow's schedule_tis does not count it as a new try).
      .set({ state: 'scheduled', scheduled_dttm: now, next_retry_at: null, try_number: sql`case when state = 'up_for_reschedule' then try_number else try_number + 1 end`,
        updated_at: now, external_executor_id: null, worker_id: null, pid: null })
      .where('id', 'in', toSchedule).where((eb) => eb.or([eb('state', 'is', null), eb('state', 'in', ['up_for_retry', 'up_for_reschedule'])]))
      .executeTakeFirst();
    result.scheduled = Number(res.numUpdatedRows);
  }
  for (const state of ['upstream_failed', 'skipped'] as const) {
    if (toForce[state].length === 0) continue;
    const res = await trx.updateTable('task_instance').set({ state, start_date: now, end_date: now, duration: 0, updated_at: now })
      .where('id', 'in', toForce[state]).where((eb) => eb.or([eb('state', 'is', null), eb('state', 'in', ['up_for_retry', 'up_for_reschedule'])]))
      .executeTakeFirst();
    result.forced += Number(res.numUpdatedRows);
  }
  for (const state of ['success', 'failed'] as const) {
    if (outcome[state].length === 0) continue;
    const done = await trx.updateTable('dag_run').set({ state, end_date: now, updated_at: now })
      .where('id', 'in', outcome[state]).where('state', '=', 'running').returning(['id', 'dag_id', 'run_id']).execute();
    for (const d of done) result.finished.push({ id: d.id, dagId: d.dag_id, runId: d.run_id, state });
  }
  if (timedOut.length > 0) {
    // dagrun_timeout passed: the run fails and its unfinished task instances are skipped (running ones stopped).
    const stopped = await trx.updateTable('task_instance').set({ state: 'skipped', end_date: now, updated_at: now })
      .where('dag_run_id', 'in', timedOut).where((eb) => eb.or([eb('state', 'is', null), eb('state', 'in', [...UNFINISHED])]))
      .returning(['id']).execute();
    result.cancel.push(...stopped.map((s) => s.id));
    const done = await trx.updateTable('dag_run').set({ state: 'failed', end_date: now, updated_at: now, note: sql`coalesce(note, 'dagrun_timeout exceeded')` })
      .where('id', 'in', timedOut).where('state', '=', 'running').returning(['id', 'dag_id', 'run_id']).execute();
    for (const d of done) result.finished.push({ id: d.id, dagId: d.dag_id, runId: d.run_id, state: 'failed' });
  }
  return result;
}

/**
 * Locks and stamps the runs no other scheduler holds, still running, and reads their task instances: one statement.
 * Each run's task instances come back as one text value (fields split by U+001F, rows by U+001E), not one row
 * each nor JSON: a pass over runs of hundreds of tasks would otherwise spend most of its time building and decoding
 * them (string_agg is about 3× cheaper for Postgres than json_agg; PGlite decodes the wire protocol in JavaScript).
 */
async function lockRunsWithTis(trx: Transaction<Database>, runIds: number[], now: Date) {
  const rows = await trx.with('r', (qb) => qb.updateTable('dag_run').set({ last_scheduling_decision: now })
    .where('id', 'in', (sub) => sub.selectFrom('dag_run').select('id').where('id', 'in', runIds).where('state', '=', 'running')
      // Runs of paused DAGs are left alone, as in Airflow, also when an event names them.
      .where('dag_id', 'not in', (p) => p.selectFrom('dag').select('dag_id').where('is_paused', '=', true))
      .orderBy('id').forNoKeyUpdate().skipLocked())
    .returning(['id', 'dag_id', 'run_id', 'logical_date', 'start_date']))
    .selectFrom('r')
    .select(['r.id', 'r.dag_id', 'r.run_id', 'r.logical_date', 'r.start_date'])
    .select(sql<string | null>`(select string_agg(ti.id::text || chr(31) || ti.task_id || chr(31) || ti.map_index::text || chr(31) || coalesce(ti.state, '') || chr(31)
      || coalesce((extract(epoch from ti.next_retry_at) * 1000)::bigint::text, ''), chr(30)) from task_instance ti where ti.dag_run_id = r.id)`.as('tis'))
    .execute();
  const runs = rows.map(({ tis: _, ...run }) => run);
  const tis: TiRow[] = [];
  for (const row of rows) {
    if (!row.tis) continue;
    for (const rec of row.tis.split('\x1e')) {
      const [id, taskId, mapIndex, state, retryAt] = rec.split('\x1f') as [string, string, string, string, string];
      tis.push({ id, dag_run_id: row.id, task_id: taskId, map_index: Number(mapIndex), state: (state || null) as TiStateOrNone, next_retry_at: retryAt ? new Date(Number(retryAt)) : null });
    }
  }
  return { runs, tis };
}

function loadTis(trx: Transaction<Database>, runIds: number[]): Promise<TiRow[]> {
  return trx.selectFrom('task_instance').select(['id', 'dag_run_id', 'task_id', 'map_index', 'state', 'next_retry_at']).where('dag_run_id', 'in', runIds).execute();
}

async function previousRunStates(trx: Transaction<Database>, dagId: string, logicalDate: Date): Promise<{ tis: Map<string, TiStateOrNone> } | null> {
  const prev = await trx.selectFrom('dag_run').select('id').where('dag_id', '=', dagId)
    .where('logical_date', '<', logicalDate).orderBy('logical_date', 'desc').limit(1).executeTakeFirst();
  if (!prev) return null;
  const prevTis = await trx.selectFrom('task_instance').select(['task_id', 'state']).where('dag_run_id', '=', prev.id).execute();
  return { tis: new Map(prevTis.map((t) => [t.task_id, t.state])) };
}

/** New tasks get a task instance; task instances of tasks that left the DAG and never ran become `removed`. */
async function syncTaskInstances(trx: Transaction<Database>, runs: { id: number; dag_id: string; run_id: string }[], dags: Map<string, CachedDag>, tis: TiRow[]): Promise<boolean> {
  const have = new Map<number, Set<string>>();
  for (const t of tis) (have.get(t.dag_run_id) ?? have.set(t.dag_run_id, new Set()).get(t.dag_run_id)!).add(t.task_id);
  const missing = runs.flatMap((run) => {
    const cached = dags.get(run.dag_id)!;
    const got = have.get(run.id) ?? new Set<string>();
    return cached.dag.tasks.filter((t) => !got.has(t.task_id)).map((t) => ({
      dag_run_id: run.id, dag_id: run.dag_id, run_id: run.run_id, task_id: t.task_id, state: null, max_tries: t.retries,
      operator: t.operator, pool: t.pool, pool_slots: t.pool_slots, queue: t.queue, priority_weight: cached.weights.get(t.task_id) ?? t.priority_weight,
    }));
  });
  const dagOfRun = new Map(runs.map((r) => [r.id, r.dag_id]));
  const vanished = tis.filter((t) => t.state === null && !dags.get(dagOfRun.get(t.dag_run_id)!)!.tasks.has(t.task_id)).map((t) => t.id);
  if (missing.length > 0) {
    await trx.insertInto('task_instance').values(missing).onConflict((oc) => oc.columns(['dag_id', 'task_id', 'run_id', 'map_index']).doNothing()).execute();
  }
  if (vanished.length > 0) {
    await trx.updateTable('task_instance').set({ state: 'removed' }).where('id', 'in', vanished).where('state', 'is', null).execute();
  }
  return missing.length > 0 || vanished.length > 0;
}

export async function runningRuns(db: Kysely<Database>, limit: number): Promise<{ id: number; dagId: string }[]> {
  // Runs of paused DAGs are not examined (their running tasks finish; nothing new starts), as in Airflow.
  const rows = await db.selectFrom('dag_run').innerJoin('dag', 'dag.dag_id', 'dag_run.dag_id').select(['dag_run.id', 'dag_run.dag_id'])
    .where('dag_run.state', '=', 'running').where('dag.is_paused', '=', false)
    .orderBy('dag_run.last_scheduling_decision', (ob) => ob.asc().nullsFirst()).limit(limit).execute();
  return rows.map((r) => ({ id: r.id, dagId: r.dag_id }));
}

/** The run's `skipmixin_key` XComs (what each branch followed / short circuit skipped), by task id. */
async function skipMixinXComs(trx: Transaction<Database>, dagRunId: number): Promise<Map<string, SkipMixinRecord>> {
  const rows = await trx.selectFrom('xcom').select(['task_id', 'value']).where('dag_run_id', '=', dagRunId).where('key', '=', 'skipmixin_key').execute();
  return new Map(rows.filter((r) => r.value !== null && typeof r.value === 'object').map((r) => [r.task_id, r.value as SkipMixinRecord]));
}
