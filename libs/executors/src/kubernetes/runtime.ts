/**
 * What the pod and Spark executors share in one process: the API clients behind one gate (rate limit, create
 * cap, retries), and one watch per namespace and kind (pods, SparkApplications), shared by every try.
 */
import * as k8s from '@kubernetes/client-node';
import { ApiGate } from './gate.ts';
import type { KubernetesOptions } from './options.ts';
import { ResourceWatch, type ListFn } from './watcher.ts';
import { makeSafeLabelValue, WORKER_LABEL } from './labels.ts';
import { NO_METRICS, type Metrics } from '@windsock/metrics';

export const SPARK_GROUP = 'sparkoperator.k8s.io';
export const SPARK_VERSION = 'v1beta2';
export const SPARK_PLURAL = 'sparkapplications';

export class KubeRuntime {
  readonly kc: k8s.KubeConfig;
  readonly core: k8s.CoreV1Api;
  readonly custom: k8s.CustomObjectsApi;
  readonly gate: ApiGate;
  readonly options: KubernetesOptions;
  readonly metrics: Metrics;
  private readonly watches = new Map<string, ResourceWatch>();

  constructor(kc: k8s.KubeConfig, options: KubernetesOptions, metrics: Metrics = NO_METRICS) {
    this.kc = kc;
    this.options = options;
    this.metrics = metrics;
    this.core = metrics === NO_METRICS ? kc.makeApiClient(k8s.CoreV1Api) : countedApiClient(kc, k8s.CoreV1Api, metrics);
    this.custom = metrics === NO_METRICS ? kc.makeApiClient(k8s.CustomObjectsApi) : countedApiClient(kc, k8s.CustomObjectsApi, metrics);
    this.gate = new ApiGate({ qps: options.qps, burst: options.burst, maxConcurrentCreates: options.maxConcurrentCreates, retries: options.requestRetries, timeoutMs: options.requestTimeoutMs });
  }

  /** The started, synced watch of one kind in one namespace over the objects a worker owns. */
  async watch(kind: 'pods' | 'sparkapplications', namespace: string, workerId: string): Promise<ResourceWatch> {
    const selector = `${WORKER_LABEL}=${makeSafeLabelValue(workerId)}`;
    const key = `${kind}/${namespace}/${selector}`;
    let w = this.watches.get(key);
    if (!w) {
      const path = kind === 'pods' ? `/api/v1/namespaces/${namespace}/pods` : `/apis/${SPARK_GROUP}/${SPARK_VERSION}/namespaces/${namespace}/${SPARK_PLURAL}`;
      const list: ListFn = kind === 'pods'
        ? async () => {
          const l = await this.core.listNamespacedPod({ namespace, labelSelector: selector });
          return { items: l.items as unknown as Record<string, unknown>[], resourceVersion: l.metadata?.resourceVersion ?? '' };
        }
        : async () => {
          const l = await this.custom.listNamespacedCustomObject({ group: SPARK_GROUP, version: SPARK_VERSION, namespace, plural: SPARK_PLURAL, labelSelector: selector }) as { items: Record<string, unknown>[]; metadata?: { resourceVersion?: string } };
          return { items: l.items, resourceVersion: l.metadata?.resourceVersion ?? '' };
        };
      w = new ResourceWatch({ kc: this.kc, gate: this.gate, path, labelSelector: selector, list });
      this.watches.set(key, w);
    }
    await w.synced();
    return w;
  }

  /** How many watches are open (one per namespace and kind): for tests and diagnostics. */
  get watchCount(): number { return this.watches.size; }

  close(): void {
    for (const w of this.watches.values()) w.stop();
    this.watches.clear();
    this.gate.close();
  }
}

/**
 * An API client as `kc.makeApiClient` makes one, over an HTTP library that counts each request by verb (the HTTP
 * method) and response code (0 when none came: a refused connection, a timeout) — windsock.kubernetes.api_requests.
 */
function countedApiClient<T>(kc: k8s.KubeConfig, api: new (config: k8s.Configuration) => T, metrics: Metrics): T {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('No active cluster!');
  const inner = new k8s.IsomorphicFetchHttpLibrary();
  const httpApi = k8s.wrapHttpLibrary({
    send: (req) => {
      const verb = String(req.getHttpMethod());
      return inner.send(req).toPromise().then((res) => {
        metrics.incr('windsock.kubernetes.api_requests', { verb, code: res.httpStatusCode });
        return res;
      }, (err: unknown) => {
        metrics.incr('windsock.kubernetes.api_requests', { verb, code: 0 });
        throw err;
      });
    },
  });
  return new api(k8s.createConfiguration({ baseServer: new k8s.ServerConfiguration(cluster.server, {}), authMethods: { default: kc }, httpApi }));
}
