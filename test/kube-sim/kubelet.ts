/**
 * The simulated scheduler + kubelet: drives every pod through Pending → Running → Succeeded/Failed
 * according to its containers' behaviour (behaviour.ts), writing each transition through the store so that
 * it bumps the resourceVersion and reaches watchers as MODIFIED, as kwok chains its stages.
 *
 * Contract:
 * - Pods are treated as restartPolicy Never: a container runs once (no CrashLoopBackOff).
 * - Graceful deletion (deletionTimestamp set by the API): running containers get SIGTERM, exit 143 after
 *   their sigterm delay (137 if the grace period runs out first), the status is written, then the pod is
 *   removed (DELETED). A pod deleted for good stops at once and its logs are gone (404).
 * - Writes never happen synchronously inside a store listener (they are deferred), so every listener sees
 *   changes in resourceVersion order.
 */
import { setImmediate as nextTick } from 'node:timers/promises';
import { resolveBehaviour, type ContainerBehaviour, type ImageRule } from './behaviour.ts';
import { EventRecorder } from './events.ts';
import { ContainerLog } from './logs.ts';
import { missingClaim, missingEnvSource, missingVolumeSource } from './pod-refs.ts';
import { PODS } from './resources.ts';
import { schedule, type NodeOption } from './scheduler.ts';
import { nowIso, type Change, type Store } from './store.ts';
import { isAbort, sleep, untilAborted } from './timing.ts';
import type { ContainerStatus, Pod, PodCondition } from './types.ts';

/** Mutable at run time through the instrumentation API. */
export interface KubeletSettings {
  defaults: ContainerBehaviour;
  imageRules: ImageRule[];
  nodes: NodeOption[];
}

interface PodRun {
  uid: string;
  abort: AbortController;
  logs: Map<string, ContainerLog>;
  behaviours: Map<string, ContainerBehaviour>;
  terminating: boolean;
}

const SIGTERM_EXIT = 143;
/** How often a pod blocked on a missing ConfigMap, Secret or claim looks again. */
const REF_RETRY_MS = 200;
const SIGKILL_EXIT = 137;

function podKey(ns: string, name: string): string {
  return `${ns}/${name}`;
}

export class Kubelet {
  readonly #store: Store;
  readonly #settings: KubeletSettings;
  readonly #runs = new Map<string, PodRun>();
  readonly #onError: (err: unknown) => void;
  readonly #onLog: () => void;
  readonly #events: EventRecorder;
  /** Aborted by stop(): ends graceful terminations still waiting out a sigterm delay. */
  readonly #shutdown = new AbortController();
  #unsubscribe: (() => void) | null = null;
  #nextNode = 0;
  #ipCounter = 2;

  constructor(store: Store, settings: KubeletSettings, onError: (err: unknown) => void, onLog: () => void) {
    this.#store = store;
    this.#settings = settings;
    this.#onError = onError;
    this.#onLog = onLog;
    this.#events = new EventRecorder(store);
  }

  readonly #lostNodes = new Set<string>();

  start(): void {
    this.#unsubscribe = this.#store.subscribe((c) => this.#onChange(c));
  }

  stop(): void {
    this.#unsubscribe?.();
    this.#shutdown.abort();
    for (const run of this.#runs.values()) {
      run.abort.abort();
      for (const log of run.logs.values()) log.end();
    }
    this.#runs.clear();
  }

  /**
   * A node stops answering (its kubelet is gone): the node controller marks its pods `Unknown`, reason
   * `NodeLost`, `Ready=False`, with a `NodeNotReady` event; nothing on it runs or logs any more, a graceful
   * delete leaves the pod Terminating (only a forced one removes it), and the scheduler avoids the node
   * (the `node.kubernetes.io/unreachable:NoSchedule` taint).
   */
  loseNode(node: string): void {
    this.#lostNodes.add(node);
    for (const [k, run] of this.#runs) {
      const [ns, name] = k.split('/') as [string, string];
      const pod = this.#store.get<Pod>(PODS.plural, ns, name);
      if (pod?.spec.nodeName !== node || pod.status.phase === 'Succeeded' || pod.status.phase === 'Failed') continue;
      run.terminating = true;
      run.abort.abort();
      for (const log of run.logs.values()) log.end();
      const now = nowIso();
      const lost = this.#store.update<Pod>(PODS.plural, PODS.ref, ns, name, (p) => {
        p.status.phase = 'Unknown';
        p.status.reason = 'NodeLost';
        p.status.message = `Node ${node} which was running pod ${name} is unresponsive`;
        p.status.conditions = (p.status.conditions ?? []).map((c) => (c.type === 'Ready' || c.type === 'ContainersReady' ? { ...c, status: 'False', reason: 'NodeLost', lastTransitionTime: now } : c));
      });
      this.#events.record(lost, 'Warning', 'NodeNotReady', 'Node is not ready', { component: 'node-controller' });
    }
  }

  /** The log of a container of a live pod (undefined once the pod is gone). */
  logOf(namespace: string, pod: string, container: string): ContainerLog | undefined {
    return this.#runs.get(podKey(namespace, pod))?.logs.get(container);
  }

  #onChange(c: Change): void {
    if (c.resource !== PODS.plural) return;
    const pod = c.object as Pod;
    const k = podKey(pod.metadata.namespace, pod.metadata.name);
    if (c.type === 'ADDED') {
      const run: PodRun = { uid: pod.metadata.uid as string, abort: new AbortController(), logs: new Map(), behaviours: new Map(), terminating: false };
      for (const ctr of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) run.logs.set(ctr.name, new ContainerLog(this.#onLog));
      this.#runs.set(k, run);
      this.#guard(this.#run(pod, run));
    } else if (c.type === 'DELETED') {
      const run = this.#runs.get(k);
      if (run === undefined || run.uid !== pod.metadata.uid) return;
      this.#runs.delete(k);
      this.#events.forget(run.uid);
      run.abort.abort();
      for (const log of run.logs.values()) log.end();
    } else if (pod.metadata.deletionTimestamp !== undefined) {
      const run = this.#runs.get(k);
      if (run === undefined || run.terminating) return;
      run.terminating = true;
      run.abort.abort();
      this.#guard(this.#terminate(pod, run));
    }
  }

  #guard(p: Promise<void>): void {
    p.catch((err: unknown) => {
      if (!isAbort(err)) this.#onError(err);
    });
  }

  /** Applies `mutate` to the live pod (same uid), recomputing phase and conditions; null when it is gone. */
  #update(pod: Pod, mutate: (p: Pod) => void): Pod | null {
    const live = this.#store.get<Pod>(PODS.plural, pod.metadata.namespace, pod.metadata.name);
    if (live === undefined || live.metadata.uid !== pod.metadata.uid) return null;
    return this.#store.update<Pod>(PODS.plural, PODS.ref, pod.metadata.namespace, pod.metadata.name, (p) => {
      mutate(p);
      refreshPodStatus(p);
    });
  }

  #event(pod: Pod, type: 'Normal' | 'Warning', reason: string, message: string, component = 'kubelet'): void {
    const host = pod.spec.nodeName;
    this.#events.record(pod, type, reason, message, host === undefined ? { component } : { component, host });
  }

  #setContainer(pod: Pod, name: string, change: Partial<ContainerStatus>): Pod | null {
    return this.#update(pod, (p) => {
      const list = p.status.containerStatuses ?? [];
      const i = list.findIndex((s) => s.name === name);
      if (i >= 0) list[i] = { ...list[i], ...change } as ContainerStatus;
    });
  }

  async #run(created: Pod, run: PodRun): Promise<void> {
    const signal = run.abort.signal;
    const annotations = created.metadata.annotations ?? {};
    // A Deployment's pods are servers: they run until deleted unless their annotations say otherwise.
    const served = (created.metadata.ownerReferences ?? []).some((r) => r.kind === 'Deployment' || r.kind === 'ReplicaSet');
    const defaults = served ? { ...this.#settings.defaults, runMs: null } : this.#settings.defaults;
    for (const c of created.spec.containers) {
      const r = resolveBehaviour(defaults, this.#settings.imageRules, annotations, created.metadata.name, c.name, c.image ?? '');
      // A bad sim annotation shows up as the container's CreateContainerConfigError message.
      run.behaviours.set(c.name, r.ok ? r.behaviour : { ...this.#settings.defaults, configError: `kube-sim: ${r.error}` });
    }
    const behaviours = [...run.behaviours.values()];
    await nextTick();
    const needsScheduling = created.spec.nodeName === undefined;
    let node = created.spec.nodeName;
    if (needsScheduling) {
      await sleep(Math.max(...behaviours.map((b) => b.scheduleDelayMs)), signal);
      const nodes = this.#settings.nodes.length;
      await this.#until(() => missingClaim(this.#store, created), (why) => this.#unschedulable(created,
        `0/${nodes} nodes are available: ${why}. preemption: 0/${nodes} nodes are available: ${nodes} Preemption is not helpful for scheduling.`), signal);
      await this.#until(() => {
        const placed = schedule(created, this.#settings.nodes, this.#boundPods(created), this.#nextNode, this.#lostNodes);
        if ('node' in placed) {
          node = placed.node;
          return null;
        }
        return placed.unschedulable;
      }, (message) => this.#unschedulable(created, message), signal);
      this.#nextNode++;
      const unschedulable = behaviours.find((b) => b.unschedulable !== null)?.unschedulable;
      if (unschedulable !== undefined && unschedulable !== null) {
        const pending = this.#update(created, (p) => {
          p.status.conditions = [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: unschedulable, lastProbeTime: null as unknown as string, lastTransitionTime: nowIso() }];
        });
        if (pending !== null) this.#event(pending, 'Warning', 'FailedScheduling', unschedulable, 'default-scheduler');
        return;
      }
    }
    const bound = this.#bind(created, node as string);
    if (bound === null) return;
    // Init containers ran to completion at binding (see #bind): their logs are all there, and ended.
    for (const c of created.spec.initContainers ?? []) {
      const r = resolveBehaviour(defaults, this.#settings.imageRules, annotations, created.metadata.name, c.name, c.image ?? '');
      const log = run.logs.get(c.name) as ContainerLog;
      if (r.ok) for (const line of r.behaviour.logLines) log.append(line);
      log.end();
    }
    if (needsScheduling) {
      this.#event(bound, 'Normal', 'Scheduled', `Successfully assigned ${bound.metadata.namespace}/${bound.metadata.name} to ${bound.spec.nodeName}`, 'default-scheduler');
    }
    await this.#until(() => missingVolumeSource(this.#store, bound), (why) => this.#event(bound, 'Warning', 'FailedMount', why), signal);
    await Promise.all(bound.spec.containers.map((c) => this.#runContainer(bound, c.name, c.image ?? '', run)));
  }

  /**
   * Retries `check` until it returns null (what was missing now exists), reporting each new reason
   * once: the scheduler and the kubelet retry such pods for ever, as upstream does.
   */
  async #until(check: () => string | null, report: (why: string) => void, signal: AbortSignal): Promise<void> {
    let last: string | null = null;
    for (let why = check(); why !== null; why = check()) {
      if (why !== last) report(why);
      last = why;
      await sleep(REF_RETRY_MS, signal);
    }
  }

  /** Pods holding a node's resources: bound and not finished. */
  #boundPods(except: Pod): Pod[] {
    return this.#store.list<Pod>(PODS.plural).filter((p) => p.spec.nodeName !== undefined && p.metadata.uid !== except.metadata.uid &&
      p.status.phase !== 'Succeeded' && p.status.phase !== 'Failed');
  }

  /** PodScheduled=False with the scheduler's message, and its FailedScheduling event. */
  #unschedulable(pod: Pod, message: string): void {
    const pending = this.#update(pod, (p) => {
      p.status.conditions = [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message, lastProbeTime: null as unknown as string, lastTransitionTime: nowIso() }];
    });
    if (pending !== null) this.#event(pending, 'Warning', 'FailedScheduling', message, 'default-scheduler');
  }

  #bind(pod: Pod, node: string): Pod | null {
    const ip = this.#ipCounter++;
    const now = nowIso();
    return this.#update(pod, (p) => {
      p.spec.nodeName = node;
      p.status.hostIP = '10.0.0.10';
      p.status.hostIPs = [{ ip: '10.0.0.10' }];
      p.status.podIP = `10.244.${Math.floor(ip / 250) % 250}.${(ip % 250) + 2}`;
      p.status.podIPs = [{ ip: p.status.podIP }];
      p.status.startTime = now;
      // Init containers are not simulated beyond having completed at once (their log lines are written after binding).
      if (p.spec.initContainers !== undefined && p.spec.initContainers.length > 0) {
        p.status.initContainerStatuses = p.spec.initContainers.map((c) => ({
          name: c.name, image: c.image ?? '', imageID: '', ready: true, restartCount: 0, started: false,
          state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: now, finishedAt: now } },
        }));
      }
      p.status.containerStatuses = p.spec.containers.map((c) => ({
        name: c.name, image: c.image ?? '', imageID: '', ready: false, restartCount: 0, started: false,
        state: { waiting: { reason: 'ContainerCreating' } },
      }));
      p.status.conditions = [condition('PodScheduled', 'True', now)];
    });
  }

  async #runContainer(pod: Pod, name: string, image: string, run: PodRun): Promise<void> {
    const b = run.behaviours.get(name) as ContainerBehaviour;
    const signal = run.abort.signal;
    const log = run.logs.get(name) as ContainerLog;
    await this.#until(() => missingEnvSource(this.#store, pod, name), (why) => {
      const p = this.#setContainer(pod, name, { state: { waiting: { reason: 'CreateContainerConfigError', message: why } } });
      if (p !== null) this.#event(p, 'Warning', 'Failed', `Error: ${why}`);
    }, signal);
    if (b.configError !== null) {
      const p = this.#setContainer(pod, name, { state: { waiting: { reason: 'CreateContainerConfigError', message: b.configError } } });
      if (p !== null) this.#event(p, 'Warning', 'Failed', `Error: ${b.configError}`);
      return;
    }
    if (b.imagePull === 'InvalidImageName') {
      const message = b.imagePullMessage ?? `Failed to apply default image tag "${image}": couldn't parse image name "${image}": invalid reference format`;
      const p = this.#setContainer(pod, name, { state: { waiting: { reason: 'InvalidImageName', message } } });
      if (p !== null) this.#event(p, 'Warning', 'InspectFailed', message);
      return;
    }
    if (b.imagePull === 'ErrImagePull') {
      const pullMessage = b.imagePullMessage ?? `failed to pull and unpack image "${image}": failed to resolve reference "${image}": not found`;
      for (;;) {
        this.#event(pod, 'Normal', 'Pulling', `Pulling image "${image}"`);
        const p = this.#setContainer(pod, name, { state: { waiting: { reason: 'ErrImagePull', message: pullMessage } } });
        if (p !== null) {
          this.#event(p, 'Warning', 'Failed', `Failed to pull image "${image}": ${pullMessage}`);
          this.#event(p, 'Warning', 'Failed', 'Error: ErrImagePull');
        }
        await sleep(b.pullBackoffMs, signal);
        const q = this.#setContainer(pod, name, { state: { waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"` } } });
        if (q !== null) {
          this.#event(q, 'Normal', 'BackOff', `Back-off pulling image "${image}"`);
          this.#event(q, 'Warning', 'Failed', 'Error: ImagePullBackOff');
        }
        await sleep(b.pullBackoffMs, signal);
      }
    }
    await sleep(b.startDelayMs, signal);
    const startedAt = nowIso();
    const startMs = Date.now();
    const running = this.#setContainer(pod, name, { ready: true, started: true, containerID: `containerd://${randomHex()}`, imageID: `${image}@sha256:${randomHex()}`, state: { running: { startedAt } } });
    if (running === null) return;
    this.#event(running, 'Normal', 'Pulled', `Container image "${image}" already present on machine`);
    this.#event(running, 'Normal', 'Created', `Created container ${name}`);
    this.#event(running, 'Normal', 'Started', `Started container ${name}`);
    for (let i = 0; i < b.logLines.length; i++) {
      if (i > 0) await sleep(b.logIntervalMs, signal);
      log.append(b.logLines[i] as string);
    }
    const runMs = b.runMs;
    if (runMs === null) return untilAborted(signal);
    await sleep(runMs - (Date.now() - startMs), signal);
    const exitCode = b.oomKilled ? SIGKILL_EXIT : b.exitCode;
    const reason = b.terminationReason ?? (b.oomKilled ? 'OOMKilled' : exitCode === 0 ? 'Completed' : 'Error');
    this.#terminateContainer(running, name, exitCode, reason, b.terminationMessage, run);
  }

  #terminateContainer(pod: Pod, name: string, exitCode: number, reason: string, message: string | null, run: PodRun): void {
    this.#update(pod, (draft) => {
      const s = draft.status.containerStatuses?.find((x) => x.name === name);
      if (s === undefined || s.state?.terminated !== undefined) return;
      const startedAt = s.state?.running?.startedAt;
      s.state = { terminated: { exitCode, reason, ...(message === null ? {} : { message }), startedAt: startedAt ?? nowIso(), finishedAt: nowIso(), ...(s.containerID === undefined ? {} : { containerID: s.containerID }) } };
      s.ready = false;
      s.started = false;
    });
    run.logs.get(name)?.end();
  }

  /** Graceful deletion: SIGTERM, wait for the containers (bounded by the grace period), then remove the pod. */
  async #terminate(pod: Pod, run: PodRun): Promise<void> {
    await nextTick();
    const graceMs = (pod.metadata.deletionGracePeriodSeconds ?? 0) * 1000;
    const running = (pod.status.containerStatuses ?? []).filter((s) => s.state?.running !== undefined);
    for (const s of running) this.#event(pod, 'Normal', 'Killing', `Stopping container ${s.name}`);
    await Promise.all(running.map(async (s) => {
      const b = run.behaviours.get(s.name);
      const delay = b?.sigtermDelayMs ?? 0;
      await sleep(Math.min(delay, graceMs), this.#shutdown.signal);
      this.#terminateContainer(pod, s.name, delay > graceMs ? SIGKILL_EXIT : SIGTERM_EXIT, 'Error', null, run);
    }));
    const live = this.#store.get<Pod>(PODS.plural, pod.metadata.namespace, pod.metadata.name);
    if (live !== undefined && live.metadata.uid === pod.metadata.uid && (live.metadata.finalizers ?? []).length === 0) {
      this.#store.remove(PODS.plural, PODS.ref, pod.metadata.namespace, pod.metadata.name);
    }
  }
}

function randomHex(): string {
  return Array.from({ length: 4 }, () => Math.floor(Math.random() * 2 ** 32).toString(16).padStart(8, '0')).join('');
}

function condition(type: string, status: 'True' | 'False', now: string, reason?: string, message?: string): PodCondition {
  return { type, status, lastProbeTime: null as unknown as string, lastTransitionTime: now, ...(reason === undefined ? {} : { reason }), ...(message === undefined ? {} : { message }) };
}

/**
 * Derives phase and the Initialized/ContainersReady/Ready conditions from the container statuses, keeping
 * lastTransitionTime when a condition's status did not change (restartPolicy Never semantics).
 */
export function refreshPodStatus(p: Pod): void {
  const statuses = p.status.containerStatuses;
  if (statuses === undefined || statuses.length === 0) return;
  const terminated = statuses.filter((s) => s.state?.terminated !== undefined);
  const started = statuses.filter((s) => s.state?.running !== undefined || s.state?.terminated !== undefined);
  let phase: NonNullable<Pod['status']['phase']>;
  if (terminated.length === statuses.length) phase = terminated.every((s) => s.state?.terminated?.exitCode === 0) ? 'Succeeded' : 'Failed';
  else if (started.length === statuses.length) phase = 'Running';
  else phase = 'Pending';
  p.status.phase = phase;
  const allReady = statuses.every((s) => s.ready === true);
  const notReady = statuses.filter((s) => s.ready !== true).map((s) => s.name);
  const done = phase === 'Succeeded' || phase === 'Failed';
  const now = nowIso();
  const wanted: PodCondition[] = [
    condition('PodReadyToStartContainers', done ? 'False' : 'True', now),
    condition('Initialized', 'True', now),
    allReady ? condition('Ready', 'True', now) : condition('Ready', 'False', now, done ? 'PodCompleted' : 'ContainersNotReady', done ? undefined : `containers with unready status: [${notReady.join(' ')}]`),
    allReady ? condition('ContainersReady', 'True', now) : condition('ContainersReady', 'False', now, done ? 'PodCompleted' : 'ContainersNotReady', done ? undefined : `containers with unready status: [${notReady.join(' ')}]`),
    condition('PodScheduled', 'True', now),
  ];
  const old = p.status.conditions ?? [];
  p.status.conditions = wanted.map((c) => {
    const prev = old.find((o) => o.type === c.type);
    return prev !== undefined && prev.status === c.status && prev.reason === c.reason && prev.message === c.message ? prev : c;
  });
}
