/**
 * Distributed mode: the parts of `windsock scheduler` and `windsock worker`, each a separate process on Postgres
 * (the truth) and Redis (jobs and events; BullMQ's PostgreSQL backend may carry the jobs instead). Several
 * schedulers and many workers may run at once: every state change is a guarded SQL statement, a job is one try,
 * and reconciliation repairs what a crash or a lost Redis left behind. Each process serves `/health` for
 * Kubernetes probes.
 */
import { createServer, type Server } from 'node:http';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { migrateToLatest, openMetastore, type Metastore } from '@windsock/metastore';
import { openEventBus } from './event-bus.ts';
import { jobRows } from './job-rows.ts';
import { BullMqTaskQueue, redactRedisUrl, type EventBus } from '@windsock/queue';
import { compileSchedulerOptions, Scheduler } from '@windsock/scheduler';
import { compileWorkerOptions, shutdownGraceMs, Worker } from '@windsock/worker';
import type { Executor } from '@windsock/executors';
import { ConfigError, type Logger, type WindsockConfig } from '@windsock/config';
import { startDagProcessing } from './dag-processing.ts';
import { createExecutor } from './executor.ts';
import { windsockHome } from '../config.ts';
import { compileMetricsSettings, openMetrics, type Metrics } from '@windsock/metrics';

export interface DistributedProcess {
  /** The port /health listens on. */
  readonly healthPort: number;
  /** Component checks; `healthy` is false when any failed. */
  health(): Promise<HealthReport>;
  /** Clean shutdown: stop taking work, finish or hand over what is held, close connections. */
  stop(): Promise<void>;
  /** The scheduler's DAG processor: scan the DAG folder now (its checkout was swapped). */
  rescanDags?(): Promise<void>;
}

export interface HealthReport { healthy: boolean; [component: string]: unknown }

export interface Base { store: Metastore; queue: BullMqTaskQueue; events: EventBus; metrics: Metrics; close(): Promise<void> }

/** Postgres (migrated), the BullMQ queue and the event bus, from the configuration. */
/** `sandbox`: a sandbox scheduler's name, carried by its metrics' `sandbox` tag. */
export async function openBase(config: WindsockConfig, role: string, log: Logger, opts: { sandbox?: string } = {}): Promise<Base> {
  const metricsSettings = compileMetricsSettings(config);
  if (!config.database.url) throw new ConfigError(`windsock ${role} needs Postgres: set WINDSOCK__DATABASE__URL (the embedded database is for standalone only)`);
  const store = await openMetastore({ kind: 'postgres', url: config.database.url, poolSize: config.database.pool_size, schema: config.database.schema || undefined, applicationName: `windsock-${role}` });
  await migrateToLatest(store.db); // advisory-locked: safe from every process at once
  const backend = config.queue.backend as 'redis' | 'postgres';
  const queue = new BullMqTaskQueue({ backend, redisUrl: config.queue.redis_url, postgresUrl: config.database.url, prefix: config.queue.prefix, lockDurationMs: config.queue.job_lock_sec * 1000, logger: log });
  const events = openEventBus(config, log);
  const metrics = await openMetrics(metricsSettings, { logger: log, defaultTags: opts.sandbox ? { sandbox: opts.sandbox } : {} });
  log.info({ queue_backend: backend, redis: backend === 'redis' ? redactRedisUrl(config.queue.redis_url) : undefined, prefix: config.queue.prefix }, `windsock ${role} connected`);
  return {
    store, queue, events, metrics,
    async close() { await queue.close(); await events.close(); await store.close(); await metrics.close(); },
  };
}

/** Resolves `fn` or rejects after `ms`: a health check must answer even when a dependency hangs. */
function within<T>(ms: number, fn: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([fn(), new Promise<T>((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms); })])
    .finally(() => clearTimeout(timer));
}

async function check(fn: () => Promise<unknown>): Promise<{ status: 'healthy' | 'unhealthy'; error?: string }> {
  try { await within(2000, fn); return { status: 'healthy' }; } catch (err) { return { status: 'unhealthy', error: (err as Error).message }; }
}

async function dependencyChecks(base: Base) {
  const [metadatabase, queue] = await Promise.all([check(() => base.store.db.selectNoFrom((eb) => eb.lit(1).as('one')).execute()), check(() => base.queue.ping())]);
  return { metadatabase, queue };
}

/**
 * `/health`: 200 with the report when healthy, 503 otherwise. `/health/live`: 200 while the process answers.
 * `/metrics`: the process's Prometheus metrics (404 when [metrics] prometheus_on is off).
 */
function serveHealth(port: number, host: string, report: () => Promise<HealthReport>, log: Logger, metrics: Metrics): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics') {
      metrics.scrape().then((s) => {
        if (s) res.writeHead(200, { 'content-type': s.contentType }).end(s.body);
        else res.writeHead(404, { 'content-type': 'application/json' }).end('{"detail":"Prometheus metrics are off ([metrics] prometheus_on)"}');
      }, (err: unknown) => res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ detail: (err as Error).message })));
      return;
    }
    if (path === '/health/live') { res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"alive"}'); return; }
    if (path !== '/health') { res.writeHead(404, { 'content-type': 'application/json' }).end('{"detail":"not found"}'); return; }
    report().then((r) => res.writeHead(r.healthy ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(r)),
      (err: unknown) => res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ healthy: false, error: (err as Error).message })));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      log.info({ port: (server.address() as { port: number }).port }, 'health endpoint listening on /health (and /metrics)');
      resolve(server);
    });
  });
}

/** Interpreters boot from memory snapshots kept in $WINDSOCK_HOME/cache (built there on first use; a home that cannot be written only means cold boots). */
const snapshotDir = () => join(windsockHome(), 'cache');

const closeServer = (s: Server) => new Promise<void>((r) => { s.closeAllConnections(); s.close(() => r()); });

/** `windsock scheduler`: the DAG processor and the scheduling loop with reconciliation. */
/** `base`: connections shared with a worker in the same process (a sandbox's); the caller closes them. */
export async function startSchedulerProcess(opts: { config: WindsockConfig; dagsFolder: string; logger: Logger; healthHost?: string; base?: Base }): Promise<DistributedProcess> {
  const { config, logger: log } = opts;
  const base = opts.base ?? await openBase(config, 'scheduler', log);
  // Variable.get in DAG files reads a snapshot of the variables, refreshed every few seconds (as standalone does).
  const dagProcessing = await startDagProcessing({ config, db: base.store.db, events: base.events, dagsFolder: opts.dagsFolder, logger: log, snapshotDir: snapshotDir(), metrics: base.metrics });
  const scheduler = new Scheduler({ db: base.store.db, queue: base.queue, events: base.events, logger: log, metrics: base.metrics, options: compileSchedulerOptions(config, { metastore: 'postgres', queue: 'shared' }) });
  dagProcessing.start();
  scheduler.start();
  const stuckAfterMs = Math.max(60_000, 20 * config.scheduler.tick_ms);
  const report = async (): Promise<HealthReport> => {
    const deps = await dependencyChecks(base);
    const h = scheduler.health;
    const loop = { status: h.running && Date.now() - h.lastPassAt < stuckAfterMs ? 'healthy' : 'unhealthy', latest_scheduler_heartbeat: h.lastPassAt ? new Date(h.lastPassAt).toISOString() : null, last_error: h.lastError };
    return { healthy: deps.metadatabase.status === 'healthy' && deps.queue.status === 'healthy' && loop.status === 'healthy', ...deps, scheduler: loop };
  };
  const server = await serveHealth(config.scheduler.health_check_port, opts.healthHost ?? '0.0.0.0', report, log, base.metrics);
  const endJobRows = await jobRows(base.store.db, ['scheduler', 'dag_processor'], null, () => Date.now() - scheduler.health.lastPassAt < stuckAfterMs, log);
  return {
    healthPort: (server.address() as { port: number }).port,
    health: report,
    rescanDags: async () => { await dagProcessing.syncOnce(); },
    async stop() {
      await dagProcessing.stop();
      await scheduler.stop(); // finishes the pass in flight; every step is its own guarded commit
      await endJobRows();
      await closeServer(server);
      if (!opts.base) await base.close();
      log.info('scheduler stopped');
    },
  };
}

/** `windsock worker`: takes jobs from its named queues and runs them through the `[core] executor`. */
export async function startWorkerProcess(opts: { config: WindsockConfig; dagsFolder: string; logger: Logger; executor?: Executor; healthHost?: string; base?: Base }): Promise<DistributedProcess> {
  const { config, logger: log } = opts;
  const base = opts.base ?? await openBase(config, 'worker', log);
  const executor = opts.executor ?? await createExecutor(config, opts.dagsFolder, base.metrics);
  const worker = new Worker({ db: base.store.db, queue: base.queue, events: base.events, executor, logger: log, metrics: base.metrics, fernetKey: config.core.fernet_key || null,
    options: { ...compileWorkerOptions(config, { workerId: `${hostname()}-${process.pid}` }), templateSnapshotDir: snapshotDir() } });
  worker.start();
  let draining = false;
  const report = async (): Promise<HealthReport> => {
    const deps = await dependencyChecks(base);
    return {
      healthy: !draining && deps.metadatabase.status === 'healthy' && deps.queue.status === 'healthy', ...deps,
      worker: { worker_id: worker.workerId, status: draining ? 'draining' : 'running', active_tries: worker.activeTries, concurrency: config.worker.concurrency, queues: config.worker.queues },
    };
  };
  const server = await serveHealth(config.worker.health_check_port, opts.healthHost ?? '0.0.0.0', report, log, base.metrics);
  const endJobRows = await jobRows(base.store.db, ['worker'], worker.workerId, () => !draining, log);
  log.info({ worker_id: worker.workerId, queues: config.worker.queues, concurrency: config.worker.concurrency, executor: executor.name }, 'worker started');
  return {
    healthPort: (server.address() as { port: number }).port,
    health: report,
    async stop() {
      draining = true;
      log.info({ active_tries: worker.activeTries, grace_sec: config.worker.shutdown_grace_sec }, 'worker stopping: no new work; finishing what it holds');
      await worker.stop({ drain: true, graceMs: shutdownGraceMs(config) });
      await executor.close(); // pods handed over run on: the kubernetes executor only stops watching them
      await endJobRows();
      await closeServer(server);
      if (!opts.base) await base.close();
      log.info('worker stopped');
    },
  };
}
