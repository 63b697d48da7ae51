/**
 * The Kubernetes executors' options, validated once here (`compileKubernetesOptions`) with units normalised
 * (`…Ms`). The CLI maps the `[kubernetes]` config section onto them; tests pass them directly.
 */
import { ExecutorError } from '../types.ts';

/** What a `node_group` of K8sOperator / SparK8sOperator adds to the pod. */
export interface NodeGroup {
  nodeSelector: Record<string, string>;
  tolerations: Array<Record<string, unknown>>;
}

export interface KubernetesOptions {
  /** Namespace of pods and SparkApplications whose task names none. */
  namespace: string;
  /** Only `namespace` may be used: a task naming another is refused (a sandbox's pods stay in its namespace). */
  namespaceLocked: boolean;
  /** Turns an `image_tag` (`<repo>.<dag>.<build_folder>`) into an image: prefix + tag ('/' inserted unless it ends in '/' or ':'). */
  registryPrefix: string;
  /** Image of bash / Python tasks, which name none. */
  defaultImage: string;
  /** node_group name → node selector and tolerations; a group not listed gets `{<nodeGroupLabel>: group}` and a matching NoSchedule toleration. */
  nodeGroups: Record<string, NodeGroup>;
  nodeGroupLabel: string;
  /** Client-side rate limit over every API request (token bucket). */
  qps: number;
  burst: number;
  /** Most pod / SparkApplication creates in flight at once. */
  maxConcurrentCreates: number;
  /** Delete the pod / app when the try succeeded, failed. A task's on_finish_action / delete_on_termination wins. */
  deleteOnSuccess: boolean;
  deleteOnFailure: boolean;
  /** Time a pod (or a SparkApplication's driver) may take to start before the try fails; a task's startup_timeout_seconds wins. */
  startupTimeoutMs: number;
  /** Attempts of one API request that failed with 429, 5xx, a timeout or a dropped connection. */
  requestRetries: number;
  /** Time one (non-streaming) API request may take before it counts as timed out. */
  requestTimeoutMs: number;
  /** Spark version written on SparK8sOperator apps. */
  sparkVersion: string;
  /** Folder that relative pod_template_file / application_file paths are read from (the DAG folder). */
  dagsFolder: string;
}

export const KUBERNETES_DEFAULTS: KubernetesOptions = {
  namespace: 'default', namespaceLocked: false, registryPrefix: '', defaultImage: 'python:3.12-slim', nodeGroups: {}, nodeGroupLabel: 'windsock.dev/node-group',
  qps: 20, burst: 30, maxConcurrentCreates: 16, deleteOnSuccess: true, deleteOnFailure: true, startupTimeoutMs: 120_000,
  requestRetries: 5, requestTimeoutMs: 30_000, sparkVersion: '3.5.1', dagsFolder: '.',
};

function bad(message: string): never {
  throw new ExecutorError('LAUNCH_FAILED', `kubernetes options: ${message}`);
}

export function compileKubernetesOptions(input: Partial<KubernetesOptions> = {}): KubernetesOptions {
  const o: KubernetesOptions = { ...KUBERNETES_DEFAULTS, ...Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) };
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(o.namespace)) bad(`namespace "${o.namespace}" is not a DNS label`);
  for (const k of ['qps', 'burst', 'maxConcurrentCreates', 'startupTimeoutMs', 'requestTimeoutMs'] as const) {
    if (!Number.isFinite(o[k]) || o[k] <= 0) bad(`${k} must be > 0, got ${o[k]}`);
  }
  if (o.burst < 1) bad('burst must be at least 1');
  if (!Number.isInteger(o.requestRetries) || o.requestRetries < 0) bad('requestRetries must be an integer >= 0');
  for (const [name, g] of Object.entries(o.nodeGroups)) {
    if (!g || typeof g !== 'object' || typeof g.nodeSelector !== 'object' || !Array.isArray(g.tolerations)) bad(`node group ${name} needs nodeSelector (map) and tolerations (list)`);
  }
  return o;
}

/**
 * Parses `[kubernetes] node_groups`: JSON `{"group": {"nodeSelector": {...}, "tolerations": [...]}}`, where
 * either key may be left out.
 */
export function parseNodeGroups(text: string): Record<string, NodeGroup> {
  if (text.trim() === '') return {};
  let raw: unknown;
  try { raw = JSON.parse(text); } catch (e) { bad(`node_groups is not JSON: ${(e as Error).message}`); }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) bad('node_groups must be a JSON object');
  return Object.fromEntries(Object.entries(raw as Record<string, { nodeSelector?: Record<string, string>; tolerations?: Array<Record<string, unknown>> }>)
    .map(([k, v]) => [k, { nodeSelector: v?.nodeSelector ?? {}, tolerations: v?.tolerations ?? [] }]));
}

/** The image an `image_tag` names. */
export function imageForTag(prefix: string, tag: string): string {
  if (prefix === '') return tag;
  return prefix.endsWith('/') || prefix.endsWith(':') ? prefix + tag : `${prefix}/${tag}`;
}

export function nodeGroupPlacement(o: KubernetesOptions, group: string): NodeGroup {
  return o.nodeGroups[group] ?? {
    nodeSelector: { [o.nodeGroupLabel]: group },
    tolerations: [{ key: o.nodeGroupLabel, operator: 'Equal', value: group, effect: 'NoSchedule' }],
  };
}
