/**
 * The critical section: moves `scheduled` task instances to `queued` within the limits — pool open slots
 * (running + queued [+ deferred] occupy slots), DAG max_active_tasks, task max_active_tis_per_dag /
 * per_dagrun and the global parallelism — highest priority first, then earliest run, then map index.
 * Guard: every pool row is locked `for update` for the transaction (as Airflow does), so two schedulers take
 * turns here and can never over-fill a pool or queue one task instance twice; each update is also guarded on
 * state = 'scheduled'. Returns the task instances queued, for the caller to put on the queue after commit.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { CachedDag, Database } from '@windsock/metastore';
import type { TaskJob } from '@windsock/queue';

export interface QueueLimits { parallelism: number; maxPerPass: number }

export interface QueuePassResult { queued: TaskJob[]; starvedPools: string[] }

/** Runs inside the caller's transaction (the scheduler's pass: evaluation, then this). */
export async function queueScheduledIn(trx: Transaction<Database>, limits: QueueLimits, loadDags: (dagIds: string[], via: Kysely<Database>) => Promise<Map<string, CachedDag>>, now: Date): Promise<QueuePassResult> {
  // The pool rows are locked first, in one order by every scheduler (so two can never deadlock here), in a statement
  // of their own: the reads below must take their snapshot after the lock is granted, or a scheduler that waited
  // for it would count the slots another one filled meanwhile as free.
  const pools = await trx.selectFrom('slot_pool').select(['pool', 'slots', 'include_deferred']).orderBy('pool').forUpdate().execute();
  // Occupancy per pool and per DAG in one small read (grouping sets), not one row per active task instance.
  const active = await trx.selectFrom('task_instance')
    .select(['pool', 'dag_id', 'state', sql<number>`sum(pool_slots)::int`.as('slots'), sql<number>`count(*)::int`.as('n'), sql<number>`grouping(pool)`.as('by_dag')])
    .where('state', 'in', ['queued', 'running', 'deferred'])
    .groupBy(sql`grouping sets ((pool, state), (dag_id, state))`).execute();

  const poolOpen = new Map<string, number>(pools.map((p) => [p.pool, p.slots]));
  const includeDeferred = new Map(pools.map((p) => [p.pool, p.include_deferred]));
  const dagActive = new Map<string, number>();
  let total = 0;
  for (const a of active) {
    if (a.by_dag) {
      if (a.state !== 'deferred') dagActive.set(a.dag_id, (dagActive.get(a.dag_id) ?? 0) + a.n);
      continue;
    }
    if (a.state !== 'deferred' || includeDeferred.get(a.pool)) poolOpen.set(a.pool, (poolOpen.get(a.pool) ?? 0) - a.slots);
    if (a.state !== 'deferred') total += a.n;
  }

  // Nothing can be queued while parallelism is used up: do not even read the candidates (a hot path).
  const room = Math.min(limits.maxPerPass, limits.parallelism - total);
  if (room <= 0) return { queued: [], starvedPools: [] };
  const candidates = await trx.selectFrom('task_instance as ti').innerJoin('dag_run as dr', 'dr.id', 'ti.dag_run_id')
    .select(['ti.id', 'ti.dag_id', 'ti.task_id', 'ti.run_id', 'ti.dag_run_id', 'ti.map_index', 'ti.try_number', 'ti.pool', 'ti.pool_slots', 'ti.queue', 'ti.priority_weight'])
    .where('ti.state', '=', 'scheduled').where('dr.state', '=', 'running')
    .orderBy('ti.priority_weight', 'desc').orderBy('dr.logical_date').orderBy('ti.map_index').orderBy('ti.id')
    .limit(room * 4).execute();
  if (candidates.length === 0) return { queued: [], starvedPools: [] };

  const dags: Map<string, CachedDag | null> = await loadDags([...new Set(candidates.map((c) => c.dag_id))], trx);
  const taskLimits = await perTaskCounts(trx, candidates, dags);

  const chosen: typeof candidates = [];
  const starved = new Set<string>();
  for (const c of candidates) {
    if (chosen.length >= room || total >= limits.parallelism) break;
    const open = poolOpen.get(c.pool);
    if (open === undefined) { starved.add(c.pool); continue; } // unknown pool: stays scheduled, as in Airflow
    if (open < c.pool_slots) { starved.add(c.pool); continue; }
    const cached = dags.get(c.dag_id);
    if (!cached) continue;
    if ((dagActive.get(c.dag_id) ?? 0) >= cached.dag.max_active_tasks) continue;
    const task = cached.tasks.get(c.task_id);
    const tk = `${c.dag_id}\0${c.task_id}`;
    const trk = `${c.dag_run_id}\0${c.task_id}`;
    if (task?.max_active_tis_per_dag != null && (taskLimits.perDag.get(tk) ?? 0) >= task.max_active_tis_per_dag) continue;
    if (task?.max_active_tis_per_dagrun != null && (taskLimits.perRun.get(trk) ?? 0) >= task.max_active_tis_per_dagrun) continue;
    chosen.push(c);
    total++;
    poolOpen.set(c.pool, open - c.pool_slots);
    dagActive.set(c.dag_id, (dagActive.get(c.dag_id) ?? 0) + 1);
    taskLimits.perDag.set(tk, (taskLimits.perDag.get(tk) ?? 0) + 1);
    taskLimits.perRun.set(trk, (taskLimits.perRun.get(trk) ?? 0) + 1);
  }
  if (chosen.length === 0) return { queued: [], starvedPools: [...starved] };
  const updated = await trx.updateTable('task_instance').set({ state: 'queued', queued_dttm: now, updated_at: now })
    .where('id', 'in', chosen.map((c) => c.id)).where('state', '=', 'scheduled').returning('id').execute();
  const ok = new Set(updated.map((u) => u.id));
  const queued = chosen.filter((c) => ok.has(c.id)).map((c): TaskJob => ({
    tiId: c.id, dagId: c.dag_id, taskId: c.task_id, runId: c.run_id, mapIndex: c.map_index,
    tryNumber: c.try_number, queue: c.queue, priority: c.priority_weight,
  }));
  return { queued, starvedPools: [...starved] };
}

/** Active task instances per (dag, task) and (run, task), read only for candidate tasks that have such limits. */
async function perTaskCounts(trx: Transaction<Database>, candidates: { dag_id: string; task_id: string }[], dags: Map<string, CachedDag | null>) {
  const perDag = new Map<string, number>();
  const perRun = new Map<string, number>();
  const limited = candidates.filter((c) => {
    const t = dags.get(c.dag_id)?.tasks.get(c.task_id);
    return t && (t.max_active_tis_per_dag != null || t.max_active_tis_per_dagrun != null);
  });
  if (limited.length === 0) return { perDag, perRun };
  const rows = await trx.selectFrom('task_instance').select(['dag_id', 'dag_run_id', 'task_id', sql<number>`count(*)::int`.as('n')])
    .where('state', 'in', ['queued', 'running']).where('task_id', 'in', [...new Set(limited.map((c) => c.task_id))])
    .where('dag_id', 'in', [...new Set(limited.map((c) => c.dag_id))])
    .groupBy(['dag_id', 'dag_run_id', 'task_id']).execute();
  for (const r of rows) {
    perDag.set(`${r.dag_id}\0${r.task_id}`, (perDag.get(`${r.dag_id}\0${r.task_id}`) ?? 0) + r.n);
    perRun.set(`${r.dag_run_id}\0${r.task_id}`, (perRun.get(`${r.dag_run_id}\0${r.task_id}`) ?? 0) + r.n);
  }
  return { perDag, perRun };
}
