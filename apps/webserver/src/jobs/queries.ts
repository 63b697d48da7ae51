/**
 * Reading jobs: a job is a run of a built-in jobs DAG (dag-model's jobs.ts) with its one task instance. Reads only;
 * the job's `reason` (why it failed) is the last "Task failed" line its worker wrote in the last try's log.
 */
import { sql } from 'kysely';
import { JOB_DAG_IDS, JOB_TASK_ID, jobKindOfDag, type DagRunState } from '@windsock/dag-model';
import type { WebDb } from '../types.ts';

export interface JobView {
  job_id: string;
  kind: 'container' | 'spark';
  name: string | null;
  owner: string;
  state: string;
  task_state: string | null;
  try_number: number;
  submitted_at: string;
  start_date: string | null;
  end_date: string | null;
  reason: string | null;
  spec: Record<string, unknown>;
  dag_id: string;
  dag_run_id: string;
  task_id: string;
  ui_path: string;
}

const DAG_IDS = [JOB_DAG_IDS.container, JOB_DAG_IDS.spark];

function base(db: WebDb) {
  return db.selectFrom('dag_run as dr')
    .leftJoin('task_instance as ti', (j) => j.onRef('ti.dag_run_id', '=', 'dr.id').on('ti.task_id', '=', JOB_TASK_ID).on('ti.map_index', '=', -1))
    .select(['dr.id', 'dr.dag_id', 'dr.run_id', 'dr.state', 'dr.conf', 'dr.queued_at', 'dr.run_after', 'dr.start_date', 'dr.end_date',
      'ti.id as ti_id', 'ti.state as ti_state', 'ti.try_number'])
    .where('dr.dag_id', 'in', DAG_IDS);
}
type Row = Awaited<ReturnType<ReturnType<typeof base>['executeTakeFirstOrThrow']>>;

const iso = (d: Date | null | undefined) => (d ? new Date(d).toISOString() : null);

function view(r: Row, reason: string | null): JobView {
  const conf = (r.conf ?? {}) as Record<string, unknown>;
  return {
    job_id: r.run_id, kind: jobKindOfDag(r.dag_id) ?? 'container', name: typeof conf.name === 'string' ? conf.name : null,
    owner: String(conf.owner ?? ''), state: r.state, task_state: r.ti_state ?? null, try_number: r.try_number ?? 0,
    submitted_at: iso(r.queued_at ?? r.run_after)!, start_date: iso(r.start_date), end_date: iso(r.end_date), reason,
    spec: (conf.spec ?? {}) as Record<string, unknown>,
    dag_id: r.dag_id, dag_run_id: r.run_id, task_id: JOB_TASK_ID,
    ui_path: `/dags/${encodeURIComponent(r.dag_id)}/runs/${encodeURIComponent(r.run_id)}/tasks/${JOB_TASK_ID}`,
  };
}

/** The last "Task failed…" line of a try's log (the worker's own summary of why), else null. */
async function failureReason(db: WebDb, tiId: string | null, tryNumber: number | null): Promise<string | null> {
  if (!tiId || !tryNumber) return null;
  const chunks = await db.selectFrom('task_log').select('chunk').where('task_instance_id', '=', tiId).where('try_number', '=', tryNumber)
    .orderBy('id', 'desc').limit(5).execute();
  for (const c of chunks) {
    const lines = c.chunk.split('\n').filter((l) => /Task failed/.test(l));
    const last = lines.at(-1);
    if (last) return last.slice(last.indexOf('Task failed')).trim().slice(0, 2000);
  }
  return null;
}

export async function getJob(db: WebDb, jobId: string, owner: string | null): Promise<JobView | null> {
  const r = await base(db).where('dr.run_id', '=', jobId).$if(owner !== null, (q) => q.where(sql<string>`dr.conf->>'owner'`, '=', owner!)).executeTakeFirst();
  if (!r) return null;
  return view(r, r.state === 'failed' || r.ti_state === 'failed' || r.ti_state === 'up_for_retry' ? await failureReason(db, r.ti_id, r.try_number) : null);
}

export async function listJobs(db: WebDb, q: { owner: string | null; state: DagRunState | null; limit: number; offset: number }): Promise<{ jobs: JobView[]; total: number }> {
  let query = base(db).$if(q.owner !== null, (x) => x.where(sql<string>`dr.conf->>'owner'`, '=', q.owner!));
  if (q.state) query = query.where('dr.state', '=', q.state);
  const [rows, count] = await Promise.all([
    query.orderBy('dr.id', 'desc').limit(q.limit).offset(q.offset).execute(),
    db.selectFrom('dag_run as dr').select((e) => e.fn.countAll<string>().as('n')).where('dr.dag_id', 'in', DAG_IDS)
      .$if(q.owner !== null, (x) => x.where(sql<string>`dr.conf->>'owner'`, '=', q.owner!))
      .$if(!!q.state, (x) => x.where('dr.state', '=', q.state!)).executeTakeFirstOrThrow(),
  ]);
  const jobs = await Promise.all(rows.map(async (r) => view(r, r.state === 'failed' ? await failureReason(db, r.ti_id, r.try_number) : null)));
  return { jobs, total: Number(count.n) };
}
