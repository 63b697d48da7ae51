/**
 * One try as a SparkApplication: watches the app's state (shared namespace watch) and its driver pod (the pod
 * watch), explains a pending driver in the task log, streams the driver's log live, and ends on the operator's
 * verdict: COMPLETED → success; FAILED / SUBMISSION_FAILED → failure carrying the operator's errorMessage.
 * An app not running after the startup timeout (the operator has none: a driver that cannot pull its image
 * keeps it SUBMITTED forever) is deleted and failed. The app is deleted when done, only after the driver's
 * log was read in full (deleting the app deletes the driver, and its log with it).
 */
import type { ExecutionHandle, ExecutionResult, LogSink } from '../types.ts';
import { statusOf } from '../kubernetes/gate.ts';
import { LogFollower } from '../kubernetes/log-follower.ts';
import { containerView, pendingLine, type ContainerView } from '../kubernetes/pod-status.ts';
import { SPARK_GROUP, SPARK_PLURAL, SPARK_VERSION, type KubeRuntime } from '../kubernetes/runtime.ts';
import { DRIVER_CONTAINER, type SparkPlan } from './spark-spec.ts';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- API objects as received

const STARTED = new Set(['RUNNING', 'SUCCEEDING', 'FAILING', 'COMPLETED', 'FAILED']);

export interface SparkTryOptions {
  plan: SparkPlan;
  workerId: string;
  timeoutMs: number | null;
  createdAt: number;
  seen?: (line: string) => boolean;
  /** Set when adopting: the driver pod still carries the dead worker's label until relabelled to this one. */
  relabelDriver?: () => Promise<boolean>;
  onDone: () => void;
}

export class SparkTry {
  readonly handle: ExecutionHandle;
  private readonly rt: KubeRuntime;
  private readonly o: SparkTryOptions;
  private readonly log: LogSink;
  private readonly unsubscribe: Array<() => void> = [];
  private follower: LogFollower | null = null;
  private following: Promise<void> | null = null;
  private driver: ContainerView = { state: 'pending', reason: null, message: null };
  private appState = '';
  private lastLine: string | null = null;
  private ending = false;
  private detached = false;
  private driverSeen = false;
  private relabelling = false;
  private resolve: (r: ExecutionResult) => void = () => {};
  private readonly changeWaiters = new Set<() => void>();
  private startupTimer: NodeJS.Timeout | undefined;
  private execTimer: NodeJS.Timeout | undefined;

  constructor(rt: KubeRuntime, log: LogSink, o: SparkTryOptions) {
    this.rt = rt;
    this.log = log;
    this.o = o;
    const result = new Promise<ExecutionResult>((r) => { this.resolve = r; });
    this.handle = {
      result,
      externalId: `sparkapplication:${o.plan.namespace}/${o.plan.name}`,
      cancel: async (reason: string) => { await this.stop(`cancelled: ${reason}`, `Task was cancelled (${reason}); deleting SparkApplication ${o.plan.name}`); },
    };
  }

  async begin(): Promise<void> {
    const [apps, pods] = await Promise.all([
      this.rt.watch('sparkapplications', this.o.plan.namespace, this.o.workerId),
      this.rt.watch('pods', this.o.plan.namespace, this.o.workerId),
    ]);
    this.unsubscribe.push(apps.subscribe(this.o.plan.name, (a) => this.onApp(a)));
    this.unsubscribe.push(pods.subscribe(this.o.plan.driverPod, (p) => this.onDriver(p)));
    this.startupTimer = setTimeout(() => this.onStartupTimeout(), Math.max(0, this.o.createdAt + this.o.plan.startupTimeoutMs - Date.now()));
    if (this.o.timeoutMs !== null) {
      this.execTimer = setTimeout(() => void this.stop('timeout', `Task exceeded its execution_timeout of ${this.o.timeoutMs! / 1000} s; deleting SparkApplication ${this.o.plan.name}`), this.o.timeoutMs);
    }
  }

  private note(line: string): void {
    if (line !== this.lastLine) { this.lastLine = line; this.log.write(line); }
  }

  private wake(): void {
    for (const w of [...this.changeWaiters]) w();
  }

  private onDriver(pod: Obj | null): void {
    if (pod !== null) { this.driver = containerView(pod, DRIVER_CONTAINER); this.driverSeen = true; }
    this.wake();
    if (this.ending || pod === null) return;
    if (this.driver.state === 'pending') {
      const line = pendingLine(this.o.plan.driverPod, this.driver);
      if (line !== null) this.note(`Driver ${line.charAt(0).toLowerCase()}${line.slice(1)}`);
      return;
    }
    clearTimeout(this.startupTimer);
    if (!this.following) this.startFollowing();
  }

  private onApp(app: Obj | null): void {
    this.wake();
    if (this.ending) return;
    if (app === null) {
      void this.finish({ outcome: 'failed', exitCode: null, reason: 'app_deleted' }, `SparkApplication ${this.o.plan.name} was deleted before it finished`, false);
      return;
    }
    const state: string = app.status?.applicationState?.state ?? '';
    if (this.o.relabelDriver && !this.driverSeen && !this.relabelling && state !== '') {
      // The driver appeared after the adoption (or its relabel failed): take it over now, once it exists.
      this.relabelling = true;
      void this.o.relabelDriver().then((done) => { if (!done) this.relabelling = false; }, () => { this.relabelling = false; });
    }
    if (state !== this.appState) {
      this.appState = state;
      this.note(`SparkApplication ${this.o.plan.name} is ${state === '' ? 'NEW' : state}`);
    }
    if (STARTED.has(state)) clearTimeout(this.startupTimer);
    const error: string | undefined = app.status?.applicationState?.errorMessage;
    if (state === 'COMPLETED') void this.onEnd(() => ({ outcome: 'success', exitCode: 0, reason: null }), `SparkApplication ${this.o.plan.name} completed`);
    else if (state === 'FAILED' || state === 'SUBMISSION_FAILED') {
      const submitted = state === 'FAILED';
      void this.onEnd(() => ({ outcome: 'failed', exitCode: this.driver.state === 'terminated' ? this.driver.exitCode : null, reason: error ?? state }), `SparkApplication ${this.o.plan.name} failed: ${error ?? state}`, submitted);
    }
  }

  private startFollowing(): void {
    this.follower = new LogFollower(this.rt.kc, this.rt.gate, { namespace: this.o.plan.namespace, pod: this.o.plan.driverPod, container: DRIVER_CONTAINER }, this.log, this.o.seen);
    this.following = this.follower.follow({
      terminated: () => this.driver.state === 'terminated' || this.ending,
      changed: (ms) => this.changed(ms),
    }).catch(() => {});
  }

  /** The app reached a final state: read the driver's log to its end, then decide (the driver's exit code may lag on its own watch). */
  private async onEnd(result: () => ExecutionResult, line: string, hadDriver = true): Promise<void> {
    if (this.ending) return;
    this.ending = true;
    await this.following;
    for (let i = 0; hadDriver && this.driver.state !== 'terminated' && i < 20; i++) await this.changed(100);
    if (!this.following && this.driverSeen) { this.startFollowing(); await this.following; } // seen only now (adopted)
    const r = result();
    await this.finish(r, line, r.outcome === 'success' ? this.o.plan.deleteOnSuccess : this.o.plan.deleteOnFailure);
  }

  private changed(ms: number): Promise<void> {
    return new Promise<void>((r) => {
      const wake = (): void => { clearTimeout(t); this.changeWaiters.delete(wake); r(); };
      const t = setTimeout(wake, ms);
      this.changeWaiters.add(wake);
    });
  }

  private onStartupTimeout(): void {
    if (this.ending || STARTED.has(this.appState) || this.driver.state !== 'pending') return;
    const why = this.driver.reason;
    void this.stop(why ?? 'startup_timeout', `SparkApplication ${this.o.plan.name} did not start within ${this.o.plan.startupTimeoutMs / 1000} s (state ${this.appState || 'NEW'}${why ? `, driver ${why}${this.driver.message ? `: ${this.driver.message}` : ''}` : ''}); failing the task`);
  }

  private async stop(reason: string, line: string): Promise<void> {
    if (this.detached) return;
    if (this.ending) return this.handle.result.then(() => {});
    this.ending = true;
    this.follower?.stop();
    await this.finish({ outcome: 'failed', exitCode: null, reason }, line, true);
  }

  /** Stops following without touching the cluster (what a dying worker does); the result never settles. */
  detach(): void {
    this.detached = true;
    this.ending = true;
    clearTimeout(this.startupTimer);
    clearTimeout(this.execTimer);
    for (const u of this.unsubscribe.splice(0)) u();
    this.follower?.stop();
  }

  private async finish(result: ExecutionResult, line: string, del: boolean): Promise<void> {
    this.ending = true;
    clearTimeout(this.startupTimer);
    clearTimeout(this.execTimer);
    for (const u of this.unsubscribe.splice(0)) u();
    this.log.write(line);
    if (del) {
      const { name, namespace } = this.o.plan;
      try {
        await this.rt.gate.call(() => this.rt.custom.deleteNamespacedCustomObject({ group: SPARK_GROUP, version: SPARK_VERSION, namespace, plural: SPARK_PLURAL, name }), 'write');
      } catch (err) {
        if (statusOf(err) !== 404) this.log.write(`Could not delete SparkApplication ${name}: ${(err as Error).message.split('\n')[0]}`);
      }
    }
    this.follower?.stop();
    this.o.onDone();
    this.resolve(result);
  }
}
