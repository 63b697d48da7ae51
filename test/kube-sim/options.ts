/**
 * startKubeSim's options, validated once here (units in ms) so the rest of the simulator can trust them.
 */
import { fileURLToPath } from 'node:url';
import { BUILTIN_DEFAULTS, BUILTIN_IMAGE_RULES, checkPartialBehaviour, type ContainerBehaviour, type ImageRule } from './behaviour.ts';
import { KubeSimError } from './errors.ts';
import type { NodeOption } from './scheduler.ts';
import type { SparkOperatorSettings } from './spark-operator.ts';

export interface KubeSimOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  /** When set, every API request must carry `Authorization: Bearer <token>` (else 401). Default: none required. */
  token?: string | null;
  /** The SparkApplication CRD; default ../shared/specs/sparkapplication-crd.yaml beside the repository. */
  crdPath?: string;
  /** Namespaces that exist at start. Default default, kube-system, kube-public, kube-node-lease. */
  namespaces?: string[];
  /**
   * The nodes pods are scheduled onto (round robin among those that fit). A bare name is an unconstrained node
   * (any capacity, every label, no taints); a NodeSpec has capacity, labels and taints the scheduler checks.
   * Default ['kube-sim-node-1'].
   */
  nodes?: NodeOption[];
  /** Simulator-wide container behaviour (merged over the built-in defaults). */
  defaultBehaviour?: Partial<ContainerBehaviour>;
  /** Per-image rules, applied after the built-in ones (`:missing` → ErrImagePull, malformed → InvalidImageName). */
  imageRules?: { match: RegExp | string; behaviour: Partial<ContainerBehaviour> }[];
  /** Changes each resource keeps for watches to resume from; older resourceVersions get 410 Gone. Default 1000. */
  watchWindow?: number;
  /** Bookmark pace for watches that allow them. Default 60 000 (the API server's once a minute). */
  bookmarkIntervalMs?: number;
  /** Lifetime of a watch without timeoutSeconds. Default 1 800 000 (the API server's min-request-timeout). */
  watchTimeoutMs?: number;
  spark?: Partial<SparkOperatorSettings>;
  /** Where unexpected internal errors go. Default console.error. */
  onError?: (err: unknown) => void;
}

export interface CompiledKubeSimOptions {
  host: string;
  port: number;
  token: string | null;
  crdPath: string;
  namespaces: string[];
  nodes: NodeOption[];
  defaultBehaviour: ContainerBehaviour;
  imageRules: ImageRule[];
  watchWindow: number;
  bookmarkIntervalMs: number;
  watchTimeoutMs: number;
  spark: SparkOperatorSettings;
  onError: (err: unknown) => void;
}

export const DEFAULT_CRD_PATH = fileURLToPath(new URL('../../../shared/specs/sparkapplication-crd.yaml', import.meta.url));

function fail(message: string): never {
  throw new KubeSimError('INVALID_OPTIONS', message);
}

function nonNegative(name: string, v: number | undefined, fallback: number, integer = false): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (integer && !Number.isInteger(v))) fail(`${name} must be a ${integer ? 'integer' : 'number'} ≥ 0, got ${String(v)}`);
  return v;
}

/** A string rule matches images that contain it; a RegExp is tested as is. */
export function toImageRule(match: RegExp | string, behaviour: Partial<ContainerBehaviour>): ImageRule {
  const problem = checkPartialBehaviour(behaviour);
  if (problem !== null) fail(`image rule for ${String(match)}: ${problem}`);
  if (typeof match === 'string') {
    if (match === '') fail('an image rule needs a non-empty match');
    return { match: new RegExp(match.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), behaviour };
  }
  if (!(match instanceof RegExp)) fail('an image rule match must be a string or a RegExp');
  return { match, behaviour };
}

export function compileKubeSimOptions(o: KubeSimOptions = {}): CompiledKubeSimOptions {
  const port = nonNegative('port', o.port, 0, true);
  if (port > 65535) fail(`port must be ≤ 65535, got ${port}`);
  if (o.token !== undefined && o.token !== null && (typeof o.token !== 'string' || o.token === '')) fail('token must be a non-empty string or null');
  const problem = o.defaultBehaviour === undefined ? null : checkPartialBehaviour(o.defaultBehaviour);
  if (problem !== null) fail(`defaultBehaviour: ${problem}`);
  const namespaces = o.namespaces ?? ['default', 'kube-system', 'kube-public', 'kube-node-lease'];
  const nodes = o.nodes ?? ['kube-sim-node-1'];
  if (!Array.isArray(nodes) || nodes.length === 0 || !nodes.every((n) => typeof (typeof n === 'string' ? n : n?.name) === 'string' && (typeof n === 'string' ? n : n.name) !== '')) {
    fail('nodes must be a non-empty array of names or {name, capacity?, labels?, taints?}');
  }
  if (!Array.isArray(namespaces) || !namespaces.every((n) => typeof n === 'string' && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(n))) fail('namespaces must be DNS-1123 labels');
  const watchWindow = nonNegative('watchWindow', o.watchWindow, 1000, true);
  if (watchWindow < 1) fail('watchWindow must be ≥ 1');
  const watchTimeoutMs = nonNegative('watchTimeoutMs', o.watchTimeoutMs, 1_800_000);
  if (watchTimeoutMs <= 0) fail('watchTimeoutMs must be > 0');
  return {
    host: o.host ?? '127.0.0.1',
    port,
    token: o.token ?? null,
    crdPath: o.crdPath ?? DEFAULT_CRD_PATH,
    namespaces,
    nodes,
    defaultBehaviour: { ...BUILTIN_DEFAULTS, ...o.defaultBehaviour },
    imageRules: [...BUILTIN_IMAGE_RULES, ...(o.imageRules ?? []).map((r) => toImageRule(r.match, r.behaviour))],
    watchWindow,
    bookmarkIntervalMs: nonNegative('bookmarkIntervalMs', o.bookmarkIntervalMs, 60_000),
    watchTimeoutMs,
    spark: {
      submitDelayMs: nonNegative('spark.submitDelayMs', o.spark?.submitDelayMs, 20),
      stepDelayMs: nonNegative('spark.stepDelayMs', o.spark?.stepDelayMs, 10),
      driverPodCreationGracePeriodMs: nonNegative('spark.driverPodCreationGracePeriodMs', o.spark?.driverPodCreationGracePeriodMs, 30_000),
    },
    onError: o.onError ?? ((err) => console.error('kube-sim internal error:', err)),
  };
}
