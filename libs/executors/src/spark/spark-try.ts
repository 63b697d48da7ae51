/**
 * One try as a SparkApplication: watches the app's state (shared namespace watch) and its driver pod (the pod
 * watch), explains a pending driver in the task log, streams the driver's log live, and ends on the operator's
 * verdict: COMPLETED → success; FAILED / SUBMISSION_FAILED → failure carrying the operator's errorMessage.
 * A driver that cannot start (image not pullable, config error: the operator would keep the app SUBMITTED
 * forever) fails the try at once; an app not running after the startup timeout is deleted and failed. A failed
 * driver's Events are written to the task log. The app is deleted when done, only after the driver's
 * log was read in full (deleting the app deletes the driver, and its log with it). The lifecycle it shares with
 * a pod's try is in kubernetes/cluster-try.ts.
 */
import type { ExecutionResult, LogSink } from '../types.ts';
import { ClusterTry, type ClusterTryOptions } from '../kubernetes/cluster-try.ts';
import { containerView, pendingLine, startFailure, startFailureLine, type ContainerView } from '../kubernetes/pod-status.ts';
import { logPodEvents } from '../kubernetes/pod-events.ts';
import { SPARK_GROUP, SPARK_PLURAL, SPARK_VERSION, type KubeRuntime } from '../kubernetes/runtime.ts';
import { DRIVER_CONTAINER, type SparkPlan } from './spark-spec.ts';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- API objects as received

const STARTED = new Set(['RUNNING', 'SUCCEEDING', 'FAILING', 'COMPLETED', 'FAILED']);

export interface SparkTryOptions extends ClusterTryOptions {
  plan: SparkPlan;
  /** Set when adopting: the driver pod still carries the dead worker's label until relabelled to this one. */
  relabelDriver?: () => Promise<boolean>;
}

export class SparkTry extends ClusterTry {
  private readonly plan: SparkPlan;
  private readonly relabelDriver: SparkTryOptions['relabelDriver'];
  private driver: ContainerView = { state: 'pending', reason: null, message: null };
  private appState = '';
  private lastLine: string | null = null;
  private driverSeen = false;
  private relabelling = false;

  constructor(rt: KubeRuntime, log: LogSink, o: SparkTryOptions) {
    const { plan } = o;
    super(rt, log, o, {
      label: `SparkApplication ${plan.name}`, externalId: `sparkapplication:${plan.namespace}/${plan.name}`, startupTimeoutMs: plan.startupTimeoutMs,
      delete: () => rt.custom.deleteNamespacedCustomObject({ group: SPARK_GROUP, version: SPARK_VERSION, namespace: plan.namespace, plural: SPARK_PLURAL, name: plan.name }),
    });
    this.plan = plan;
    this.relabelDriver = o.relabelDriver;
  }

  async begin(): Promise<void> {
    const [apps, pods] = await Promise.all([
      this.rt.watch('sparkapplications', this.plan.namespace, this.base.workerId),
      this.rt.watch('pods', this.plan.namespace, this.base.workerId),
    ]);
    this.unsubscribe.push(apps.subscribe(this.plan.name, (a) => this.onApp(a)));
    this.unsubscribe.push(pods.subscribe(this.plan.driverPod, (p) => this.onDriver(p)));
    this.armTimers();
  }

  private note(line: string): void {
    if (line !== this.lastLine) { this.lastLine = line; this.log.write(line); }
  }

  private onDriver(pod: Obj | null): void {
    if (pod !== null) { this.driver = containerView(pod, DRIVER_CONTAINER); this.driverSeen = true; }
    this.wake();
    if (this.ending || pod === null) return;
    if (this.driver.state === 'pending') {
      const failed = startFailure(pod);
      if (failed !== null) {
        // The operator has no startup timeout: a driver that cannot pull its image keeps the app SUBMITTED forever.
        void this.failWith(failed.reason, `Driver ${startFailureLine(this.plan.driverPod, failed).replace(/^Pod/, 'pod')}; failing the task`, this.plan.deleteOnFailure, () => this.driverEvents());
        return;
      }
      const line = pendingLine(this.plan.driverPod, this.driver);
      if (line !== null) this.note(`Driver ${line.charAt(0).toLowerCase()}${line.slice(1)}`);
      return;
    }
    clearTimeout(this.startupTimer);
    if (!this.following) this.followDriver();
  }

  private onApp(app: Obj | null): void {
    this.wake();
    if (this.ending) return;
    if (app === null) {
      void this.finish({ outcome: 'failed', exitCode: null, reason: 'app_deleted' }, `SparkApplication ${this.plan.name} was deleted before it finished`, false);
      return;
    }
    const state: string = app.status?.applicationState?.state ?? '';
    if (this.relabelDriver && !this.driverSeen && !this.relabelling && state !== '') {
      // The driver appeared after the adoption (or its relabel failed): take it over now, once it exists.
      this.relabelling = true;
      void this.relabelDriver().then((done) => { if (!done) this.relabelling = false; }, () => { this.relabelling = false; });
    }
    if (state !== this.appState) {
      this.appState = state;
      this.note(`SparkApplication ${this.plan.name} is ${state === '' ? 'NEW' : state}`);
    }
    if (STARTED.has(state)) clearTimeout(this.startupTimer);
    const error: string | undefined = app.status?.applicationState?.errorMessage;
    if (state === 'COMPLETED') void this.onEnd(() => ({ outcome: 'success', exitCode: 0, reason: null }), `SparkApplication ${this.plan.name} completed`);
    else if (state === 'FAILED' || state === 'SUBMISSION_FAILED') {
      const submitted = state === 'FAILED';
      void this.onEnd(() => ({ outcome: 'failed', exitCode: this.driver.state === 'terminated' ? this.driver.exitCode : null, reason: error ?? state }), `SparkApplication ${this.plan.name} failed: ${error ?? state}`, submitted);
    }
  }

  private followDriver(): void {
    this.startFollowing({ namespace: this.plan.namespace, pod: this.plan.driverPod, container: DRIVER_CONTAINER }, () => this.driver.state === 'terminated');
  }

  /** The app reached a final state: read the driver's log to its end, then decide (the driver's exit code may lag on its own watch). */
  private async onEnd(result: () => ExecutionResult, line: string, hadDriver = true): Promise<void> {
    if (this.ending) return;
    this.ending = true;
    await this.following;
    for (let i = 0; hadDriver && this.driver.state !== 'terminated' && i < 20; i++) await this.changed(100);
    if (!this.following && this.driverSeen) { this.followDriver(); await this.following; } // seen only now (adopted)
    const r = result();
    if (r.outcome === 'failed' && this.driverSeen) await this.driverEvents();
    await this.finish(r, line, r.outcome === 'success' ? this.plan.deleteOnSuccess : this.plan.deleteOnFailure);
  }

  protected onStartupTimeout(): void {
    if (this.ending || STARTED.has(this.appState) || this.driver.state !== 'pending') return;
    const why = this.driver.reason;
    void this.failWith(why ?? 'startup_timeout', `SparkApplication ${this.plan.name} did not start within ${this.plan.startupTimeoutMs / 1000} s (state ${this.appState || 'NEW'}${why ? `, driver ${why}${this.driver.message ? `: ${this.driver.message}` : ''}` : ''}); failing the task`, true, () => (this.driverSeen ? this.driverEvents() : Promise.resolve()));
  }

  /** The driver pod's Events into the task log (Airflow's log_events_on_failure). */
  private driverEvents(): Promise<void> {
    return logPodEvents(this.rt, this.log, this.plan.namespace, this.plan.driverPod);
  }
}
