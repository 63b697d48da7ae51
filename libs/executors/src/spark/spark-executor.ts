/**
 * The Spark executor: a task of kind `spark` (SparkKubernetesOperator, SparK8sOperator) runs as one
 * SparkApplication per try. A leftover app of the same name (this try's, from a worker that died without
 * being adopted) is deleted first, and its driver pod awaited gone, so a re-run never fails with 409
 * AlreadyExists; our own create retried after a lost answer is recognised by its launch id and kept.
 */
import { randomUUID } from 'node:crypto';
import type { ExecutionHandle, Executor, LogSink, TaskLaunch } from '../types.ts';
import { ExecutorError } from '../types.ts';
import { statusOf } from '../kubernetes/gate.ts';
import { LAUNCH_ANNOTATION, makeSafeLabelValue, WORKER_LABEL } from '../kubernetes/labels.ts';
import { SPARK_GROUP, SPARK_PLURAL, SPARK_VERSION, type KubeRuntime } from '../kubernetes/runtime.ts';
import { StoredLogMatcher } from '../kubernetes/adoption.ts';
import { apiMessage } from '../kubernetes/pod-executor.ts';
import { buildSparkApp, type SparkPlan } from './spark-spec.ts';
import { SparkTry } from './spark-try.ts';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- API objects as received

export class SparkExecutor implements Executor {
  readonly name = 'kubernetes';
  private readonly rt: KubeRuntime;
  private readonly running = new Set<SparkTry>();
  creates = 0;

  constructor(rt: KubeRuntime) { this.rt = rt; }

  private get api() {
    return this.rt.custom;
  }

  private ref(plan: { namespace: string; name: string }) {
    return { group: SPARK_GROUP, version: SPARK_VERSION, namespace: plan.namespace, plural: SPARK_PLURAL, name: plan.name };
  }

  async start(launch: TaskLaunch, log: LogSink): Promise<ExecutionHandle> {
    const plan = buildSparkApp(launch, this.rt.options, randomUUID());
    const app = plan.app as Obj;
    log.write(`Submitting SparkApplication ${plan.namespace}/${plan.name} (image ${String(app.spec?.image ?? app.spec?.driver?.image ?? '?')}, ${String(app.spec?.mainApplicationFile ?? '')})`);
    for (let attempt = 0; ; attempt++) {
      try {
        await this.rt.gate.call(() => this.api.createNamespacedCustomObject({ group: SPARK_GROUP, version: SPARK_VERSION, namespace: plan.namespace, plural: SPARK_PLURAL, body: plan.app }), 'create');
        this.creates++;
        break;
      } catch (err) {
        if (statusOf(err) !== 409 || attempt >= 2) throw new ExecutorError('LAUNCH_FAILED', `could not create SparkApplication ${plan.namespace}/${plan.name}: ${apiMessage(err)}`, { cause: err });
      }
      const existing = await this.rt.gate.call(() => this.api.getNamespacedCustomObject(this.ref(plan))) as Obj;
      if (existing.metadata?.annotations?.[LAUNCH_ANNOTATION] === app.metadata.annotations[LAUNCH_ANNOTATION]) break;
      log.write(`A SparkApplication named ${plan.name} is left from an earlier launch of this try; deleting it first`);
      await this.deleteAndWait(plan);
    }
    return this.follow(plan, launch, log, Date.now());
  }

  async adopt(launch: TaskLaunch, externalId: string, log: LogSink): Promise<ExecutionHandle | null> {
    const m = /^sparkapplication:([^/]+)\/(.+)$/.exec(externalId);
    if (!m) return null;
    const built = buildSparkApp(launch, this.rt.options, randomUUID());
    const plan: SparkPlan = { ...built, namespace: m[1]!, name: m[2]! };
    let app: Obj;
    try {
      app = await this.rt.gate.call(() => this.api.getNamespacedCustomObject(this.ref(plan))) as Obj;
    } catch (err) {
      if (statusOf(err) === 404) return null;
      throw new ExecutorError('API_ERROR', `could not read SparkApplication ${plan.namespace}/${plan.name}: ${apiMessage(err)}`, { cause: err });
    }
    if (app.metadata?.deletionTimestamp) return null;
    plan.driverPod = app.status?.driverInfo?.podName ?? plan.driverPod;
    const patch = [{ op: 'replace', path: `/metadata/labels/${WORKER_LABEL}`, value: makeSafeLabelValue(launch.workerId) }];
    await this.rt.gate.call(() => this.api.patchNamespacedCustomObject({ ...this.ref(plan), body: patch }), 'write');
    // The driver carries spec.driver.labels, the dead worker's: relabel it (now, or once it exists) so this worker's pod watch sees it.
    const relabelDriver = async (): Promise<boolean> => {
      try {
        await this.rt.gate.call(() => this.rt.core.patchNamespacedPod({ name: plan.driverPod, namespace: plan.namespace, body: patch }), 'write');
        return true;
      } catch (err) {
        if (statusOf(err) === 404) return false;
        throw err;
      }
    };
    const driverTaken = await relabelDriver();
    const matcher = new StoredLogMatcher(launch.storedLog ?? [], launch.maskLine);
    log.write(`Adopted SparkApplication ${plan.namespace}/${plan.name}; resuming the driver's log after the lines already stored`);
    return this.follow(plan, launch, log, new Date(app.metadata?.creationTimestamp ?? Date.now()).getTime(), (l) => matcher.seen(l), driverTaken ? undefined : relabelDriver);
  }

  /** Stops following; tries not cancelled before keep running on the cluster, for another worker to adopt. */
  async close(): Promise<void> {
    this.abandon();
  }

  abandon(): void {
    for (const t of this.running) t.detach();
    this.running.clear();
  }

  private async follow(plan: SparkPlan, launch: TaskLaunch, log: LogSink, createdAt: number, seen?: (l: string) => boolean, relabelDriver?: () => Promise<boolean>): Promise<ExecutionHandle> {
    const t: SparkTry = new SparkTry(this.rt, log, { plan, workerId: launch.workerId, timeoutMs: launch.timeoutMs, createdAt, seen, relabelDriver, onDone: () => this.running.delete(t) });
    this.running.add(t);
    await t.begin();
    return t.handle;
  }

  /** Deletes an app and waits until it and its driver pod are gone (the operator would otherwise see the old driver). */
  private async deleteAndWait(plan: SparkPlan): Promise<void> {
    try {
      await this.rt.gate.call(() => this.api.deleteNamespacedCustomObject(this.ref(plan)), 'write');
    } catch (err) {
      if (statusOf(err) !== 404) throw err;
    }
    const gone = async (read: () => Promise<unknown>) => {
      try { await this.rt.gate.call(read); return false; } catch (err) { if (statusOf(err) === 404) return true; throw err; }
    };
    const deadline = Date.now() + 60_000;
    while (!(await gone(() => this.api.getNamespacedCustomObject(this.ref(plan)))) || !(await gone(() => this.rt.core.readNamespacedPod({ name: plan.driverPod, namespace: plan.namespace })))) {
      if (Date.now() > deadline) throw new ExecutorError('LAUNCH_FAILED', `the leftover SparkApplication ${plan.name} or its driver was not gone after 60 s`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
