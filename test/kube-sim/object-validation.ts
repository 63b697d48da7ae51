/**
 * Validation and defaulting of the sandbox objects (ConfigMap, Secret, ServiceAccount, ResourceQuota,
 * LimitRange, Role/RoleBinding and their cluster twins, apps/v1 Deployment), as the API server's
 * per-type strategies do: the official schema through kubernetes-models, then the rules it cannot express,
 * with apimachinery's field-error wording (pkg/apis/core/validation, apps/validation, rbac/validation).
 */
import { Deployment } from 'kubernetes-models/apps/v1';
import { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { ConfigMap, LimitRange, ResourceQuota, Secret, ServiceAccount } from 'kubernetes-models/v1';
import { badRequest } from './errors.ts';
import { compare, parseQuantity, QUANTITY_PATTERN } from './quantity.ts';
import { CLUSTERROLEBINDINGS, CLUSTERROLES, CONFIGMAPS, DEPLOYMENTS, LIMITRANGES, RBAC_GROUP, RESOURCEQUOTAS, ROLEBINDINGS, ROLES, SECRETS, SERVICEACCOUNTS, type ResourceType } from './resources.ts';
import { labelSelectorString } from './label-selector.ts';
import { matchesLabels, parseLabelSelector } from './selectors.ts';
import type { KubeObject, StatusCause } from './types.ts';
import { invalidValue, modelCauses, validateMeta, validatePod } from './validation.ts';

type Obj = Record<string, unknown>;
type Model = new (x: never) => { validate(): void };

const MODELS = new Map<ResourceType, Model>([
  [CONFIGMAPS, ConfigMap], [SECRETS, Secret], [SERVICEACCOUNTS, ServiceAccount], [RESOURCEQUOTAS, ResourceQuota],
  [LIMITRANGES, LimitRange], [ROLES, Role], [ROLEBINDINGS, RoleBinding], [CLUSTERROLES, ClusterRole],
  [CLUSTERROLEBINDINGS, ClusterRoleBinding], [DEPLOYMENTS, Deployment],
]);

export function isSandboxType(type: ResourceType): boolean {
  return MODELS.has(type);
}

const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;
const QUOTA_NAMES = new Set(['pods', 'services', 'replicationcontrollers', 'resourcequotas', 'secrets', 'configmaps',
  'persistentvolumeclaims', 'services.nodeports', 'services.loadbalancers', 'cpu', 'memory', 'ephemeral-storage']);

function required(field: string, detail?: string): StatusCause {
  return { reason: 'FieldValueRequired', message: detail === undefined ? 'Required value' : `Required value: ${detail}`, field };
}

function unsupported(field: string, value: unknown, allowed: string[]): StatusCause {
  return { reason: 'FieldValueNotSupported', message: `Unsupported value: ${JSON.stringify(value ?? '')}: supported values: ${allowed.map((a) => JSON.stringify(a)).join(', ')}`, field };
}

/** Go's %#v of a map[string]string, as apps validation prints template labels. */
function goMap(m: Record<string, string> | undefined): string {
  const entries = Object.entries(m ?? {}).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`);
  return `map[string]string{${entries.join(', ')}}`;
}

/** A quantity map (quota hard, LimitRange max/min/default...): unparsable values are a decoding error (400). */
function quantities(kind: string, field: string, map: unknown, causes: StatusCause[]): void {
  for (const [k, v] of Object.entries((map ?? {}) as Obj)) {
    const q = parseQuantity(v);
    if (q === null) throw badRequest(`${kind} in version "v1" cannot be handled as a ${kind}: quantities must match the regular expression '${QUANTITY_PATTERN}'`);
    if (q.nano < 0n) causes.push(invalidValue(`${field}[${k}]`, String(v), 'must be greater than or equal to 0'));
  }
}

function validKeys(field: string, map: unknown, causes: StatusCause[]): void {
  for (const k of Object.keys((map ?? {}) as Obj)) {
    if (!CONFIG_KEY.test(k) || k.length > 253) {
      causes.push(invalidValue(`${field}[${k}]`, k, "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"));
    }
  }
}

function validateQuota(o: Obj, causes: StatusCause[]): void {
  const hard = ((o['spec'] ?? {}) as Obj)['hard'];
  quantities('ResourceQuota', 'spec.hard', hard, causes);
  for (const k of Object.keys((hard ?? {}) as Obj)) {
    const ok = QUOTA_NAMES.has(k) || /^count\/[a-z0-9.-]+$/.test(k) || /^(requests|limits)\.[a-zA-Z0-9./-]+$/.test(k) || k.startsWith('hugepages-');
    if (!ok) causes.push(invalidValue(`spec.hard[${k}]`, k, 'must be a standard resource for quota'));
  }
}

function validateLimitRange(o: Obj, causes: StatusCause[]): void {
  const limits = (((o['spec'] ?? {}) as Obj)['limits'] ?? []) as Obj[];
  limits.forEach((item, i) => {
    const base = `spec.limits[${i}]`;
    if (typeof item['type'] !== 'string' || item['type'] === '') causes.push(required(`${base}.type`));
    for (const key of ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio']) quantities('LimitRange', `${base}.${key}`, item[key], causes);
    const max = (item['max'] ?? {}) as Obj;
    const min = (item['min'] ?? {}) as Obj;
    for (const key of ['default', 'defaultRequest'] as const) {
      for (const [r, v] of Object.entries((item[key] ?? {}) as Obj)) {
        const q = parseQuantity(v);
        const hi = parseQuantity(max[r]);
        const lo = parseQuantity(min[r]);
        const what = key === 'default' ? 'default' : 'default request';
        if (q !== null && hi !== null && compare(q, hi) > 0) causes.push(invalidValue(`${base}.${key}[${r}]`, String(v), `${what} value ${String(v)} is greater than max value ${String(max[r])}`));
        if (q !== null && lo !== null && compare(q, lo) < 0) causes.push(invalidValue(`${base}.${key}[${r}]`, String(v), `min value ${String(min[r])} is greater than ${what} value ${String(v)}`));
      }
    }
  });
}

function validateRules(o: Obj, causes: StatusCause[]): void {
  ((o['rules'] ?? []) as Obj[]).forEach((rule, i) => {
    if (!Array.isArray(rule['verbs']) || rule['verbs'].length === 0) causes.push(required(`rules[${i}].verbs`, 'verbs must contain at least one value'));
    const resources = Array.isArray(rule['resources']) && rule['resources'].length > 0;
    if (resources && (!Array.isArray(rule['apiGroups']) || rule['apiGroups'].length === 0)) causes.push(required(`rules[${i}].apiGroups`, 'resource rules must supply at least one api group'));
  });
}

function validateBinding(o: Obj, namespaced: boolean, causes: StatusCause[]): void {
  const ref = (o['roleRef'] ?? {}) as Obj;
  if (ref['apiGroup'] !== RBAC_GROUP) causes.push(unsupported('roleRef.apiGroup', ref['apiGroup'], [RBAC_GROUP]));
  const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (!kinds.includes(ref['kind'] as string)) causes.push(unsupported('roleRef.kind', ref['kind'], kinds));
  if (typeof ref['name'] !== 'string' || ref['name'] === '') causes.push(required('roleRef.name'));
  ((o['subjects'] ?? []) as Obj[]).forEach((s, i) => {
    if (!['ServiceAccount', 'User', 'Group'].includes(s['kind'] as string)) causes.push(unsupported(`subjects[${i}].kind`, s['kind'], ['ServiceAccount', 'User', 'Group']));
    if (typeof s['name'] !== 'string' || s['name'] === '') causes.push(required(`subjects[${i}].name`));
    if (s['kind'] === 'ServiceAccount' && !namespaced && (typeof s['namespace'] !== 'string' || s['namespace'] === '')) causes.push(required(`subjects[${i}].namespace`));
  });
}

function validateDeployment(o: Obj, causes: StatusCause[]): void {
  const spec = (o['spec'] ?? {}) as Obj;
  const template = (spec['template'] ?? {}) as Obj;
  const tmeta = (template['metadata'] ?? {}) as Obj;
  const selector = spec['selector'] as Obj | undefined;
  if (typeof spec['replicas'] === 'number' && spec['replicas'] < 0) causes.push(invalidValue('spec.replicas', spec['replicas'], 'must be greater than or equal to 0'));
  if (selector === undefined) causes.push(required('spec.selector'));
  else {
    const text = labelSelectorString(selector);
    if (text === '') causes.push(invalidValue('spec.selector', selector, 'empty selector is invalid for deployment'));
    else if (!matchesLabels(parseLabelSelector(text), tmeta['labels'] as Record<string, string> | undefined)) {
      causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${goMap(tmeta['labels'] as Record<string, string> | undefined)}: \`selector\` does not match template \`labels\``, field: 'spec.template.metadata.labels' });
    }
  }
  const podSpec = (template['spec'] ?? {}) as Obj;
  const policy = podSpec['restartPolicy'];
  if (policy !== undefined && policy !== 'Always') causes.push(unsupported('spec.template.spec.restartPolicy', policy, ['Always']));
  // The template is a pod without a name: validate it as one, then move the fields under spec.template.
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { ...tmeta, name: 'template', namespace: 'template' }, spec: podSpec };
  for (const c of validatePod(pod)) {
    if (c.field === 'metadata.name' || c.field === 'metadata.namespace') continue;
    causes.push({ ...c, field: `spec.template.${c.field}` });
  }
}

/** The causes of a 422 for a new or updated object of a sandbox type. */
export function validateSandboxObject(type: ResourceType, body: KubeObject): StatusCause[] {
  const o = body as Obj;
  const Ctor = MODELS.get(type) as Model;
  const causes = type === DEPLOYMENTS ? [] : modelCauses(() => new Ctor(o as never).validate(), o);
  const rbac = type.group === RBAC_GROUP;
  causes.push(...validateMeta(body.metadata, type.namespaced, rbac ? 'path-segment' : 'subdomain'));
  if (type === CONFIGMAPS) {
    validKeys('data', o['data'], causes);
    validKeys('binaryData', o['binaryData'], causes);
  } else if (type === SECRETS) validKeys('data', o['data'], causes);
  else if (type === RESOURCEQUOTAS) validateQuota(o, causes);
  else if (type === LIMITRANGES) validateLimitRange(o, causes);
  else if (type === ROLES || type === CLUSTERROLES) validateRules(o, causes);
  else if (type === ROLEBINDINGS || type === CLUSTERROLEBINDINGS) validateBinding(o, type.namespaced, causes);
  else if (type === DEPLOYMENTS) {
    causes.push(...modelCauses(() => new Deployment(o as never).validate(), o).filter((c) => !c.field.startsWith('spec.template.spec')));
    validateDeployment(o, causes);
  }
  const seen = new Set<string>();
  return causes.filter((c) => {
    const k = `${c.field}\u0000${c.message}`;
    return seen.has(k) ? false : (seen.add(k), true);
  });
}

/** The update-only rules: immutable fields. */
export function validateSandboxUpdate(type: ResourceType, old: KubeObject, next: KubeObject): StatusCause[] {
  const causes: StatusCause[] = [];
  const o = old as Obj;
  const n = next as Obj;
  if ((type === ROLEBINDINGS || type === CLUSTERROLEBINDINGS) && JSON.stringify(o['roleRef']) !== JSON.stringify(n['roleRef'])) {
    const r = (n['roleRef'] ?? {}) as Obj;
    const shown = `rbac.RoleRef{APIGroup:${JSON.stringify(r['apiGroup'] ?? '')}, Kind:${JSON.stringify(r['kind'] ?? '')}, Name:${JSON.stringify(r['name'] ?? '')}}`;
    causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${shown}: cannot change roleRef`, field: 'roleRef' });
  }
  if (type === DEPLOYMENTS) {
    const before = ((o['spec'] ?? {}) as Obj)['selector'];
    const after = ((n['spec'] ?? {}) as Obj)['selector'];
    if (JSON.stringify(before) !== JSON.stringify(after)) causes.push(invalidValue('spec.selector', after, 'field is immutable'));
  }
  if ((type === CONFIGMAPS || type === SECRETS) && o['immutable'] === true) {
    for (const f of ['data', 'binaryData', 'stringData']) {
      if (JSON.stringify(o[f]) !== JSON.stringify(n[f])) causes.push({ reason: 'FieldValueForbidden', message: 'Forbidden: field is immutable when `immutable` is set', field: f });
    }
    if (n['immutable'] !== true) causes.push({ reason: 'FieldValueForbidden', message: 'Forbidden: field is immutable when `immutable` is set', field: 'immutable' });
  }
  return causes;
}
