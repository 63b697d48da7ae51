/**
 * Defaulting of the sandbox objects, as the API server's scheme defaults and strategies fill them in:
 * Secret `type` and `stringData` folded into `data`; quantities stored canonically; LimitRange Container
 * items' default ← max, defaultRequest ← default ← min (SetDefaults_LimitRangeItem); Deployment replicas,
 * strategy, history limit, deadline and the pod template's defaults (SetDefaults_Deployment, SetDefaults_Pod).
 */
import { canonical } from './quantity.ts';
import { DEPLOYMENTS, LIMITRANGES, RESOURCEQUOTAS, SECRETS, type ResourceType } from './resources.ts';
import type { KubeObject } from './types.ts';

type Obj = Record<string, unknown>;
type Quantities = Record<string, string>;

function canonicalMap(map: unknown): Quantities | undefined {
  if (map === undefined || map === null) return undefined;
  return Object.fromEntries(Object.entries(map as Obj).map(([k, v]) => [k, canonical(v)]));
}

function imagePullPolicy(image: string): 'Always' | 'IfNotPresent' {
  const lastPart = image.split('/').pop() ?? '';
  if (image.includes('@')) return 'IfNotPresent';
  return !lastPart.includes(':') || lastPart.endsWith(':latest') ? 'Always' : 'IfNotPresent';
}

/** SetDefaults_Pod for a template: requests default to limits; the spec-level defaults. */
export function defaultPodSpec(spec: Obj): void {
  spec['restartPolicy'] ??= 'Always';
  spec['terminationGracePeriodSeconds'] ??= 30;
  spec['dnsPolicy'] ??= 'ClusterFirst';
  spec['schedulerName'] ??= 'default-scheduler';
  spec['securityContext'] ??= {};
  for (const c of [...((spec['containers'] ?? []) as Obj[]), ...((spec['initContainers'] ?? []) as Obj[])]) {
    c['imagePullPolicy'] ??= imagePullPolicy(String(c['image'] ?? ''));
    c['terminationMessagePath'] ??= '/dev/termination-log';
    c['terminationMessagePolicy'] ??= 'File';
    defaultRequestsFromLimits(c);
  }
}

/** A container with a limit and no request for a resource requests its limit (core/v1 defaults.go). */
export function defaultRequestsFromLimits(container: Obj): void {
  const resources = (container['resources'] ?? {}) as { limits?: Obj; requests?: Obj };
  container['resources'] = resources;
  if (resources.limits === undefined) return;
  for (const [k, v] of Object.entries(resources.limits)) {
    resources.requests ??= {};
    resources.requests[k] ??= v;
  }
}

function defaultLimitRange(o: Obj): void {
  const spec = (o['spec'] ?? {}) as { limits?: Obj[] };
  for (const item of spec.limits ?? []) {
    for (const key of ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio']) {
      const m = canonicalMap(item[key]);
      if (m !== undefined) item[key] = m;
    }
    if (item['type'] !== 'Container') continue;
    const def = { ...((item['default'] ?? {}) as Quantities) };
    for (const [k, v] of Object.entries((item['max'] ?? {}) as Quantities)) def[k] ??= v;
    const req = { ...((item['defaultRequest'] ?? {}) as Quantities) };
    for (const [k, v] of Object.entries(def)) req[k] ??= v;
    for (const [k, v] of Object.entries((item['min'] ?? {}) as Quantities)) req[k] ??= v;
    if (Object.keys(def).length > 0) item['default'] = def;
    if (Object.keys(req).length > 0) item['defaultRequest'] = req;
  }
}

function defaultDeployment(o: Obj): void {
  const spec = (o['spec'] ??= {}) as Obj;
  spec['replicas'] ??= 1;
  spec['strategy'] ??= { type: 'RollingUpdate' };
  const strategy = spec['strategy'] as Obj;
  if (strategy['type'] === 'RollingUpdate') strategy['rollingUpdate'] ??= { maxUnavailable: '25%', maxSurge: '25%' };
  spec['revisionHistoryLimit'] ??= 10;
  spec['progressDeadlineSeconds'] ??= 600;
  const template = (spec['template'] ??= {}) as Obj;
  template['metadata'] ??= {};
  defaultPodSpec((template['spec'] ??= {}) as Obj);
}

export function defaultSandboxObject(type: ResourceType, body: KubeObject): void {
  const o = body as Obj;
  if (type === SECRETS) {
    o['type'] ??= 'Opaque';
    const stringData = o['stringData'] as Record<string, string> | undefined;
    if (stringData !== undefined) {
      const data = { ...((o['data'] ?? {}) as Record<string, string>) };
      for (const [k, v] of Object.entries(stringData)) data[k] = Buffer.from(String(v), 'utf8').toString('base64');
      o['data'] = data;
      delete o['stringData'];
    }
  } else if (type === RESOURCEQUOTAS) {
    const spec = (o['spec'] ?? {}) as Obj;
    const hard = canonicalMap(spec['hard']);
    if (hard !== undefined) spec['hard'] = hard;
  } else if (type === LIMITRANGES) defaultLimitRange(o);
  else if (type === DEPLOYMENTS) defaultDeployment(o);
}
