/**
 * The pod executor: container tasks (KubernetesPodOperator, K8sOperator, @task.kubernetes arguments) and bash
 * tasks run as one pod per try. Creating is idempotent: the name is fixed per try and carries a launch id, so
 * a create retried after a lost answer (409 with our launch id) or a pod left by the same try is taken over,
 * never duplicated. `adopt` takes over a pod a dead worker launched: it relabels it to this worker (one
 * patch), then follows it like its own, skipping the log lines the metastore already holds.
 */
import { randomUUID } from 'node:crypto';
import type { ExecutionHandle, Executor, LogSink, TaskLaunch } from '../types.ts';
import { ExecutorError } from '../types.ts';
import { statusOf } from './gate.ts';
import { LAUNCH_ANNOTATION, makeSafeLabelValue, WORKER_LABEL } from './labels.ts';
import { buildPod, type PodPlan } from './pod-spec.ts';
import { PodTry } from './pod-try.ts';
import type { KubeRuntime } from './runtime.ts';
import { StoredLogMatcher } from './adoption.ts';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- API objects as received

export class PodExecutor implements Executor {
  readonly name = 'kubernetes';
  private readonly rt: KubeRuntime;
  private readonly running = new Set<PodTry>();
  /** Pods created (successful create calls), for tests and benchmarks. */
  creates = 0;

  constructor(rt: KubeRuntime) { this.rt = rt; }

  async start(launch: TaskLaunch, log: LogSink): Promise<ExecutionHandle> {
    const plan = buildPod(launch, this.rt.options, randomUUID());
    const existing = await this.create(plan, launch, log);
    const createdAt = existing?.metadata?.creationTimestamp ? new Date(existing.metadata.creationTimestamp).getTime() : Date.now();
    return this.follow(plan, launch, log, createdAt);
  }

  async adopt(launch: TaskLaunch, externalId: string, log: LogSink): Promise<ExecutionHandle | null> {
    const m = /^pod:([^/]+)\/(.+)$/.exec(externalId);
    if (!m) return null;
    const [, namespace, name] = m as unknown as [string, string, string];
    const plan = { ...buildPod(launch, this.rt.options, randomUUID()), namespace, name };
    let pod: Obj;
    try {
      pod = await this.rt.gate.call(() => this.rt.core.readNamespacedPod({ name, namespace })) as Obj;
    } catch (err) {
      if (statusOf(err) === 404) return null;
      throw new ExecutorError('API_ERROR', `could not read pod ${namespace}/${name}: ${(err as Error).message.split('\n')[0]}`, { cause: err });
    }
    if (pod.metadata?.deletionTimestamp) return null;
    await this.relabel(namespace, name, launch.workerId);
    const matcher = new StoredLogMatcher(launch.storedLog ?? [], launch.maskLine);
    log.write(`Adopted pod ${namespace}/${name} (launched by ${String(pod.metadata?.labels?.[WORKER_LABEL] ?? 'unknown')}); resuming its log after the lines already stored`);
    return this.follow(plan, launch, log, new Date(pod.metadata?.creationTimestamp ?? Date.now()).getTime(), (l) => matcher.seen(l));
  }

  /** Stops following; tries not cancelled before keep running on the cluster, for another worker to adopt. */
  async close(): Promise<void> {
    this.abandon();
  }

  /** Stops following every try without touching its pod (what a dying worker leaves behind): for tests of adoption. */
  abandon(): void {
    for (const t of this.running) t.detach();
    this.running.clear();
  }

  private async follow(plan: PodPlan, launch: TaskLaunch, log: LogSink, createdAt: number, seen?: (line: string) => boolean): Promise<ExecutionHandle> {
    const t: PodTry = new PodTry(this.rt, log, { plan, workerId: launch.workerId, timeoutMs: launch.timeoutMs, createdAt, seen, onDone: () => this.running.delete(t) });
    this.running.add(t);
    await t.begin();
    return t.handle;
  }

  /** Creates the pod; returns the existing pod when this try's pod was already there. */
  private async create(plan: PodPlan, launch: TaskLaunch, log: LogSink): Promise<Obj | null> {
    log.write(`Creating pod ${plan.namespace}/${plan.name} (image ${String((plan.pod as Obj).spec?.containers?.[0]?.image ?? '?')})`);
    try {
      await this.rt.gate.call(() => this.rt.core.createNamespacedPod({ namespace: plan.namespace, body: plan.pod as never }), 'create');
      this.creates++;
      return null;
    } catch (err) {
      if (statusOf(err) !== 409) throw new ExecutorError('LAUNCH_FAILED', `could not create pod ${plan.namespace}/${plan.name}: ${apiMessage(err)}`, { cause: err });
    }
    // 409: our own create whose answer was lost, or a pod this same try left behind (a worker that died).
    const pod = await this.rt.gate.call(() => this.rt.core.readNamespacedPod({ name: plan.name, namespace: plan.namespace })) as Obj;
    const want = (plan.pod as Obj).metadata.labels as Record<string, string>;
    const have = (pod.metadata?.labels ?? {}) as Record<string, string>;
    if (['dag_id', 'task_id', 'run_id', 'try_number', 'map_index'].some((k) => have[k] !== want[k])) {
      // A fixed name (random_name_suffix=False) taken by another try's pod: as Airflow, the create fails.
      throw new ExecutorError('LAUNCH_FAILED', `could not create pod ${plan.namespace}/${plan.name}: a pod of that name already exists for another task or try`);
    }
    const ours = pod.metadata?.annotations?.[LAUNCH_ANNOTATION] === (plan.pod as Obj).metadata.annotations[LAUNCH_ANNOTATION];
    if (!ours) {
      log.write(`Pod ${plan.name} already exists for this try; reattaching to it`);
      await this.relabel(plan.namespace, plan.name, launch.workerId);
    }
    return pod;
  }

  private async relabel(namespace: string, name: string, workerId: string): Promise<void> {
    const patch = [{ op: 'replace', path: `/metadata/labels/${WORKER_LABEL}`, value: makeSafeLabelValue(workerId) }];
    await this.rt.gate.call(() => this.rt.core.patchNamespacedPod({ name, namespace, body: patch }), 'write');
  }
}

export function apiMessage(err: unknown): string {
  const body = (err as { body?: unknown }).body;
  if (typeof body === 'string') {
    try { return String((JSON.parse(body) as { message?: string }).message ?? body); } catch { return body; }
  }
  return (err as Error).message.split('\n')[0] ?? String(err);
}
