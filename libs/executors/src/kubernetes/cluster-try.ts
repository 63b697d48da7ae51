/**
 * The lifecycle every try on the cluster shares, whatever object runs it (a pod, a SparkApplication): the handle
 * and its one result, the startup and execution timers, the watch subscriptions, following one container's log,
 * stopping (the object is always deleted: a stopped try leaves nothing running), detaching (what a dying worker
 * does: nothing on the cluster is touched and the result never settles) and finishing (the last log line, the
 * deletion policy, then the result). Subclasses say how their object's watch events map onto that.
 */
import type { ExecutionHandle, ExecutionResult, LogSink } from '../types.ts';
import { statusOf } from './gate.ts';
import { LogFollower } from './log-follower.ts';
import type { KubeRuntime } from './runtime.ts';

export interface ClusterTryOptions {
  workerId: string;
  timeoutMs: number | null;
  /** When the object was created (the startup timeout counts from here). */
  createdAt: number;
  /** Whether a container log line is already in the task log (adoption). */
  seen?: (line: string) => boolean;
  /** Called once the try has ended, whatever the outcome. */
  onDone: () => void;
}

/** What the shared lifecycle needs to know of the object a try runs as. */
export interface ClusterObject {
  /** How the object is named in log lines: `pod p-1`, `SparkApplication app-1`. */
  label: string;
  /** `pod:ns/name`, `sparkapplication:ns/name`: the try's external id. */
  externalId: string;
  startupTimeoutMs: number;
  /** Deletes the object; a 404 is fine (it is gone already). */
  delete: () => Promise<unknown>;
}

export abstract class ClusterTry {
  readonly handle: ExecutionHandle;
  protected readonly rt: KubeRuntime;
  protected readonly log: LogSink;
  protected readonly base: ClusterTryOptions;
  protected readonly object: ClusterObject;
  protected readonly unsubscribe: Array<() => void> = [];
  protected follower: LogFollower | null = null;
  /** Followers of the object's other containers (init containers, sidecars): stopped with the main one. */
  protected readonly others: LogFollower[] = [];
  protected following: Promise<void> | null = null;
  protected ending = false;
  private detached = false;
  private resolve: (r: ExecutionResult) => void = () => {};
  private readonly changeWaiters = new Set<() => void>();
  protected startupTimer: NodeJS.Timeout | undefined;
  private execTimer: NodeJS.Timeout | undefined;

  protected constructor(rt: KubeRuntime, log: LogSink, base: ClusterTryOptions, object: ClusterObject) {
    this.rt = rt;
    this.log = log;
    this.base = base;
    this.object = object;
    const result = new Promise<ExecutionResult>((r) => { this.resolve = r; });
    this.handle = {
      result,
      externalId: object.externalId,
      cancel: async (reason: string) => { await this.stop(`cancelled: ${reason}`, `Task was cancelled (${reason}); deleting ${object.label}`); },
    };
  }

  /** Arms the startup timeout (from the object's creation) and the execution timeout. */
  protected armTimers(): void {
    this.startupTimer = setTimeout(() => this.onStartupTimeout(), Math.max(0, this.base.createdAt + this.object.startupTimeoutMs - Date.now()));
    const timeoutMs = this.base.timeoutMs;
    if (timeoutMs !== null) {
      this.execTimer = setTimeout(() => void this.stop('timeout', `Task exceeded its execution_timeout of ${timeoutMs / 1000} s; deleting ${this.object.label}`), timeoutMs);
    }
  }

  /** The object did not start within its startup timeout. */
  protected abstract onStartupTimeout(): void;

  /** Something changed on a watch: wakes whoever waits in `changed`. */
  protected wake(): void {
    for (const w of [...this.changeWaiters]) w();
  }

  /** Resolves at the next watch event, or after `ms`. */
  protected changed(ms: number): Promise<void> {
    return new Promise<void>((r) => {
      const wake = (): void => { clearTimeout(t); this.changeWaiters.delete(wake); r(); };
      const t = setTimeout(wake, ms);
      this.changeWaiters.add(wake);
    });
  }

  /** Follows one container's log into the task log, from its first byte, until `terminated` says it is over. */
  protected startFollowing(target: { namespace: string; pod: string; container: string }, terminated: () => boolean): void {
    this.follower = new LogFollower(this.rt.kc, this.rt.gate, target, this.log, this.base.seen);
    this.following = this.follower.follow({ terminated: () => terminated() || this.ending, changed: (ms) => this.changed(ms) }).catch(() => {});
  }

  /** Ends the try now: deletes the object (always: a stopped try leaves nothing running) and stops reading. */
  protected async stop(reason: string, line: string): Promise<void> {
    if (this.detached) return;
    if (this.ending) return this.handle.result.then(() => {});
    this.ending = true;
    this.stopFollowers();
    await this.finish({ outcome: 'failed', exitCode: null, reason }, line, true);
  }

  /**
   * Fails the try now with `reason`: stops reading, runs `before` (e.g. writing the object's Events to the log,
   * while it still exists), then finishes with `line` as the last line, deleting the object when `del`.
   */
  protected async failWith(reason: string, line: string, del: boolean, before?: () => Promise<void>): Promise<void> {
    if (this.detached || this.ending) return;
    this.ending = true;
    clearTimeout(this.startupTimer);
    this.stopFollowers();
    if (before) await before();
    await this.finish({ outcome: 'failed', exitCode: null, reason }, line, del);
  }

  /** Stops following without touching the cluster (what a dying worker does); the result never settles. */
  detach(): void {
    this.detached = true;
    this.ending = true;
    this.release();
    this.stopFollowers();
  }

  protected async finish(result: ExecutionResult, line: string, del: boolean): Promise<void> {
    this.ending = true;
    this.release();
    this.log.write(line);
    if (del) {
      try {
        await this.rt.gate.call(this.object.delete, 'write');
      } catch (err) {
        if (statusOf(err) !== 404) this.log.write(`Could not delete ${this.object.label}: ${(err as Error).message.split('\n')[0]}`);
      }
    }
    this.stopFollowers();
    this.base.onDone();
    this.resolve(result);
  }

  protected stopFollowers(): void {
    this.follower?.stop();
    for (const f of this.others) f.stop();
  }

  private release(): void {
    clearTimeout(this.startupTimer);
    clearTimeout(this.execTimer);
    for (const u of this.unsubscribe.splice(0)) u();
  }
}
