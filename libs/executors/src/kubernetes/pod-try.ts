/**
 * One try as a pod, from creation (or adoption) to its end: follows the pod through the namespace's shared
 * watch, explains pending states in the task log as they happen, fails it after the startup timeout, follows
 * the container's log from the first byte, decides the outcome from the exit code and reason, and deletes the
 * pod when done (per the deletion policy), after the log was read in full. Cancellation and execution_timeout
 * delete the pod at once.
 */
import type { ExecutionHandle, ExecutionResult, LogSink } from '../types.ts';
import { statusOf } from './gate.ts';
import { LogFollower } from './log-follower.ts';
import { containerView, pendingLine, type ContainerView } from './pod-status.ts';
import type { PodPlan } from './pod-spec.ts';
import type { KubeRuntime } from './runtime.ts';
import type { ResourceWatch } from './watcher.ts';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- API objects as received

export interface PodTryOptions {
  plan: PodPlan;
  workerId: string;
  timeoutMs: number | null;
  /** When the pod was created (the startup timeout counts from here). */
  createdAt: number;
  /** Whether a container log line is already in the task log (adoption). */
  seen?: (line: string) => boolean;
  /** Called once the try has ended, whatever the outcome. */
  onDone: () => void;
}

export class PodTry {
  readonly handle: ExecutionHandle;
  private readonly rt: KubeRuntime;
  private readonly o: PodTryOptions;
  private readonly log: LogSink;
  private watch: ResourceWatch | null = null;
  private unsubscribe: () => void = () => {};
  private follower: LogFollower | null = null;
  private following: Promise<void> | null = null;
  private lastPending: string | null = null;
  private lastView: ContainerView = { state: 'pending', reason: null, message: null };
  private ending = false;
  private detached = false;
  private resolve: (r: ExecutionResult) => void = () => {};
  private readonly changeWaiters = new Set<() => void>();
  private startupTimer: NodeJS.Timeout | undefined;
  private execTimer: NodeJS.Timeout | undefined;

  constructor(rt: KubeRuntime, log: LogSink, o: PodTryOptions) {
    this.rt = rt;
    this.log = log;
    this.o = o;
    const result = new Promise<ExecutionResult>((r) => { this.resolve = r; });
    this.handle = {
      result,
      externalId: `pod:${o.plan.namespace}/${o.plan.name}`,
      cancel: async (reason: string) => { await this.stop(`cancelled: ${reason}`, `Task was cancelled (${reason}); deleting pod ${o.plan.name}`); },
    };
  }

  async begin(): Promise<void> {
    this.watch = await this.rt.watch('pods', this.o.plan.namespace, this.o.workerId);
    this.unsubscribe = this.watch.subscribe(this.o.plan.name, (pod) => this.onPod(pod));
    const startupLeft = Math.max(0, this.o.createdAt + this.o.plan.startupTimeoutMs - Date.now());
    this.startupTimer = setTimeout(() => this.onStartupTimeout(), startupLeft);
    if (this.o.timeoutMs !== null) {
      this.execTimer = setTimeout(() => void this.stop('timeout', `Task exceeded its execution_timeout of ${this.o.timeoutMs! / 1000} s; deleting pod ${this.o.plan.name}`), this.o.timeoutMs);
    }
  }

  private onPod(pod: Obj | null): void {
    for (const w of [...this.changeWaiters]) w();
    if (this.ending) return;
    if (pod === null) {
      void this.finish({ outcome: 'failed', exitCode: null, reason: 'pod_deleted' }, `Pod ${this.o.plan.name} was deleted before its container ended`, false);
      return;
    }
    const v = containerView(pod, this.o.plan.container);
    this.lastView = v;
    if (v.state === 'pending') {
      const line = pendingLine(this.o.plan.name, v);
      if (line !== null && line !== this.lastPending) { this.lastPending = line; this.log.write(line); }
      return;
    }
    clearTimeout(this.startupTimer);
    if (!this.following && this.o.plan.getLogs) this.startFollowing();
    if (v.state === 'terminated') void this.onTerminated(v);
  }

  private startFollowing(): void {
    this.follower = new LogFollower(this.rt.kc, this.rt.gate, { namespace: this.o.plan.namespace, pod: this.o.plan.name, container: this.o.plan.container }, this.log, this.o.seen);
    this.following = this.follower.follow({
      terminated: () => this.lastView.state === 'terminated' || this.ending,
      changed: (ms) => new Promise<void>((r) => {
        const wake = (): void => { clearTimeout(t); this.changeWaiters.delete(wake); r(); };
        const t = setTimeout(wake, ms);
        this.changeWaiters.add(wake);
      }),
    }).catch(() => {});
  }

  private async onTerminated(v: Extract<ContainerView, { state: 'terminated' }>): Promise<void> {
    if (this.ending) return;
    this.ending = true;
    await this.following;
    const ok = v.exitCode === 0;
    const line = `Container ${this.o.plan.container} of pod ${this.o.plan.name} terminated: exit code ${v.exitCode}${v.reason ? `, reason ${v.reason}` : ''}${v.message && !ok ? `: ${v.message}` : ''}`;
    const reason = ok ? null : v.reason === 'Error' || v.reason === null ? null : v.reason;
    await this.finish({ outcome: ok ? 'success' : 'failed', exitCode: v.exitCode, reason }, line, ok ? this.o.plan.deleteOnSuccess : this.o.plan.deleteOnFailure);
  }

  private onStartupTimeout(): void {
    if (this.ending || this.lastView.state !== 'pending') return;
    const why = this.lastView.reason;
    void this.stop(why ?? 'startup_timeout', `Pod ${this.o.plan.name} took longer than ${this.o.plan.startupTimeoutMs / 1000} s to start${why ? ` (${why}${this.lastView.message ? `: ${this.lastView.message}` : ''})` : ''}; failing the task`);
  }

  /** Ends the try now: deletes the pod (always: a stopped try leaves nothing running) and stops reading. */
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
    this.unsubscribe();
    this.follower?.stop();
  }

  private async finish(result: ExecutionResult, line: string, del: boolean): Promise<void> {
    this.ending = true;
    clearTimeout(this.startupTimer);
    clearTimeout(this.execTimer);
    this.unsubscribe();
    this.log.write(line);
    if (del) {
      try {
        await this.rt.gate.call(() => this.rt.core.deleteNamespacedPod({ name: this.o.plan.name, namespace: this.o.plan.namespace, gracePeriodSeconds: this.o.plan.gracePeriodSeconds }), 'write');
      } catch (err) {
        if (statusOf(err) !== 404) this.log.write(`Could not delete pod ${this.o.plan.name}: ${(err as Error).message.split('\n')[0]}`);
      }
    }
    this.follower?.stop();
    this.o.onDone();
    this.resolve(result);
  }
}
