/**
 * The scheduling loop. Each pass: create due scheduled runs, start queued runs, evaluate running runs, then
 * queue what is ready. It is woken at once by events (a task finished, a run was triggered, DAGs changed) and
 * otherwise ticks, so timetables and retry times are honoured. Several schedulers may run on one database:
 * every step is guarded in SQL (see sql/).
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '@windsock/metastore';
import type { EventBus, TaskJob, TaskQueue } from '@windsock/queue';
import { DagCache } from '@windsock/metastore';
import { createScheduledRun, dagsDueForRuns } from './sql/create-scheduled-run.ts';
import { dagsWithQueuedRuns, startQueuedRunsOf } from './sql/start-queued-runs.ts';
import { evaluateRunsIn, runningRuns, type RunsPassResult } from './sql/evaluate-runs.ts';
import { queueScheduledIn, type QueuePassResult } from './sql/queue-scheduled-tis.ts';
import { handleZombies } from './sql/handle-zombies.ts';
import { staleQueuedJobs } from './sql/stale-queued-jobs.ts';
import { failStuckQueued } from './sql/fail-stuck-queued.ts';
import { silentLogger, type Logger } from '@windsock/config';
import { NO_METRICS, type Metrics } from '@windsock/metrics';
import { SchedulerMetrics } from './metrics.ts';

export interface SchedulerOptions {
  /** Most task instances queued or running at once ([core] parallelism). */
  parallelism: number;
  /** Longest wait between passes when nothing wakes the loop. */
  tickMs: number;
  /** Most runs evaluated in one full pass. */
  maxRunsPerPass: number;
  /** [core] max_map_length: most task instances one mapped task may expand into. */
  maxMapLength: number;
  /** Most task instances queued in one pass. */
  maxTisPerPass: number;
  /** A running try whose worker has not heart-beaten for this long is a zombie ([scheduler] task_instance_heartbeat_timeout). */
  heartbeatTimeoutMs: number;
  /** How often zombies are looked for and queued tries re-enqueued. */
  maintenanceMs: number;
  /**
   * Refresh the planner's statistics this often (0: never). Embedded PGlite has no autovacuum, and without
   * statistics its plans for the hot queries are several times slower; a real Postgres does this itself.
   */
  analyzeMs: number;
  /** A try queued for this long without a worker starting it is failed or retried ([scheduler] task_queued_timeout). */
  queuedTimeoutMs: number;
  /**
   * Maintenance puts back on the queue every try queued for at least this long (0: every queued try). Jobs can be
   * lost (Redis flushed, a crash between commit and enqueue); re-enqueueing an existing job is a no-op.
   */
  requeueAfterMs: number;
  /** Executors whose running tries outlive their worker (pods): such zombies are handed over for adoption. */
  adoptableExecutors: readonly string[];
  /**
   * Pacing under load: after a pass that took d ms, the next pass that events ask for starts no sooner than
   * d × this factor later (0: at once). While the scheduler is idle an event still starts a pass at once; while
   * tasks end faster than passes run, the gap lets their events gather so that one pass serves many runs, which
   * leaves the database to the workers the rest of the time. See bench/README.md (S2).
   */
  passGapFactor: number;
}

export const defaultSchedulerOptions: SchedulerOptions = { parallelism: 32, tickMs: 1000, maxRunsPerPass: 200, maxMapLength: 1024, maxTisPerPass: 256, heartbeatTimeoutMs: 300_000, maintenanceMs: 10_000,
  queuedTimeoutMs: 600_000, requeueAfterMs: 0, adoptableExecutors: ['kubernetes'], analyzeMs: 0, passGapFactor: 0 };

export interface PassSummary { runsCreated: number; runsStarted: number; scheduled: number; queued: number; runsFinished: number }

export class Scheduler {
  readonly dags: DagCache;
  private readonly db: Kysely<Database>;
  private readonly queue: TaskQueue;
  private readonly events: EventBus;
  private readonly opts: SchedulerOptions;
  private readonly log: Logger;
  /** Runs an event named, by dag_run id → dag_id. */
  private readonly dirtyRuns = new Map<number, string>();
  private fullPassWanted = true;
  private running = false;
  private loopDone: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private stopPacing: (() => void) | null = null;
  private readonly unsubscribe: Array<() => void> = [];
  private readonly warnedPools = new Set<string>();
  private lastMaintenance = 0;
  private lastAnalyze = 0;
  /** A run was created or one finished: queued runs may be startable. */
  private queuedRunsWaiting = true;
  /** A run finished: a DAG held back by max_active_runs may now get its next scheduled run. */
  private creationWanted = false;
  private lastPass = 0;
  private lastPassError: string | null = null;
  private readonly metrics: SchedulerMetrics;

  /** `dags`: a cache to share with a worker in the same process (standalone), so each DAG is loaded once. */
  constructor(deps: { db: Kysely<Database>; queue: TaskQueue; events: EventBus; options?: Partial<SchedulerOptions>; logger?: Logger; dags?: DagCache; metrics?: Metrics }) {
    this.db = deps.db;
    this.queue = deps.queue;
    this.events = deps.events;
    this.opts = { ...defaultSchedulerOptions, ...deps.options };
    this.log = deps.logger ?? silentLogger;
    this.dags = deps.dags ?? new DagCache(this.db);
    this.metrics = new SchedulerMetrics(this.db, deps.metrics ?? NO_METRICS, this.log);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.unsubscribe.push(
      this.events.on('ti:finished', (e) => { if (!e.settled) this.wake({ dagRunId: e.dagRunId, dagId: e.dagId }); }),
      this.events.on('dagrun:created', (e) => { this.queuedRunsWaiting = true; this.wake({ dagRunId: e.dagRunId, dagId: e.dagId }); }),
      this.events.on('dags:changed', (e) => { for (const d of e.dagIds) this.dags.invalidate(d); this.wake(); }),
    );
    this.loopDone = this.loop();
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const u of this.unsubscribe.splice(0)) u();
    this.wakeUp?.();
    this.stopPacing?.();
    await this.loopDone;
  }

  /** For health checks: when the loop last finished a pass, and the error of the last pass if it failed. */
  get health(): { running: boolean; lastPassAt: number; lastError: string | null } {
    return { running: this.running, lastPassAt: this.lastPass, lastError: this.lastPassError };
  }

  /** Asks for a pass now: of one run when it is named, otherwise a full pass. */
  wake(run?: { dagRunId: number; dagId: string }): void {
    if (run === undefined) this.fullPassWanted = true;
    else this.dirtyRuns.set(run.dagRunId, run.dagId);
    this.wakeUp?.();
  }

  private async loop(): Promise<void> {
    let lastFull = 0;
    while (this.running) {
      const full = this.fullPassWanted || Date.now() - lastFull >= this.opts.tickMs;
      this.fullPassWanted = false;
      let busy: boolean;
      let passMs: number;
      try {
        const started = performance.now();
        const s = await this.runOnce({ full });
        passMs = performance.now() - started;
        this.lastPass = Date.now();
        this.lastPassError = null;
        this.metrics.passDone(s.queued);
        if (full) lastFull = Date.now();
        // Work a pass creates (started runs, finished runs) marks itself dirty; loop at once only when the
        // queue step stopped at its per-pass cap, else wait for the next event or tick.
        busy = s.queued >= this.opts.maxTisPerPass || this.creationWanted || this.queuedRunsWaiting;
      } catch (err) {
        // Postgres away, a deadlock, a bug: log it and try again on the next tick; nothing is lost because
        // every step re-reads the truth from the database.
        this.lastPassError = (err as Error).message;
        this.log.error({ err }, 'scheduler pass failed; retrying');
        await this.sleep(Math.min(this.opts.tickMs, 1000));
        continue;
      }
      if (!this.running) break;
      if (busy || this.dirtyRuns.size > 0 || this.fullPassWanted) {
        await this.pace(passMs * this.opts.passGapFactor);
        continue;
      }
      await this.sleep(Math.max(0, this.opts.tickMs - (Date.now() - lastFull)));
    }
  }

  /** A pause that events do not cut short (stop does): events arriving meanwhile are served by the next pass. */
  private pace(ms: number): Promise<void> {
    if (ms < 1 || !this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => { clearTimeout(t); this.stopPacing = null; resolve(); };
      const t = setTimeout(done, ms);
      this.stopPacing = done;
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done(): void { clearTimeout(t); resolve(); }
      this.wakeUp = () => { this.wakeUp = null; done(); };
    });
  }

  /** One pass. A full pass looks at every DAG and running run; otherwise only at the runs events named. */
  async runOnce(opts: { full?: boolean; now?: Date } = {}): Promise<PassSummary> {
    const full = opts.full ?? true;
    const now = () => opts.now ?? new Date();
    const summary: PassSummary = { runsCreated: 0, runsStarted: 0, scheduled: 0, queued: 0, runsFinished: 0 };
    const loadDags = (dagIds: string[], via: Kysely<Database>) => this.dags.getMany(dagIds, via);

    if (full && this.opts.analyzeMs > 0 && Date.now() - this.lastAnalyze >= this.opts.analyzeMs) {
      this.lastAnalyze = Date.now();
      await sql`analyze dag_run, task_instance, slot_pool, serialized_dag, dag`.execute(this.db);
    }
    if (full && Date.now() - this.lastMaintenance >= this.opts.maintenanceMs) {
      this.lastMaintenance = Date.now();
      await this.maintenance(now());
    }
    if (full || this.creationWanted) {
      this.creationWanted = false;
      for (const dagId of await dagsDueForRuns(this.db, now(), 100)) {
        const cached = await this.dags.get(dagId);
        if (!cached) continue;
        const created = await createScheduledRun(this.db, cached.dag, cached.hash, now());
        if (created) {
          summary.runsCreated++;
          this.events.emit('dagrun:created', { dagId, runId: created.runId, dagRunId: created.id });
        }
      }
    }
    const startRuns = full || this.queuedRunsWaiting;
    this.queuedRunsWaiting = false;
    if (startRuns) {
      const waiting = await this.dags.getMany(await dagsWithQueuedRuns(this.db));
      for (let i = 0, ids = [...waiting.keys()]; i < ids.length; i += 500) {
        const started = await startQueuedRunsOf(this.db, new Map(ids.slice(i, i + 500).map((d) => [d, waiting.get(d)!])), now());
        for (const s of started) this.dirtyRuns.set(s.id, s.dagId);
        summary.runsStarted += started.length;
        this.metrics.runsStarted(started.map((s) => s.id));
      }
    }

    const runs = new Map<number, string>(full ? (await runningRuns(this.db, this.opts.maxRunsPerPass)).map((r) => [r.id, r.dagId]) : []);
    for (const [id, dagId] of this.dirtyRuns) runs.set(id, dagId);
    this.dirtyRuns.clear();
    const dags = await this.dags.getMany(runs.values());
    const ids = [...runs.keys()];
    const limits = { parallelism: this.opts.parallelism, maxPerPass: this.opts.maxTisPerPass };
    const onEvaluated = (r: RunsPassResult): void => {
      summary.scheduled += r.scheduled;
      for (const e of r.expanded) {
        this.log.info({ dag_id: e.dagId, run_id: e.runId, task_id: e.taskId, count: e.count, reason: e.reason }, 'mapped task expanded');
        // Skipped or failed instead: its downstream tasks are decided in the next pass.
        if (e.count === 0) this.dirtyRuns.set(e.dagRunId, e.dagId);
      }
      for (const tiId of r.cancel) this.events.emit('ti:cancel', { tiId, reason: 'dagrun_timeout exceeded' });
      for (const f of r.finished) {
        summary.runsFinished++;
        this.log.info({ dag_id: f.dagId, run_id: f.runId, state: f.state }, 'DAG run finished');
        this.events.emit('dagrun:finished', { dagId: f.dagId, runId: f.runId, dagRunId: f.id, state: f.state });
        // A slot under max_active_runs may have opened: start queued runs, create due ones.
        this.queuedRunsWaiting = true;
        this.creationWanted = true;
      }
    };
    // The runs are evaluated in batches; the last batch and the queue step share one transaction (fewer round
    // trips: what the evaluation scheduled is queued before its run locks are let go).
    let q: QueuePassResult = { queued: [], starvedPools: [] };
    for (let i = 0; i < Math.max(1, ids.length); i += this.opts.maxRunsPerPass) {
      const batch = ids.slice(i, i + this.opts.maxRunsPerPass);
      const last = i + this.opts.maxRunsPerPass >= ids.length;
      const r = await this.db.transaction().execute(async (trx) => {
        const evaluated = await evaluateRunsIn(trx, batch, dags, now(), this.opts.maxMapLength);
        if (last) q = await queueScheduledIn(trx, limits, loadDags, now());
        return evaluated;
      });
      onEvaluated(r);
      this.metrics.runsFinished(r.finished.map((f) => f.id));
    }
    for (const pool of q.starvedPools) {
      if (this.warnedPools.has(pool)) continue;
      const exists = await this.db.selectFrom('slot_pool').select('id').where('pool', '=', pool).executeTakeFirst();
      if (!exists) { this.warnedPools.add(pool); this.log.warn({ pool }, `tasks wait for pool "${pool}", which does not exist: create it`); }
    }
    if (q.queued.length > 0) {
      await this.queue.enqueue(q.queued);
      for (const j of q.queued) this.events.emit('ti:queued', { tiId: j.tiId, dagId: j.dagId, runId: j.runId, taskId: j.taskId, tryNumber: j.tryNumber });
    }
    summary.queued = q.queued.length;
    return summary;
  }

  /**
   * Reconciliation: hands zombie tries over for adoption or fails / retries them, fails or retries tries stuck in
   * queued past task_queued_timeout, and puts queued tries back on the queue (a no-op for jobs already there):
   * after a restart or a lost Redis, the metastore says what should be queued.
   */
  async maintenance(now: Date = new Date(), opts: { heartbeatCutoff?: Date } = {}): Promise<void> {
    const zombies = await handleZombies(this.db, this.dags, opts.heartbeatCutoff ?? new Date(now.getTime() - this.opts.heartbeatTimeoutMs), now,
      { adoptableExecutors: new Set(this.opts.adoptableExecutors) });
    const handedOver: TaskJob[] = [];
    for (const z of zombies) {
      const where = { dag_id: z.dagId, task_id: z.taskId, run_id: z.runId, try_number: z.tryNumber };
      if (z.state === 'queued') {
        this.log.warn({ ...where, external_executor_id: z.externalId }, 'zombie task handed over for adoption');
        handedOver.push(z.job);
        continue;
      }
      this.log.warn({ ...where, state: z.state }, 'zombie task handled');
      this.events.emit('ti:finished', { tiId: z.tiId, dagId: z.dagId, runId: z.runId, dagRunId: z.dagRunId, taskId: z.taskId, tryNumber: z.tryNumber, state: z.state });
    }
    const stuck = await failStuckQueued(this.db, this.dags, new Date(now.getTime() - this.opts.queuedTimeoutMs), this.opts.queuedTimeoutMs / 1000, now);
    for (const t of stuck) {
      this.log.warn({ dag_id: t.dagId, task_id: t.taskId, run_id: t.runId, try_number: t.tryNumber, state: t.state }, 'task stuck in queued past task_queued_timeout');
      this.events.emit('ti:finished', { tiId: t.tiId, dagId: t.dagId, runId: t.runId, dagRunId: t.dagRunId, taskId: t.taskId, tryNumber: t.tryNumber, state: t.state });
    }
    if (handedOver.length > 0) await this.queue.enqueue(handedOver);
    const jobs = await staleQueuedJobs(this.db, new Date(now.getTime() - this.opts.requeueAfterMs + (this.opts.requeueAfterMs === 0 ? 1 : 0)));
    if (jobs.length > 0) await this.queue.enqueue(jobs);
  }
}
