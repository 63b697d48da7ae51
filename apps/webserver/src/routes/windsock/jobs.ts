/**
 * Jobs without a DAG, `/api/windsock/v1/jobs` (also under each sandbox, `/sandboxes/<name>/api/windsock/v1/jobs`):
 * `POST /jobs` (a container: image tag and command), `POST /jobs/spark` (a Spark application), `GET /jobs`,
 * `GET /jobs/{job_id}`, `POST /jobs/{job_id}/cancel`. A job is a manual run of a built-in DAG (dag-model's jobs.ts)
 * whose conf carries the job's spec, so its logs, tries and UI views are a run's: `dag_id`, `dag_run_id` and
 * `task_id` name them for /api/v2. Submitting takes `create:job`; users see and cancel their own jobs only
 * (another's answers 404), admins (`admin:job`) everyone's.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { JOB_CONF_ARGS, type JobKind } from '@windsock/dag-model';
import { ApiError } from '../../errors.ts';
import { page } from '../../http/paging.ts';
import { audit } from '../../audit.ts';
import { markRun } from '../run-actions.ts';
import { registerJobDag } from '../../jobs/register-job-dag.ts';
import { insertJobRun } from '../../jobs/insert-job-run.ts';
import { getJob, listJobs, type JobView } from '../../jobs/queries.ts';
import { ContainerJobBody, containerArgs, SparkJobBody, sparkArgs, type ContainerJob, type SparkJob } from '../../jobs/spec.ts';
import type { ApiContext, Principal } from '../../types.ts';

const IdParams = Type.Object({ job_id: Type.String({ maxLength: 250 }) });
const ListQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 0 })), offset: Type.Optional(Type.Integer({ minimum: 0 })),
  owner: Type.Optional(Type.String({ maxLength: 256 })),
  state: Type.Optional(Type.Union([Type.Literal('queued'), Type.Literal('running'), Type.Literal('success'), Type.Literal('failed')])),
});

const isAdmin = (p: Principal | null) => !!p?.permissions.has('admin:job');
const DONE = new Set(['success', 'failed']);

/** `job_20261207T231500_3fa9c1`: sortable by time, unique without a round trip. */
function newJobId(kind: JobKind, now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, '');
  return `${kind === 'spark' ? 'spark' : 'job'}_${stamp}_${randomBytes(3).toString('hex')}`;
}

export const jobRoutes = (ctx: ApiContext): FastifyPluginAsync => async (app) => {
  const { db, events, config } = ctx;
  const limits = { max: config.api.maximum_page_limit, fallback: config.api.fallback_page_limit };

  /** The job, when the caller may see it (404 otherwise, whether or not it exists). */
  const visible = async (req: FastifyRequest, jobId: string): Promise<JobView> => {
    const job = await getJob(db, jobId, isAdmin(req.principal) ? null : req.principal!.username);
    if (!job) throw new ApiError('NOT_FOUND', 'Job not found', `No job ${jobId}`);
    return job;
  };

  const submit = async (req: FastifyRequest, kind: JobKind, body: ContainerJob | SparkJob, args: Record<string, unknown>): Promise<JobView> => {
    const now = new Date();
    const { dagId, hash, dag } = await registerJobDag(db, kind, now);
    const owner = req.principal!.username;
    const { kind: _kind, ...spec } = body;
    const conf = { owner, ...(body.name ? { name: body.name } : {}), spec, [JOB_CONF_ARGS]: args };
    const run = await insertJobRun(db, { dagId, dagHash: hash, timetable: dag, logicalDate: now, runId: newJobId(kind, now), conf, triggeredBy: 'rest_api' }, dag.tasks[0]!, body.retries ?? 0, now);
    if (!run) throw new ApiError('ALREADY_EXISTS', 'Conflict', 'A job with this id already exists; submit again');
    events.emit('dagrun:created', { dagId, runId: run.run_id, dagRunId: run.id });
    await audit(db, req, { event: kind === 'spark' ? 'job.spark_submit' : 'job.submit', dagId, runId: run.run_id, logicalDate: run.logical_date, extra: { spec } });
    return (await getJob(db, run.run_id, null))!;
  };

  app.post('/jobs', { config: { perm: 'create:job' }, schema: { body: ContainerJobBody } }, async (req, reply) => {
    const b = req.body as ContainerJob;
    return reply.code(201).send(await submit(req, 'container', b, containerArgs(b)));
  });

  app.post('/jobs/spark', { config: { perm: 'create:job' }, schema: { body: SparkJobBody } }, async (req, reply) => {
    const b = req.body as SparkJob;
    return reply.code(201).send(await submit(req, 'spark', b, sparkArgs(b)));
  });

  app.get('/jobs', { config: { perm: 'read:job' }, schema: { querystring: ListQuery } }, async (req) => {
    const q = req.query as Static<typeof ListQuery>;
    const owner = isAdmin(req.principal) ? (q.owner ?? null) : req.principal!.username;
    const { jobs, total } = await listJobs(db, { owner, state: q.state ?? null, ...page(q, limits) });
    return { jobs, total_entries: total };
  });

  app.get('/jobs/:job_id', { config: { perm: 'read:job' }, schema: { params: IdParams } }, async (req) =>
    visible(req, (req.params as Static<typeof IdParams>).job_id));

  app.post('/jobs/:job_id/cancel', { config: { perm: 'delete:job' }, schema: { params: IdParams } }, async (req, reply) => {
    const job = await visible(req, (req.params as Static<typeof IdParams>).job_id);
    if (DONE.has(job.state)) throw new ApiError('CONFLICT', 'Conflict', `Job ${job.job_id} already ended (${job.state})`);
    const run = await db.selectFrom('dag_run').select(['id', 'dag_id', 'run_id', 'logical_date']).where('dag_id', '=', job.dag_id).where('run_id', '=', job.dag_run_id).executeTakeFirstOrThrow();
    // The run and its task instance are marked failed; the worker holding the try deletes its pod / application.
    await markRun(ctx, req, run, 'failed');
    await audit(db, req, { event: 'job.cancel', dagId: job.dag_id, runId: job.dag_run_id });
    return reply.code(202).send(await getJob(db, job.job_id, null));
  });
};
