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

export interface QueuePassResult {
  queued: TaskJob[];
  starvedPools: string[];
  /** How many of the task instances passed in `schedule` were moved to `scheduled`. */
  scheduled: number;
}

type Candidate = { id: string; dag_id: string; task_id: string; run_id: string; dag_run_id: number; map_index: number; try_number: number; pool: string; pool_slots: number; queue: string; priority_weight: number };

/**
 * Runs inside the caller's transaction. `schedule`: task instances the evaluation found ready, moved to `scheduled`
 * here (state-guarded, as the evaluation would) in the same statement that locks the pools and reads occupancy and
 * candidates: one round trip for all of it.
 */
export async function queueScheduledIn(trx: Transaction<Database>, limits: QueueLimits, loadDags: (dagIds: string[], via: Kysely<Database>) => Promise<Map<string, CachedDag>>, now: Date,
  schedule: string[] = []): Promise<QueuePassResult> {
  // The pool rows are locked first, in one order by every scheduler (so two can never deadlock here), in a statement
  // of their own: the reads below must take their snapshot after the lock is granted, or a scheduler that waited
  // for it would count the slots another one filled meanwhile as free.
  const pools = await trx.selectFrom('slot_pool').select(['pool', 'slots', 'include_deferred']).orderBy('pool').forUpdate().execute();
  // Then one statement: the evaluation's task instances moved to scheduled; occupancy per pool and per DAG from
  // grouping sets, not one row per active task instance; candidates read only as far as there is room under
  // parallelism (none while it is used up: a hot path); each part as one JSON value.
  const row = (await sql<{ active: { pool: string; dag_id: string; state: string; slots: number; n: number; by_dag: number }[] | null; candidates: Candidate[] | null; scheduled: number }>`
    with s as (
      update task_instance set state = 'scheduled', scheduled_dttm = ${now}, next_retry_at = null, try_number = try_number + 1, updated_at = ${now},
        external_executor_id = null, worker_id = null, pid = null
      where id = any(${schedule}::uuid[]) and (state is null or state = 'up_for_retry')
      returning id, dag_id, task_id, run_id, dag_run_id, map_index, try_number, pool, pool_slots, queue, priority_weight
    ), active as (
      select pool, dag_id, state, sum(pool_slots)::int as slots, count(*)::int as n, grouping(pool) as by_dag
      from task_instance where state in ('queued', 'running', 'deferred')
      group by grouping sets ((pool, state), (dag_id, state))
    ), c as (
      select x.*, dr.logical_date from (
        select id, dag_id, task_id, run_id, dag_run_id, map_index, try_number, pool, pool_slots, queue, priority_weight
        from task_instance where state = 'scheduled'
        union all select * from s
      ) x join dag_run dr on dr.id = x.dag_run_id
      where dr.state = 'running'
      order by x.priority_weight desc, dr.logical_date, x.map_index, x.id
      limit (select greatest(0, least(${limits.maxPerPass}::int, ${limits.parallelism}::int - count(*)::int)) * 4
             from task_instance where state in ('queued', 'running'))
    )
    select (select json_agg(active) from active) as active,
      (select json_agg(json_build_object('id', id, 'dag_id', dag_id, 'task_id', task_id, 'run_id', run_id, 'dag_run_id', dag_run_id,
        'map_index', map_index, 'try_number', try_number, 'pool', pool, 'pool_slots', pool_slots, 'queue', queue, 'priority_weight', priority_weight)
        order by priority_weight desc, logical_date, map_index, id) from c) as candidates,
      (select count(*)::int from s) as scheduled`.execute(trx)).rows[0]!;
  const active = row.active ?? [];
  const scheduled = row.scheduled;

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

  const room = Math.min(limits.maxPerPass, limits.parallelism - total);
  const candidates = row.candidates ?? [];
  if (room <= 0 || candidates.length === 0) return { queued: [], starvedPools: [], scheduled };

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
  if (chosen.length === 0) return { queued: [], starvedPools: [...starved], scheduled };
  const updated = await trx.updateTable('task_instance').set({ state: 'queued', queued_dttm: now, updated_at: now })
    .where('id', 'in', chosen.map((c) => c.id)).where('state', '=', 'scheduled').returning('id').execute();
  const ok = new Set(updated.map((u) => u.id));
  const queued = chosen.filter((c) => ok.has(c.id)).map((c): TaskJob => ({
    tiId: c.id, dagId: c.dag_id, taskId: c.task_id, runId: c.run_id, mapIndex: c.map_index,
    tryNumber: c.try_number, queue: c.queue, priority: c.priority_weight,
  }));
  return { queued, starvedPools: [...starved], scheduled };
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
