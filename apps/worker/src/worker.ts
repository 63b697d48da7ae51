/**
 * The worker: takes jobs from the queue, claims each try with the guarded `queued → running` update, renders
 * its templates, runs it through the executor while streaming its log into the metastore, and records how it
 * ended. Heartbeats prove it alive; a heartbeat that finds one of its tries no longer `running` (a user marked
 * or cleared it) stops that try, so cancellation holds even when the `ti:cancel` event is lost.
 * Adoption: a claimed try that still carries an external_executor_id was handed over by a worker that died or shut
 * down while its pod ran on; it is adopted through `executor.adopt`, and when that finds nothing (or the executor
 * cannot adopt) it ends as a zombie does: failed, or up for retry, with a log line saying why.
 */
import { hostname } from 'node:os';
import type { Kysely } from 'kysely';
import { DagCache, type CachedDag, type Database } from '@windsock/metastore';
import type { Consumer, EventBus, TaskJob, TaskQueue } from '@windsock/queue';
import type { ExecutionHandle, Executor } from '@windsock/executors';
// The subpath, not the package's index: that would load the Kubernetes client into every worker.
import { FAIL_LINE, RESCHEDULE_LINE_PREFIX, SKIP_LINE } from '@windsock/executors/python-spec';
import { addConnectionSecrets, addVariableSecret, argsForMapIndex, BRANCH_OPERATORS, decideBranch, DECIDING_OPERATORS, SHORT_CIRCUIT_OPERATORS, failedTryOutcome, followOnCandidates, SecretsMasker, sensorSettings, skipExitCodes, skipsAfterSuccess, ts as pyIso } from '@windsock/dag-model';
import { silentLogger, type Logger } from '@windsock/config';
import { ClaimBatcher, type Claimed } from './sql/claim-try.ts';
import { FinishBatcher, type FinishTry } from './sql/finish-try.ts';
import { heartbeatTries } from './sql/heartbeat-tries.ts';
import { readConnection } from './sql/read-connection.ts';
import { readReschedules } from './sql/read-reschedules.ts';
import { runExternalTaskSensor } from './external-task-sensor.ts';
import { handOverTry } from './sql/hand-over-try.ts';
import { storedLogLines } from './sql/stored-log.ts';
import { TryLogWriter } from './log-writer.ts';
import { buildContext, resolveXComArgs, type ContextDeps } from './context.ts';
import { acquireTemplateRenderer, type TemplateRenderer } from './templates.ts';
import { templateDataFetcher } from './template-data.ts';
import { WorkerMetrics } from './metrics.ts';
import { NO_METRICS, type Metrics } from '@windsock/metrics';

export interface WorkerOptions {
  workerId: string;
  queues: string[];
  concurrency: number;
  heartbeatMs: number;
  logFlushMs: number;
  /**
   * When a try ends, start a downstream task instance that is ready now in the slot it frees, at once, without
   * waiting for a scheduling pass ([scheduler] schedule_after_task_execution; see sql/follow-on.ts).
   */
  followOn: boolean;
  /**
   * Follow-ons give way while a task instance in this worker's queues has been queued for this long: the workers
   * are saturated, and each chain then hands its slot back to the queue after every task.
   */
  followOnYieldMs: number;
  /** Words that make a variable key or extra key sensitive, beyond Airflow's defaults ([core] sensitive_var_conn_names). */
  sensitiveFields: string[];
  /** The template interpreter is released after this long without a templated try (0 = kept). */
  templateIdleReleaseMs: number;
  /** Rendering one try's templates may take this long; longer fails the try. */
  templateTimeoutMs: number;
  /**
   * Boot the template interpreter when the worker starts (it takes seconds), so the first templated try does not
   * wait for it; it is released after templateIdleReleaseMs all the same. Off by default: an idle worker holds no
   * interpreter (about 175 MiB), and the first templated try pays the boot instead.
   */
  templateWarmUp: boolean;
  /** A folder for the template interpreter's snapshot (e.g. $WINDSOCK_HOME/cache): boots in a fraction of the time. */
  templateSnapshotDir?: string;
}

export const defaultWorkerOptions = (): WorkerOptions => ({
  workerId: `${hostname()}-${process.pid}`, queues: ['default'], concurrency: 16, heartbeatMs: 5_000, logFlushMs: 100, followOn: true, followOnYieldMs: 1000,
  sensitiveFields: [], templateIdleReleaseMs: 60_000, templateTimeoutMs: 10_000, templateWarmUp: false,
});

interface Held {
  job: TaskJob; handle: ExecutionHandle | null; cancelled: string | null;
  /** Resolves when the try was handed to another worker: this one stops waiting for it without recording an end. */
  release: () => void; released: Promise<null>;
}

export class Worker {
  private readonly db: Kysely<Database>;
  private readonly queue: TaskQueue;
  private readonly events: EventBus;
  private readonly executor: Executor;
  private readonly opts: WorkerOptions;
  private readonly log: Logger;
  private readonly dags: DagCache;
  private readonly claims: ClaimBatcher;
  private readonly finishes: FinishBatcher;
  private readonly readConnection: ContextDeps['readConnection'];
  private readonly templates: TemplateRenderer;
  private readonly releaseTemplates: () => void;
  private readonly held = new Map<string, Held>();
  private readonly metrics: WorkerMetrics;
  private consumer: Consumer | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private stopping = false;
  private readonly unsubscribe: Array<() => void> = [];

  /** fernetKey decrypts connection secrets for `{{ conn.<id> }}` templates. */
  /** `dags`: a cache to share with a scheduler in the same process (standalone), so each DAG is loaded once. */
  constructor(deps: { db: Kysely<Database>; queue: TaskQueue; events: EventBus; executor: Executor; options?: Partial<WorkerOptions>; logger?: Logger; fernetKey?: string | null; dags?: DagCache; metrics?: Metrics }) {
    this.db = deps.db;
    this.queue = deps.queue;
    this.events = deps.events;
    this.executor = deps.executor;
    this.opts = { ...defaultWorkerOptions(), ...deps.options };
    this.log = deps.logger ?? silentLogger;
    this.dags = deps.dags ?? new DagCache(this.db);
    this.metrics = new WorkerMetrics(deps.metrics ?? NO_METRICS);
    const who = { workerId: this.opts.workerId, hostname: hostname(), executor: this.executor.name };
    this.claims = new ClaimBatcher(this.db, who);
    this.finishes = new FinishBatcher(this.db, who, { queues: this.opts.queues, yieldAfterMs: this.opts.followOnYieldMs,
      onFollowOnError: (err) => this.log.warn({ err }, 'could not start follow-on tasks; recorded the ends without them (the scheduler starts what is ready)') });
    const fernetKey = deps.fernetKey ?? null;
    this.readConnection = (connId) => readConnection(this.db, fernetKey, connId);
    ({ renderer: this.templates, release: this.releaseTemplates } = acquireTemplateRenderer({ idleReleaseMs: this.opts.templateIdleReleaseMs, timeoutMs: this.opts.templateTimeoutMs,
      ...(this.opts.templateSnapshotDir ? { snapshotDir: this.opts.templateSnapshotDir } : {}) }));
  }

  get workerId(): string { return this.opts.workerId; }
  get activeTries(): number { return this.held.size; }

  /** Boots the template interpreter now (start() does so too, unless templateWarmUp is off), and waits for it. */
  warmUpTemplates(): Promise<void> { return this.templates.warmUp(); }

  start(): void {
    this.unsubscribe.push(
      this.events.on('ti:cancel', (e) => this.cancel(e.tiId, e.reason)),
      this.events.on('dags:changed', (e) => { for (const d of e.dagIds) this.dags.invalidate(d); }),
    );
    this.consumer = this.queue.consume(this.opts.queues, (job) => this.handle(job), { concurrency: this.opts.concurrency });
    this.heartbeat = setInterval(() => void this.beat(), this.opts.heartbeatMs);
    this.heartbeat.unref();
    this.metrics.start(() => {
      let waiting = 0;
      for (const h of this.held.values()) if (h.handle === null) waiting++;
      return { running: this.held.size - waiting, waiting, concurrency: this.opts.concurrency };
    });
    if (this.opts.templateWarmUp) {
      this.templates.warmUp().catch((err: unknown) => {
        if (!this.stopping) this.log.warn({ err }, 'could not start the template interpreter; templated tasks start it again');
      });
    }
  }

  /**
   * Stops taking work. With `drain` it waits for the tries it holds — at most `graceMs` when given, after which
   * tries whose executor can adopt are handed over (they run on; another worker adopts them) and the others are
   * stopped and recorded as failed or up for retry. Without `drain` it stops them at once.
   */
  async stop(opts: { drain: boolean; graceMs?: number } = { drain: true }): Promise<void> {
    this.stopping = true;
    if (!opts.drain) for (const id of this.held.keys()) this.cancel(id, 'worker shutting down');
    const closing = this.consumer?.close() ?? Promise.resolve();
    let handedOver: TaskJob[] = [];
    if (opts.drain && opts.graceMs !== undefined) {
      let timer: NodeJS.Timeout | undefined;
      const expired = await Promise.race([closing.then(() => false), new Promise<boolean>((r) => { timer = setTimeout(() => r(true), opts.graceMs); })]);
      clearTimeout(timer);
      if (expired) handedOver = await this.handOverHeld();
    }
    await closing;
    for (const u of this.unsubscribe.splice(0)) u();
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.metrics.stop();
    this.releaseTemplates();
    // After the consumer closed, so the jobs it held are gone and these are new jobs rather than no-ops.
    if (handedOver.length > 0) await this.queue.enqueue(handedOver).catch((err: unknown) => this.log.warn({ err }, 'could not enqueue handed-over tries; the scheduler re-enqueues them'));
  }

  /** The end of a shutdown grace period: hands over what can be adopted, stops the rest. Returns the jobs to enqueue. */
  private async handOverHeld(): Promise<TaskJob[]> {
    const jobs: TaskJob[] = [];
    for (const [tiId, h] of this.held) {
      const externalId = h.handle?.externalId ?? null;
      if (this.executor.adopt && externalId !== null && !h.cancelled) {
        const ok = await this.retryDb(() => handOverTry(this.db, { tiId, tryNumber: h.job.tryNumber, workerId: this.opts.workerId, externalId, executor: this.executor.name }, new Date()))
          .catch(() => false);
        if (ok) {
          this.log.info({ ti_id: tiId, external_executor_id: externalId }, 'handed over a running try for adoption');
          jobs.push(h.job);
          h.release();
          continue;
        }
      }
      this.cancel(tiId, `worker ${this.opts.workerId} shutting down: its grace period ended before the task did`);
    }
    return jobs;
  }

  private cancel(tiId: string, reason: string): void {
    const h = this.held.get(tiId);
    if (!h || h.cancelled) return;
    h.cancelled = reason;
    this.log.info({ ti_id: tiId, reason }, 'stopping task');
    void h.handle?.cancel(reason);
  }

  private async beat(): Promise<void> {
    if (this.held.size === 0) return;
    try {
      // Every try held, also one still rendering its templates (the interpreter's boot takes seconds). Only the
      // tries asked about are judged: one claimed while the heartbeat was in flight is not in `alive`.
      const asked = [...this.held.entries()];
      const alive = await heartbeatTries(this.db, asked.map(([id]) => id), new Date());
      for (const [tiId, h] of asked) if (h.handle !== null && this.held.get(tiId) === h && !alive.has(tiId)) this.cancel(tiId, 'its state was changed outside this worker');
    } catch (err) {
      this.log.warn({ err }, 'heartbeat failed');
    }
  }

  private async handle(job: TaskJob): Promise<void> {
    // null: a stale or duplicate job (someone else has it, or it was cleared). Each try may hand its slot to a
    // follow-on task instance, which then runs in this same job.
    let next = await this.claims.claim(job.tiId, job.tryNumber);
    for (let after: string | null = null; next; ) {
      const ran = next;
      next = await this.runTry(ran, after);
      after = ran.ti.task_id;
    }
  }

  /** Runs one claimed try to its end and records it; returns the follow-on started in its slot, if any. */
  private async runTry(claimed: Claimed, after: string | null): Promise<Claimed | null> {
    const { ti, run } = claimed;
    const job: TaskJob = { tiId: ti.id, dagId: ti.dag_id, taskId: ti.task_id, runId: ti.run_id, mapIndex: ti.map_index, tryNumber: ti.try_number, queue: ti.queue, priority: ti.priority_weight };
    let release!: () => void;
    const released = new Promise<null>((r) => { release = () => r(null); });
    const held: Held = { job, handle: null, cancelled: null, release, released };
    /** Set only on a try handed over by a worker that stopped while its pod ran on (see hand-over-*.ts). */
    const adoptFrom = ti.external_executor_id;
    this.held.set(ti.id, held);
    const startedMs = Date.now();
    this.metrics.tryStarted(ti);
    this.events.emit('ti:running', { tiId: ti.id, dagId: ti.dag_id, runId: ti.run_id, taskId: ti.task_id, tryNumber: ti.try_number });
    // Airflow's secrets masker, one per try: what the try reads from connections and sensitive variables is
    // registered while its templates render, and reads `***` in its stored log and rendered fields.
    const secrets = new SecretsMasker({ sensitiveFields: this.opts.sensitiveFields });
    const logs = new TryLogWriter(this.db, ti.id, ti.try_number, { flushMs: this.opts.logFlushMs, onFlush: () => this.events.emit('log:chunk', { tiId: ti.id, tryNumber: ti.try_number }), redact: (l) => secrets.redactText(l) });
    let outcome: 'success' | 'failed' | 'skipped' | 'up_for_reschedule' = 'failed';
    /** A reschedule-mode sensor's next poke (runner.py's reschedule line). */
    let rescheduleAt = null as Date | null;
    /** The try failed in a way Airflow never retries (AirflowSensorTimeout, AirflowFailException). */
    let failNoRetry = false as boolean;
    let xcom: unknown;
    /** Downstream task instances this try's branch or short-circuit skips (skips.ts). */
    let skip: string[] = [];
    let skipMixin: FinishTry['skipMixin'];
    let dag: CachedDag | null = null;
    try {
      const cached = await this.retryDb(() => this.dags.get(ti.dag_id));
      dag = cached;
      const task = cached?.tasks.get(ti.task_id);
      if (!cached || !task) throw new Error(`task ${ti.task_id} is no longer in DAG ${ti.dag_id}`);
      // The worker's own opening lines wait up to a second for the task's output or end, which store them with it.
      if (adoptFrom === null) logs.write(`Starting attempt ${ti.try_number} of ${ti.max_tries + 1}${after !== null ? ` (started by its worker as soon as ${after} ended)` : ''}`, { lazy: true });
      else logs.write(`Adopting attempt ${ti.try_number}, still running as ${adoptFrom} (worker ${this.opts.workerId})`, { lazy: true });
      logs.write(`Executing <Task(${task.operator}): ${task.task_id}> on ${run.logical_date ? pyIso(run.logical_date) : run.run_id} (worker ${this.opts.workerId}, executor ${this.executor.name})`, { lazy: true });
      // Every connection and variable the try reads has its secrets masked in its log and rendered fields.
      const readConnection = async (connId: string) => {
        const c = await this.readConnection(connId);
        if (c) addConnectionSecrets(secrets, c);
        return c;
      };
      const ctx = await this.retryDb(() => buildContext({ db: this.db, readConnection }, cached.dag, task, run, ti.try_number, ti.map_index));
      // A mapped task's instance: its own element of the expand input (resolved from this run's XComs).
      const args = task.expand_input && ti.map_index >= 0
        ? argsForMapIndex(task, resolveXComArgs(task.expand_input.value, ctx.xcoms, ti.dag_id, run.conf), ti.map_index) : task.args;
      const { rendered: templated, renderedFields, read } = await this.templates.renderArgs(args, task.template_fields, {
        context: ctx.json, native: cached.dag.render_template_as_native_obj,
        ti: { dag_id: ti.dag_id, task_id: ti.task_id, run_id: ti.run_id, try_number: ti.try_number, map_index: ti.map_index },
      }, templateDataFetcher({ db: this.db, readConnection }, run.id));
      for (const [key, value] of Object.entries(read.variables)) addVariableSecret(secrets, key, value);
      const rendered = resolveXComArgs(templated, ctx.xcoms, ti.dag_id, run.conf) as Record<string, unknown>;
      if (Object.keys(renderedFields).length > 0) {
        const masked = secrets.redact(renderedFields);
        await this.retryDb(() => this.db.updateTable('task_instance').set({ rendered_fields: JSON.stringify(masked) }).where('id', '=', ti.id).execute());
      }
      // A sensor's settings for the runner's poke loop; in reschedule mode, where its earlier pokes left it.
      const sensor = sensorSettings(task);
      let sensorSpec: Record<string, unknown> | undefined;
      if (sensor && task.operator === 'FileSensor') {
        // FSHook: the connection's extra `path` is the base of filepath. Airflow creates fs_default; a missing one is ''.
        const connId = typeof rendered.fs_conn_id === 'string' ? rendered.fs_conn_id : 'fs_default';
        const conn = await readConnection(connId);
        if (!conn && connId !== 'fs_default') throw new Error(`The conn_id \`${connId}\` isn't defined`);
        const path = (conn?.extra_dejson as { path?: unknown } | undefined)?.path;
        rendered.op_kwargs = { ...(rendered.op_kwargs as Record<string, unknown> | undefined), base_path: typeof path === 'string' ? path : '' };
      }
      if (sensor) {
        const prior = sensor.mode === 'reschedule'
          ? await this.retryDb(() => readReschedules(this.db, ti.id, Math.max(1, ti.max_tries - task.retries + 1))) : { firstStart: null, count: 0 };
        sensorSpec = {
          mode: sensor.mode, poke_interval: sensor.pokeInterval, timeout: sensor.timeout, soft_fail: sensor.softFail, never_fail: sensor.neverFail,
          exponential_backoff: sensor.exponentialBackoff, max_wait: sensor.maxWait,
          started_at: prior.firstStart ? prior.firstStart.getTime() / 1000 : null, poke_count: prior.count + 1,
        };
      }
      const launch = {
        ...(sensorSpec ? { sensor: sensorSpec } : {}),
        key: { tiId: ti.id, dagId: ti.dag_id, taskId: ti.task_id, runId: ti.run_id, mapIndex: ti.map_index, tryNumber: ti.try_number },
        dag: cached.dag, task, rendered, workerId: this.opts.workerId, context: ctx.json, xcoms: ctx.xcoms,
        timeoutMs: task.execution_timeout !== null ? task.execution_timeout * 1000 : null,
        env: airflowContextEnv(ti.dag_id, ti.task_id, run.run_id, run.logical_date, ti.try_number, task.owner),
        maskLine: (l: string) => secrets.redactText(l),
      };
      if (sensor && task.operator === 'ExternalTaskSensor') {
        // Reads the metastore: poked here, not in a process (external-task-sensor.ts).
        const startedAt = typeof sensorSpec?.started_at === 'number' ? new Date(sensorSpec.started_at * 1000) : new Date();
        const end = await runExternalTaskSensor(this.db, { task, rendered, sensor, logicalDate: run.logical_date, startedAt, log: (l) => logs.write(l), cancelled: () => held.cancelled !== null });
        if (end.outcome === 'success') { outcome = 'success'; logs.write('Task finished with success'); }
        else if (end.outcome === 'up_for_reschedule') { outcome = 'up_for_reschedule'; rescheduleAt = end.at; }
        else if (end.outcome === 'skipped') { outcome = 'skipped'; logs.write(end.message); }
        else { failNoRetry = !end.retry; logs.write(end.message); }
      } else {
        // A Python task that raised AirflowSkipException says so on a line of its own (runner.py), whatever the executor.
        let raisedSkip = false;
        const sink = task.kind !== 'python' ? logs : { write: (l: string) => {
          if (l === SKIP_LINE) raisedSkip = true;
          else if (l === FAIL_LINE) failNoRetry = true;
          else if (sensor?.mode === 'reschedule' && l.startsWith(RESCHEDULE_LINE_PREFIX)) {
            const at = new Date(l.slice(RESCHEDULE_LINE_PREFIX.length));
            if (!Number.isNaN(at.getTime())) rescheduleAt = at;
          } else logs.write(l);
        } };
        const handle = adoptFrom === null ? await this.executor.start(launch, sink)
          : await this.executor.adopt?.({ ...launch, storedLog: await this.retryDb(() => storedLogLines(this.db, ti.id, ti.try_number)) }, adoptFrom, sink) ?? null;
        if (handle === null) {
          throw new Error(`could not adopt ${adoptFrom}: ${this.executor.adopt ? 'it is gone' : `executor ${this.executor.name} cannot adopt running tries`}; handling the try as a zombie`);
        }
        held.handle = handle;
        if (held.cancelled) void handle.cancel(held.cancelled);
        if (handle.externalId && handle.externalId !== adoptFrom) await this.retryDb(() => this.db.updateTable('task_instance').set({ external_executor_id: handle.externalId }).where('id', '=', ti.id).execute());
        const result = await Promise.race([handle.result, held.released]);
        if (result === null) { // handed over: another worker adopts it and records its end
          await this.flushLogs(logs);
          this.held.delete(ti.id);
          return null;
        }
        let value = result.xcom;
        if (rescheduleAt !== null && result.reason === null) {
          outcome = 'up_for_reschedule';
        } else if (result.outcome === 'success') {
          if (DECIDING_OPERATORS.has(task.operator)) {
            const interval = run.data_interval_start && run.data_interval_end ? { start: run.data_interval_start, end: run.data_interval_end } : null;
            value = decideBranch(cached.dag, task, { runType: run.run_type, logicalDate: run.logical_date, dataInterval: interval }, new Date());
            logs.write(`Branch into ${JSON.stringify(value ?? null)}`);
          }
          skip = skipsAfterSuccess(cached.dag, cached.tasks, task, value);
          if (skip.length > 0) logs.write(`Skipping tasks ${JSON.stringify(skip)}`);
          // What Airflow's SkipMixin pushes as `skipmixin_key`: a branch always, a short circuit when it skipped.
          if (BRANCH_OPERATORS.has(task.operator)) skipMixin = { followed: task.downstream_task_ids.filter((id) => !skip.includes(id)) };
          else if (SHORT_CIRCUIT_OPERATORS.has(task.operator) && skip.length > 0) skipMixin = { skipped: skip };
          outcome = 'success';
          xcom = value;
          logs.write('Task finished with success');
        } else if (raisedSkip && result.reason === null) {
          outcome = 'skipped';
        } else if (result.reason === null && result.exitCode !== null && skipExitCodes(task).includes(result.exitCode)) {
          // Airflow raises AirflowSkipException for an exit code in skip_on_exit_code: skipped, not failed, no retry.
          outcome = 'skipped';
          logs.write(`Task exited with return code ${result.exitCode}: skipping (skip_on_exit_code)`);
        } else {
          logs.write(`Task failed${result.reason ? ` (${result.reason})` : ''}${result.exitCode !== null ? `, exit code ${result.exitCode}` : ''}`);
        }
      }
    } catch (err) {
      logs.write(`Task failed: ${(err as Error).message}`);
      this.log.warn({ err, ti_id: ti.id }, 'task failed before or while running');
    }
    const now = new Date();
    const { state, retryAt } = outcome === 'up_for_reschedule' ? { state: outcome, retryAt: rescheduleAt }
      : outcome !== 'failed' ? { state: outcome, retryAt: null }
      : failNoRetry ? { state: 'failed' as const, retryAt: null }
      : failedTryOutcome((await this.dags.get(ti.dag_id))?.tasks.get(ti.task_id), { dagId: ti.dag_id, taskId: ti.task_id, logicalDate: run.logical_date ?? run.run_after, tryNumber: ti.try_number, maxTries: ti.max_tries }, now);
    if (state === 'up_for_reschedule' && retryAt !== null) logs.write(`Rescheduling task, marking task as UP_FOR_RESCHEDULE. Next poke at ${retryAt.toISOString()}`);
    else if (retryAt !== null) logs.write(`Marking task as UP_FOR_RETRY. Next try at ${retryAt.toISOString()}`);
    if (state === 'failed') logs.write('Marking task as FAILED.');
    if (state === 'success') logs.write('Marking task as SUCCESS.');
    if (state === 'skipped') logs.write('Marking task as SKIPPED.');
    const logChunk = await logs.takeRest();
    // A try that skips others leaves the next step to the scheduler, which sees the skips and the trigger rules together.
    const followOn = state !== 'up_for_retry' && state !== 'up_for_reschedule' && skip.length === 0 && !held.cancelled && dag ? this.followOnAsk(ti, run.id, dag) : undefined;
    const { state: final, next } = await this.retryDb(() => this.finishes.finish({
      tiId: ti.id, tryNumber: ti.try_number, state, nextRetryAt: retryAt, logChunk, followOn, skip, ...(skipMixin ? { skipMixin } : {}),
      xcom: xcom !== undefined ? { dagRunId: run.id, dagId: ti.dag_id, runId: ti.run_id, taskId: ti.task_id, mapIndex: ti.map_index, value: xcom } : undefined,
    }));
    this.held.delete(ti.id);
    this.metrics.tryEnded(ti, final, startedMs, dag);
    if (logChunk) this.events.emit('log:chunk', { tiId: ti.id, tryNumber: ti.try_number });
    // When the follow-on was this task's only downstream task, nothing else in the run waits on this end.
    const settled = next !== null && dag?.tasks.get(ti.task_id)?.downstream_task_ids.length === 1;
    this.events.emit('ti:finished', { tiId: ti.id, dagId: ti.dag_id, runId: ti.run_id, dagRunId: run.id, taskId: ti.task_id, tryNumber: ti.try_number, state: final, ...(settled ? { settled } : {}) });
    return next;
  }

  /** The follow-on this try's end may start (follow-on.ts), from the DAG as cached; undefined when none could. */
  private followOnAsk(ti: Claimed['ti'], dagRunId: number, cached: CachedDag): FinishTry['followOn'] {
    if (!this.opts.followOn || this.stopping) return undefined;
    const slot = { pool: ti.pool, poolSlots: ti.pool_slots, queues: this.opts.queues };
    const candidates = followOnCandidates(cached.tasks, ti.task_id, slot, cached.weights);
    return candidates.length > 0 ? { dagRunId, slot, candidates, dagrunTimeoutS: cached.dag.dagrun_timeout } : undefined;
  }

  /** Stores every buffered log line, riding out a short database outage. */
  private async flushLogs(logs: TryLogWriter): Promise<void> {
    for (let i = 0; i < 60; i++) {
      await logs.flush();
      if (logs.pending === 0) return;
      await new Promise((r) => setTimeout(r, 1000));
    }
    this.log.error('could not store the end of a task log after 60 s; the database is unreachable');
  }

  /** Retries a metastore write through a short outage, so a finished try is never forgotten. */
  private async retryDb<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (attempt >= 30) throw err;
        this.log.warn({ err, attempt }, 'metastore write failed; retrying');
        await new Promise((r) => setTimeout(r, Math.min(5000, 200 * attempt)));
      }
    }
  }
}

/** The AIRFLOW_CTX_* variables Airflow gives every task (context_to_airflow_vars; no DAG_EMAIL: emails are not kept). */
function airflowContextEnv(dagId: string, taskId: string, runId: string, logicalDate: Date | null, tryNumber: number, owner: string | null): Record<string, string> {
  return {
    ...(owner ? { AIRFLOW_CTX_DAG_OWNER: owner } : {}),
    AIRFLOW_CTX_DAG_ID: dagId, AIRFLOW_CTX_TASK_ID: taskId, AIRFLOW_CTX_DAG_RUN_ID: runId,
    AIRFLOW_CTX_LOGICAL_DATE: logicalDate ? pyIso(logicalDate) : '', AIRFLOW_CTX_EXECUTION_DATE: logicalDate ? pyIso(logicalDate) : '',
    AIRFLOW_CTX_TRY_NUMBER: String(tryNumber),
  };
}
