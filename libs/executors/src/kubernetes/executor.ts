/**
 * The `kubernetes` executor a worker uses: every task as a pod (container and bash tasks) or a
 * SparkApplication (Spark tasks), sharing one API gate and one watch per namespace and kind. Empty tasks
 * succeed without touching the cluster.
 */
import type * as k8s from '@kubernetes/client-node';
import type { ExecutionHandle, Executor, LogSink, TaskLaunch } from '../types.ts';
import { ExecutorError } from '../types.ts';
import { compileKubernetesOptions, type KubernetesOptions } from './options.ts';
import { KubeRuntime } from './runtime.ts';
import { PodExecutor } from './pod-executor.ts';
import { SparkExecutor } from '../spark/spark-executor.ts';
import { xcomFromLines } from '../python/spec.ts';
import type { Metrics } from '@windsock/metrics';

/** A Python callable's pod prints its return value on a marked log line; it becomes the try's XCom. */
async function withXComFromLog(log: LogSink, start: (sink: LogSink) => Promise<ExecutionHandle | null>): Promise<ExecutionHandle | null> {
  const x = xcomFromLines((line) => log.write(line));
  const handle = await start({ write: x.write });
  if (handle === null) return null;
  return {
    externalId: handle.externalId,
    cancel: (reason) => handle.cancel(reason),
    result: handle.result.then((r) => {
      const got = x.value();
      return r.outcome === 'success' && got.found ? { ...r, xcom: got.value } : r;
    }),
  };
}

export class KubernetesExecutor implements Executor {
  readonly name = 'kubernetes';
  readonly runtime: KubeRuntime;
  readonly pods: PodExecutor;
  readonly spark: SparkExecutor;

  /** `kc`: a loaded KubeConfig (`loadFromDefault()` honours $KUBECONFIG and in-cluster service accounts). */
  /** `metrics`: Kubernetes API requests and pod launch latency are counted there. */
  constructor(kc: k8s.KubeConfig, options: Partial<KubernetesOptions> = {}, deps: { metrics?: Metrics } = {}) {
    this.runtime = new KubeRuntime(kc, compileKubernetesOptions(options), deps.metrics);
    this.pods = new PodExecutor(this.runtime);
    this.spark = new SparkExecutor(this.runtime);
  }

  private route(launch: TaskLaunch): Executor | null {
    switch (launch.task.kind) {
      case 'empty': return null;
      case 'pod':
      case 'bash':
      case 'python': return this.pods;
      case 'spark': return this.spark;
      default: { const never: never = launch.task.kind; throw new ExecutorError('UNSUPPORTED_TASK', `unknown task kind ${String(never)}`); }
    }
  }

  async start(launch: TaskLaunch, log: LogSink): Promise<ExecutionHandle> {
    const ex = this.route(launch);
    if (ex === null) return { result: Promise.resolve({ outcome: 'success', exitCode: null, reason: null }), cancel: async () => {}, externalId: null };
    if (launch.task.kind === 'python') return (await withXComFromLog(log, (sink) => ex.start(launch, sink)))!;
    return ex.start(launch, log);
  }

  async adopt(launch: TaskLaunch, externalId: string, log: LogSink): Promise<ExecutionHandle | null> {
    if (externalId.startsWith('pod:') && launch.task.kind === 'python') return withXComFromLog(log, (sink) => this.pods.adopt(launch, externalId, sink));
    if (externalId.startsWith('pod:')) return this.pods.adopt(launch, externalId, log);
    if (externalId.startsWith('sparkapplication:')) return this.spark.adopt(launch, externalId, log);
    return null;
  }

  /**
   * Stops watching and following. Pods and apps of tries that were not cancelled first keep running: a worker
   * shutting down cancels what it must stop and hands the rest over for adoption (unlike a local process, a
   * pod outlives its worker).
   */
  async close(): Promise<void> {
    this.abandon();
  }

  /** Lets go of every try as a worker that dies would: watches stop, pods and apps keep running. */
  abandon(): void {
    this.pods.abandon();
    this.spark.abandon();
    this.runtime.close();
  }
}
