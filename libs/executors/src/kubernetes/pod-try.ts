/**
 * One try as a pod, from creation (or adoption) to its end: follows the pod through the namespace's shared
 * watch, explains pending states in the task log when what it waits for changes, fails it at once when a
 * container cannot start (image not pullable, invalid, config error) and otherwise after the startup timeout,
 * follows the main container's log from the first byte (and the init containers' and sidecars', prefixed with
 * their names), decides the outcome from the exit code and reason, writes a failed pod's Events to the task
 * log, and deletes the pod when done (per the deletion policy), after the logs were read in full. Cancellation and execution_timeout
 * delete the pod at once (the shared lifecycle: cluster-try.ts).
 */
import type { LogSink } from '../types.ts';
import { ClusterTry, type ClusterTryOptions } from './cluster-try.ts';
import { containerView, pendingLine, startFailure, startFailureLine, type ContainerView } from './pod-status.ts';
import { logPodEvents } from './pod-events.ts';
import { LogFollower } from './log-follower.ts';
import type { PodPlan } from './pod-spec.ts';
import type { KubeRuntime } from './runtime.ts';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- API objects as received

export interface PodTryOptions extends ClusterTryOptions {
  plan: PodPlan;
}

export class PodTry extends ClusterTry {
  private readonly plan: PodPlan;
  private lastPending: string | null = null;
  private lastView: ContainerView = { state: 'pending', reason: null, message: null };
  private lastPod: Obj | null = null;
  private launched = false;
  private othersDone: Array<{ container: string; follower: LogFollower; done: Promise<void> }> = [];

  constructor(rt: KubeRuntime, log: LogSink, o: PodTryOptions) {
    const { plan } = o;
    super(rt, log, o, {
      label: `pod ${plan.name}`, externalId: `pod:${plan.namespace}/${plan.name}`, startupTimeoutMs: plan.startupTimeoutMs,
      delete: () => rt.core.deleteNamespacedPod({ name: plan.name, namespace: plan.namespace, gracePeriodSeconds: plan.gracePeriodSeconds }),
    });
    this.plan = plan;
  }

  async begin(): Promise<void> {
    const watch = await this.rt.watch('pods', this.plan.namespace, this.base.workerId);
    this.unsubscribe.push(watch.subscribe(this.plan.name, (pod) => this.onPod(pod)));
    this.armTimers();
  }

  private onPod(pod: Obj | null): void {
    this.wake();
    if (this.ending) return;
    if (pod === null) {
      void this.finish({ outcome: 'failed', exitCode: null, reason: 'pod_deleted' }, `Pod ${this.plan.name} was deleted before its container ended`, false);
      return;
    }
    const v = containerView(pod, this.plan.container);
    this.lastView = v;
    this.lastPod = pod;
    if (v.state === 'pending') {
      const failed = startFailure(pod);
      if (failed !== null) {
        void this.failWith(failed.reason, `${startFailureLine(this.plan.name, failed)}; failing the task`, this.plan.deleteOnFailure, () => this.events());
        return;
      }
      // One line per change of what it waits for (not per status update: a reason's message may change often).
      const line = pendingLine(this.plan.name, v);
      if (line !== null && v.reason !== this.lastPending) { this.lastPending = v.reason; this.log.write(line); }
      return;
    }
    clearTimeout(this.startupTimer);
    if (!this.launched) {
      this.launched = true;
      this.rt.metrics.timing('windsock.pod.launch_latency', Math.max(0, Date.now() - this.base.createdAt));
    }
    if (!this.following && this.plan.getLogs) {
      this.startFollowing({ namespace: this.plan.namespace, pod: this.plan.name, container: this.plan.container }, () => this.lastView.state === 'terminated');
      this.followOthers();
    }
    if (v.state === 'terminated') void this.onTerminated(v);
  }

  private async onTerminated(v: Extract<ContainerView, { state: 'terminated' }>): Promise<void> {
    if (this.ending) return;
    this.ending = true;
    await this.following;
    await this.othersRead();
    const ok = v.exitCode === 0;
    const line = `Container ${this.plan.container} of pod ${this.plan.name} terminated: exit code ${v.exitCode}${v.reason ? `, reason ${v.reason}` : ''}${v.message && !ok ? `: ${v.message}` : ''}`;
    const reason = ok ? null : v.reason === 'Error' || v.reason === null ? null : v.reason;
    if (!ok) await this.events();
    await this.finish({ outcome: ok ? 'success' : 'failed', exitCode: v.exitCode, reason }, line, ok ? this.plan.deleteOnSuccess : this.plan.deleteOnFailure);
  }

  /**
   * The logs of the pod's other containers (init containers, which have run by now, and sidecars) into the task
   * log, each line prefixed with `[container]`, as Airflow's container_logs does with several containers.
   */
  private followOthers(): void {
    const spec = (this.plan.pod.spec ?? {}) as Obj;
    const names = [...((spec.initContainers ?? []) as Obj[]), ...((spec.containers ?? []) as Obj[])].map((c) => String(c.name)).filter((n) => n !== this.plan.container);
    for (const container of names) {
      const prefix = `[${container}] `;
      const sink = { write: (line: string) => this.log.write(prefix + line) };
      const seen = this.base.seen;
      const f = new LogFollower(this.rt.kc, this.rt.gate, { namespace: this.plan.namespace, pod: this.plan.name, container }, sink, seen ? (t) => seen(prefix + t) : undefined);
      this.others.push(f);
      const done = f.follow({ terminated: () => this.otherEnded(container) || this.ending, changed: (ms) => this.changed(ms) }).catch(() => {});
      this.othersDone.push({ container, follower: f, done });
    }
  }

  private otherEnded(container: string): boolean {
    const all: Obj[] = [...(this.lastPod?.status?.initContainerStatuses ?? []), ...(this.lastPod?.status?.containerStatuses ?? [])];
    return all.some((s) => s.name === container && s.state?.terminated);
  }

  /** Once the main container ended: reads the other containers that ended to their last line; stops following those still running. */
  private async othersRead(): Promise<void> {
    const ended = this.othersDone.filter((o) => this.otherEnded(o.container));
    for (const o of this.othersDone) if (!ended.includes(o)) o.follower.stop();
    await Promise.all(ended.map((o) => o.done));
  }

  protected onStartupTimeout(): void {
    if (this.ending || this.lastView.state !== 'pending') return;
    const why = this.lastView.reason;
    void this.failWith(why ?? 'startup_timeout', `Pod ${this.plan.name} took longer than ${this.plan.startupTimeoutMs / 1000} s to start${why ? ` (${why}${this.lastView.message ? `: ${this.lastView.message}` : ''})` : ''}; failing the task`, true, () => this.events());
  }

  /** The pod's Events into the task log (Airflow's log_events_on_failure). */
  private events(): Promise<void> {
    return logPodEvents(this.rt, this.log, this.plan.namespace, this.plan.name);
  }
}
