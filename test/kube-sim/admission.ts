/**
 * What the API server does to an object between the request body and the store, per resource:
 * validation (422 Invalid), defaulting (pod defaults, CR generation), and the rules for updates
 * (status subresource split, pod spec immutability). Returns warnings for `Warning` headers.
 */
import { randomBytes } from 'node:crypto';
import { badRequest, invalid } from './errors.ts';
import { defaultRequestsFromLimits, defaultSandboxObject } from './object-defaults.ts';
import { isSandboxType, validateSandboxObject, validateSandboxUpdate } from './object-validation.ts';
import { DEPLOYMENTS, EVENTS, NAMESPACES, PODS, type ResourceType } from './resources.ts';
import type { CrdInfo } from './spark-schema.ts';
import type { KubeObject, Pod, StatusCause } from './types.ts';
import { validateMeta, validateNamespace, validatePod } from './validation.ts';

export interface Admitted {
  object: KubeObject;
  warnings: string[];
}

const GENERATE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** apiserver names.SimpleNameGenerator: generateName + 5 random characters. */
export function generateName(prefix: string): string {
  const bytes = randomBytes(5);
  return prefix.slice(0, 58) + [...bytes].map((b) => GENERATE_ALPHABET[b % GENERATE_ALPHABET.length]).join('');
}

function imagePullPolicy(image: string): 'Always' | 'IfNotPresent' {
  const lastPart = image.split('/').pop() ?? '';
  if (image.includes('@')) return 'IfNotPresent';
  return !lastPart.includes(':') || lastPart.endsWith(':latest') ? 'Always' : 'IfNotPresent';
}

/** The defaults the API server's defaulting and admission plugins fill into a new pod. */
function defaultPod(pod: Pod): void {
  const spec = pod.spec;
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.schedulerName ??= 'default-scheduler';
  spec.serviceAccountName ??= spec.serviceAccount ?? 'default';
  spec.serviceAccount ??= spec.serviceAccountName;
  spec.securityContext ??= {};
  spec.enableServiceLinks ??= true;
  spec.preemptionPolicy ??= 'PreemptLowerPriority';
  spec.priority ??= 0;
  spec.tolerations ??= [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  ];
  for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) {
    c.imagePullPolicy ??= imagePullPolicy(c.image ?? '');
    c.terminationMessagePath ??= '/dev/termination-log';
    c.terminationMessagePolicy ??= 'File';
    c.resources ??= {};
    defaultRequestsFromLimits(c as unknown as Record<string, unknown>);
  }
  pod.status = { phase: 'Pending', qosClass: qosClass(pod) };
}

/** v1qos.GetPodQOS over cpu and memory: Guaranteed when every container's requests equal its limits. */
export function qosClass(pod: Pod): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const containers = [...pod.spec.containers, ...(pod.spec.initContainers ?? [])];
  const compute = (m: Record<string, unknown> | undefined): [string, unknown][] => Object.entries(m ?? {}).filter(([k]) => k === 'cpu' || k === 'memory');
  if (containers.every((c) => compute(c.resources?.requests).length === 0 && compute(c.resources?.limits).length === 0)) return 'BestEffort';
  const guaranteed = containers.every((c) => {
    const limits = Object.fromEntries(compute(c.resources?.limits));
    const requests = Object.fromEntries(compute(c.resources?.requests));
    return limits['cpu'] !== undefined && limits['memory'] !== undefined && requests['cpu'] === limits['cpu'] && requests['memory'] === limits['memory'];
  });
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

function fail(type: ResourceType, name: string, causes: StatusCause[]): never {
  throw invalid(type.kind, type.group, name, causes);
}

/** Validates and defaults a new object. `body` is a fresh copy the caller owns. */
export function admitCreate(type: ResourceType, crd: CrdInfo, body: KubeObject): Admitted {
  const name = body.metadata.name;
  let warnings: string[] = [];
  let causes: StatusCause[];
  if (type === PODS) causes = validatePod(body);
  else if (type === NAMESPACES) causes = validateNamespace(body);
  else if (type.group === crd.group && type.plural === crd.plural) {
    delete body.status;
    ({ warnings, causes } = crd.admit(body));
  } else if (isSandboxType(type)) {
    delete body.status;
    defaultSandboxObject(type, body);
    causes = validateSandboxObject(type, body);
  } else causes = validateMeta(body.metadata , type.namespaced);
  if (causes.length > 0) fail(type, name, causes);
  if (type === PODS) defaultPod(body as Pod);
  else if (type === NAMESPACES) {
    body.metadata.labels = { ...body.metadata.labels, 'kubernetes.io/metadata.name': name };
    body.spec = { finalizers: ['kubernetes'] };
    body.status = { phase: 'Active' };
  } else if (type !== EVENTS) body.metadata.generation = 1;
  return { object: body, warnings };
}

const POD_MUTABLE_SPEC = 'spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`, ' +
  '`spec.initContainers[*].image`, `spec.activeDeadlineSeconds`, `spec.tolerations` (only additions to existing tolerations), ' +
  '`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

function podSpecWithoutImages(pod: Pod): string {
  const spec = structuredClone(pod.spec);
  for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) delete c.image;
  delete spec.activeDeadlineSeconds;
  delete spec.tolerations;
  return JSON.stringify(spec);
}

/**
 * Validates an update of the main resource (`status` false) or of the status subresource, returning
 * the object to store: the main resource keeps the old status, the status subresource keeps everything
 * but the status (standard subresource semantics).
 */
export function admitUpdate(type: ResourceType, crd: CrdInfo, old: KubeObject, next: KubeObject, status: boolean): Admitted {
  if (next.metadata.name !== old.metadata.name) {
    throw badRequest(`the name of the object (${next.metadata.name}) does not match the name on the URL (${old.metadata.name})`);
  }
  const immutable = { uid: old.metadata.uid, creationTimestamp: old.metadata.creationTimestamp, namespace: old.metadata.namespace, deletionTimestamp: old.metadata.deletionTimestamp, deletionGracePeriodSeconds: old.metadata.deletionGracePeriodSeconds, generation: old.metadata.generation };
  if (status) {
    const out = structuredClone(old);
    out.status = next.status;
    if (type.group === crd.group && type.plural === crd.plural) {
      const check = crd.admit(structuredClone(out) as Record<string, unknown>);
      if (check.causes.length > 0) fail(type, old.metadata.name, check.causes);
    }
    return { object: out, warnings: [] };
  }
  const out: KubeObject = { ...next, apiVersion: old.apiVersion, kind: old.kind, metadata: { ...next.metadata } };
  for (const [k, v] of Object.entries(immutable)) {
    const meta = out.metadata as unknown as Record<string, unknown>;
    if (v === undefined) delete meta[k];
    else meta[k] = v;
  }
  if (old.status !== undefined) out.status = old.status;
  else delete out.status;
  let warnings: string[] = [];
  let causes: StatusCause[];
  if (type === PODS) {
    causes = validatePod(out);
    if (causes.length === 0 && podSpecWithoutImages(out as Pod) !== podSpecWithoutImages(old as Pod)) {
      causes = [{ reason: 'FieldValueForbidden', message: POD_MUTABLE_SPEC.slice('spec: '.length), field: 'spec' }];
    }
  } else if (type === NAMESPACES) {
    causes = validateNamespace(out);
    out.spec = old.spec;
  } else if (type.group === crd.group && type.plural === crd.plural) {
    ({ warnings, causes } = crd.admit(out));
    if (JSON.stringify(out.spec) !== JSON.stringify(old.spec)) out.metadata.generation = (old.metadata.generation ?? 1) + 1;
  } else if (isSandboxType(type)) {
    defaultSandboxObject(type, out);
    causes = [...validateSandboxObject(type, out), ...validateSandboxUpdate(type, old, out)];
    if (type === DEPLOYMENTS && JSON.stringify(out.spec) !== JSON.stringify(old.spec)) out.metadata.generation = (old.metadata.generation ?? 1) + 1;
  } else causes = validateMeta(out.metadata , type.namespaced);
  if (causes.length > 0) fail(type, old.metadata.name, causes);
  return { object: out, warnings };
}
