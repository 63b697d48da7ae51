/**
 * The simulator: wires the store, API semantics, watch hub, kubelet, Spark operator and namespace
 * controller behind one node:http server, and exposes the instrumentation tests use in-process.
 */
import { EventEmitter } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { admissionPlugins } from './admission-plugins.ts';
import { Api } from './api.ts';
import { checkPartialBehaviour, type ContainerBehaviour } from './behaviour.ts';
import { handleControl } from './control.ts';
import { DeploymentController } from './deployments.ts';
import { KubeSimError } from './errors.ts';
import { Faults, type CountersSnapshot, type FaultMatch, type InjectedError, type Verb } from './faults.ts';
import { Kubelet, type KubeletSettings } from './kubelet.ts';
import { kubeconfigYaml, type KubeconfigOptions } from './kubeconfig.ts';
import { NamespaceController } from './namespaces.ts';
import { compileKubeSimOptions, toImageRule, type CompiledKubeSimOptions, type KubeSimOptions } from './options.ts';
import { LogStreams } from './pod-log.ts';
import { Quotas } from './quota.ts';
import { DEPLOYMENTS, EVENTS, NAMESPACED_BUILTINS, NAMESPACES, PODS, sparkApplicationsType, type ResourceType } from './resources.ts';
import { handleApi, type RouteContext } from './routes.ts';
import { loadSparkCrd } from './spark-schema.ts';
import { SparkOperator } from './spark-operator.ts';
import { Store } from './store.ts';
import type { KubeObject, Pod, SparkApplication } from './types.ts';
import { WatchHub } from './watch-hub.ts';

export interface WaitForOptions {
  /** Default 10 000. */
  timeoutMs?: number;
  /** Named in the timeout error. */
  description?: string;
}

export class KubeSim {
  readonly url: string;
  readonly port: number;
  readonly #server: Server;
  readonly #store: Store;
  readonly #faults: Faults;
  readonly #watches: WatchHub;
  readonly #logStreams: LogStreams;
  readonly #kubelet: Kubelet;
  readonly #operator: SparkOperator;
  readonly #namespaces: NamespaceController;
  readonly #controllers: { start(): void; stop(): void }[];
  readonly #settings: KubeletSettings;
  readonly #spark: ResourceType;
  readonly #activity = new EventEmitter();
  #closed = false;

  private constructor(server: Server, port: number, parts: {
    store: Store; faults: Faults; watches: WatchHub; logStreams: LogStreams; kubelet: Kubelet; operator: SparkOperator;
    namespaces: NamespaceController; settings: KubeletSettings; spark: ResourceType; controllers: { start(): void; stop(): void }[];
  }) {
    this.#server = server;
    this.port = port;
    this.url = `http://127.0.0.1:${port}`;
    this.#store = parts.store;
    this.#faults = parts.faults;
    this.#watches = parts.watches;
    this.#logStreams = parts.logStreams;
    this.#kubelet = parts.kubelet;
    this.#operator = parts.operator;
    this.#namespaces = parts.namespaces;
    this.#controllers = parts.controllers;
    this.#settings = parts.settings;
    this.#spark = parts.spark;
    this.#activity.setMaxListeners(0);
    this.#store.subscribe(() => this.#activity.emit('tick'));
  }

  static async start(options: KubeSimOptions = {}): Promise<KubeSim> {
    const o: CompiledKubeSimOptions = compileKubeSimOptions(options);
    const crd = await loadSparkCrd(o.crdPath);
    const spark = sparkApplicationsType(crd);
    const store = new Store(o.watchWindow);
    const faults = new Faults();
    const settings: KubeletSettings = { defaults: o.defaultBehaviour, imageRules: o.imageRules, nodes: o.nodes };
    // Everything a namespace holds, in the order its deletion empties it (owners before what they own).
    const contents = [spark, DEPLOYMENTS, ...NAMESPACED_BUILTINS.filter((t) => t !== DEPLOYMENTS && t !== PODS && t !== EVENTS), PODS, EVENTS];
    const quotas = new Quotas(store, () => contents);
    const api = new Api(store, crd, (type, obj) => {
      if (type === PODS) faults.recordPodCreate(obj.metadata.namespace as string, obj.metadata.name);
    }, { admit: admissionPlugins(store, quotas), ownedTypes: () => contents });
    const activity = { notify: (): void => {} };
    const kubelet = new Kubelet(store, settings, o.onError, () => activity.notify());
    const watches = new WatchHub(store, o.bookmarkIntervalMs);
    const logStreams = new LogStreams();
    const operator = new SparkOperator(store, api, spark, o.spark, o.onError);
    const namespaces = new NamespaceController(store, api, contents, o.onError);
    const controllers = [quotas, new DeploymentController(store, api, o.onError)];
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(o.port, o.host, () => resolve());
    });
    const port = (server.address() as AddressInfo).port;
    const sim = new KubeSim(server, port, { store, faults, watches, logStreams, kubelet, operator, namespaces, settings, spark, controllers });
    activity.notify = () => sim.#activity.emit('tick');
    const ctx: RouteContext = {
      api, store, kubelet, watches, logStreams, faults, spark, printerColumns: crd.printerColumns, token: o.token,
      watchTimeoutMs: o.watchTimeoutMs, serverAddress: `${o.host}:${port}`, onError: o.onError,
      onActivity: () => sim.#activity.emit('tick'),
    };
    server.on('request', (req, res) => {
      const url = new URL(req.url ?? '/', 'http://kube-sim');
      const handled = url.pathname.startsWith('/_sim/') ? handleControl(req, res, url.pathname, sim) : handleApi(req, res, url, ctx);
      handled.catch((err: unknown) => {
        o.onError(err);
        if (!res.headersSent) res.writeHead(500).end();
      });
    });
    kubelet.start();
    operator.start();
    for (const c of controllers) c.start();
    namespaces.start(o.namespaces);
    return sim;
  }

  kubeconfigYaml(options: KubeconfigOptions = {}): string {
    return kubeconfigYaml(this.url, options);
  }

  async writeKubeconfig(path: string, options: KubeconfigOptions = {}): Promise<void> {
    await writeFile(path, this.kubeconfigYaml(options), { mode: 0o600 });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#activity.emit('close');
    this.#operator.stop();
    for (const c of this.#controllers) c.stop();
    this.#kubelet.stop();
    this.#namespaces.stop();
    this.#watches.dropAll('destroy');
    this.#logStreams.dropAll('destroy');
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  // ---- faults and counters ----

  /** Adds latency to matching requests (e.g. `{verb: 'create', resource: 'pods'}`, 150); returns the undo. */
  addLatency(match: FaultMatch, ms: number): () => void {
    return this.#faults.addLatency(match, ms);
  }

  /** The next `count` matching requests fail with `error` (429 / 500 / 503 / dropped connection). */
  failNext(match: FaultMatch, error: InjectedError, count = 1): void {
    this.#faults.failNext(match, error, count);
  }

  clearFaults(): void {
    this.#faults.clear();
  }

  counters(): CountersSnapshot {
    return this.#faults.snapshot();
  }

  resetCounters(): void {
    this.#faults.resetCounters();
  }

  /** Requests received for a verb and resource (`requests('create', 'pods')`, `requests('get', 'pods/log')`). */
  requests(verb: Verb, resource: string): number {
    return this.#faults.requests(verb, resource);
  }

  /** Pods successfully created under this name (in one namespace, or summed over all). */
  podCreates(name: string, namespace?: string): number {
    return this.#faults.podCreates(name, namespace);
  }

  // ---- streams ----

  openWatches(): number {
    return this.#watches.openCount;
  }

  openLogStreams(): number {
    return this.#logStreams.openCount;
  }

  /** Ends or cuts every open watch; returns how many. */
  dropWatches(mode: 'end' | 'destroy' = 'destroy'): number {
    return this.#watches.dropAll(mode);
  }

  /** Ends or cuts every followed log stream; returns how many. */
  dropLogStreams(mode: 'end' | 'destroy' = 'destroy'): number {
    return this.#logStreams.dropAll(mode);
  }

  /** Compacts watch history: the next watch from any resourceVersion seen so far gets 410 Gone. */
  expireWatchWindow(): void {
    this.#store.expireHistory();
  }

  // ---- behaviour ----

  /** Merges into the simulator-wide container behaviour (affects pods created from now on). */
  setDefaultBehaviour(b: Partial<ContainerBehaviour>): void {
    const problem = checkPartialBehaviour(b);
    if (problem !== null) throw new KubeSimError('INVALID_OPTIONS', `defaultBehaviour: ${problem}`);
    this.#settings.defaults = { ...this.#settings.defaults, ...b };
  }

  /** Server-side rate limiting (429 + Retry-After past `qps`/`burst`, long-running requests exempt); null: off. */
  setRateLimit(limit: { qps: number; burst: number; retryAfterSeconds?: number } | null): void {
    this.#faults.setRateLimit(limit);
  }

  /** Test hook: the node stops answering; its pods go `Unknown` (reason `NodeLost`) and new pods avoid it. */
  loseNode(name: string): void {
    this.#kubelet.loseNode(name);
  }

  /** Pods whose image matches (a string: contained in the image) get this behaviour; later rules win. */
  addImageRule(match: RegExp | string, b: Partial<ContainerBehaviour>): void {
    this.#settings.imageRules.push(toImageRule(match, b));
  }

  // ---- state ----

  resourceVersion(): number {
    return this.#store.currentRv();
  }

  namespaces(): string[] {
    return this.#store.list(NAMESPACES.plural).map((n) => n.metadata.name);
  }

  pods(namespace?: string): Pod[] {
    return this.#store.list<Pod>(PODS.plural, namespace);
  }

  pod(namespace: string, name: string): Pod | undefined {
    return this.#store.get<Pod>(PODS.plural, namespace, name);
  }

  sparkApplications(namespace?: string): SparkApplication[] {
    return this.#store.list<SparkApplication>(this.#spark.plural, namespace);
  }

  sparkApplication(namespace: string, name: string): SparkApplication | undefined {
    return this.#store.get<SparkApplication>(this.#spark.plural, namespace, name);
  }

  events(namespace?: string): KubeObject[] {
    return this.#store.list(EVENTS.plural, namespace);
  }

  /** Objects of any served resource by plural (`'deployments'`, `'resourcequotas'`, `'serviceaccounts'`…). */
  objects(resource: string, namespace?: string): KubeObject[] {
    return this.#store.list(resource, namespace);
  }

  object(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.#store.get(resource, namespace, name);
  }

  /** The lines a live pod's container has written so far (undefined once the pod is gone). */
  podLog(namespace: string, name: string, container?: string): string[] | undefined {
    const c = container ?? this.pod(namespace, name)?.spec.containers[0]?.name;
    return c === undefined ? undefined : this.#kubelet.logOf(namespace, name, c)?.lines.map((l) => l.text);
  }

  state(): unknown {
    return {
      resourceVersion: this.resourceVersion(), pods: this.pods(), sparkApplications: this.sparkApplications(),
      openWatches: this.openWatches(), openLogStreams: this.openLogStreams(),
    };
  }

  /**
   * Resolves with the first truthy value of `check`, re-evaluated on every change in the simulator (a store
   * write, a log line, a finished request) rather than on a timer. Rejects with WAIT_TIMEOUT.
   */
  waitFor<T>(check: () => T | undefined | null | false, options: WaitForOptions = {}): Promise<T> {
    const timeoutMs = options.timeoutMs ?? 10_000;
    return new Promise<T>((resolve, reject) => {
      const cleanup = (): void => {
        clearTimeout(timer);
        this.#activity.off('tick', evaluate);
        this.#activity.off('close', onClose);
      };
      const evaluate = (): void => {
        let v: T | undefined | null | false;
        try {
          v = check();
        } catch (err) {
          cleanup();
          reject(err as Error);
          return;
        }
        if (v !== undefined && v !== null && v !== false) {
          cleanup();
          resolve(v);
        }
      };
      const onClose = (): void => {
        cleanup();
        reject(new KubeSimError('CLOSED', 'the simulator was closed while waiting'));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new KubeSimError('WAIT_TIMEOUT', `waitFor${options.description === undefined ? '' : ` (${options.description})`} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.#activity.on('tick', evaluate);
      this.#activity.on('close', onClose);
      evaluate();
    });
  }
}
