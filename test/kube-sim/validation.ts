/**
 * Admission-time validation, turning schema errors into the API server's 422 causes.
 *
 * - Core objects (Pods, Namespaces): the official schemas through kubernetes-models (`new Pod(x).validate()`),
 *   plus the name / label rules the schema cannot express (DNS-1123 names, label syntax, unique container
 *   names), which the API server's own validation enforces.
 * - SparkApplications: the CRD's openAPIV3Schema (see spark-schema.ts).
 * Cause reasons and texts follow apimachinery's field errors (`Required value`, `Unsupported value`, ...).
 */
import { Namespace, Pod } from 'kubernetes-models/v1';
import { compare, parseQuantity } from './quantity.ts';
import type { StatusCause } from './types.ts';

interface AjvLikeError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** `/spec/containers/0/image` → `spec.containers[0].image`, the API server's field path style. */
export function fieldPath(instancePath: string, extra?: string): string {
  const parts = instancePath.split('/').filter((p) => p !== '');
  if (extra !== undefined) parts.push(extra);
  let out = '';
  for (const p of parts) {
    const seg = p.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^\d+$/.test(seg) ? `[${seg}]` : out === '' ? seg : `.${seg}`;
  }
  return out;
}

function valueAt(root: unknown, instancePath: string): unknown {
  let cur: unknown = root;
  for (const p of instancePath.split('/').filter((x) => x !== '')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[p.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return cur;
}

/**
 * One cause per offending field. For int-or-string fields ajv reports every failed branch of the
 * `oneOf`; the most telling one (format, enum, required...) wins over bare type mismatches.
 */
export function ajvErrorsToCauses(errors: readonly AjvLikeError[], root: unknown): StatusCause[] {
  const rank = (e: AjvLikeError): number => (e.keyword === 'oneOf' || e.keyword === 'anyOf' ? 0 : e.keyword === 'type' ? 1 : 2);
  const best = new Map<string, AjvLikeError>();
  for (const e of errors) {
    const k = e.keyword === 'required' ? `${e.instancePath}/${String(e.params['missingProperty'])}` : e.instancePath;
    const prev = best.get(k);
    if (prev === undefined || rank(e) > rank(prev)) best.set(k, e);
  }
  return [...best.values()].map((e) => {
    if (e.keyword === 'required') {
      return { reason: 'FieldValueRequired', message: 'Required value', field: fieldPath(e.instancePath, String(e.params['missingProperty'])) };
    }
    const value = valueAt(root, e.instancePath);
    const shown = JSON.stringify(value);
    if (e.keyword === 'enum') {
      const allowed = (e.params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ');
      return { reason: 'FieldValueNotSupported', message: `Unsupported value: ${shown}: supported values: ${allowed}`, field: fieldPath(e.instancePath) };
    }
    if (e.keyword === 'type') {
      return { reason: 'FieldValueTypeInvalid', message: `Invalid value: ${shown}: ${e.message ?? 'wrong type'}`, field: fieldPath(e.instancePath) };
    }
    return { reason: 'FieldValueInvalid', message: `Invalid value: ${shown}: ${e.message ?? 'invalid'}`, field: fieldPath(e.instancePath) };
  });
}

export function invalidValue(field: string, value: unknown, why: string): StatusCause {
  return { reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(value)}: ${why}`, field };
}

/** The ObjectMeta checks every resource gets (apimachinery ValidateObjectMeta). */
export function validateMeta(metadata: object, namespaced: boolean, nameRule: 'subdomain' | 'path-segment' = 'subdomain'): StatusCause[] {
  const meta = metadata as Record<string, unknown>;
  const causes: StatusCause[] = [];
  const name = meta['name'];
  if (typeof name !== 'string' || name === '') {
    causes.push({ reason: 'FieldValueRequired', message: 'Required value: name or generateName is required', field: 'metadata.name' });
  } else if (nameRule === 'path-segment') {
    // RBAC names (path.IsValidPathSegmentName): anything but "." / ".." and names containing "/" or "%".
    const bad = name === '.' || name === '..' ? `may not be '${name}'` : name.includes('/') ? "may not contain '/'" : name.includes('%') ? "may not contain '%'" : null;
    if (bad !== null) causes.push(invalidValue('metadata.name', name, bad));
  } else if (!DNS1123_SUBDOMAIN.test(name) || name.length > 253) {
    causes.push(invalidValue('metadata.name', name, "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"));
  }
  if (!namespaced && meta['namespace'] !== undefined && meta['namespace'] !== '') {
    causes.push({ reason: 'FieldValueForbidden', message: 'Forbidden: not allowed on this type', field: 'metadata.namespace' });
  }
  causes.push(...validateLabels(meta['labels']));
  return causes;
}

function validateLabels(labels: unknown): StatusCause[] {
  if (labels === undefined || labels === null) return [];
  const causes: StatusCause[] = [];
  for (const [k, v] of Object.entries(labels as Record<string, unknown>)) {
    const slash = k.lastIndexOf('/');
    const prefix = slash >= 0 ? k.slice(0, slash) : '';
    const name = slash >= 0 ? k.slice(slash + 1) : k;
    if ((slash >= 0 && (!DNS1123_SUBDOMAIN.test(prefix) || prefix.length > 253)) || !LABEL_NAME.test(name) || name.length > 63) {
      causes.push(invalidValue('metadata.labels', k, "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"));
    }
    if (typeof v !== 'string' || !LABEL_VALUE.test(v) || v.length > 63) {
      causes.push(invalidValue('metadata.labels', v, "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character, and be at most 63 characters"));
    }
  }
  return causes;
}

export function modelCauses(validate: () => void, root: unknown): StatusCause[] {
  try {
    validate();
    return [];
  } catch (err) {
    const errors = (err as { errors?: AjvLikeError[] }).errors;
    if (!Array.isArray(errors)) throw err;
    return ajvErrorsToCauses(errors, root);
  }
}

export function validatePod(body: Record<string, unknown>): StatusCause[] {
  const causes = modelCauses(() => new Pod(body as ConstructorParameters<typeof Pod>[0]).validate(), body);
  causes.push(...validateMeta((body['metadata'] ?? {}) as Record<string, unknown>, true));
  const spec = body['spec'] as { containers?: unknown; initContainers?: unknown } | undefined;
  const seen = new Set<string>();
  for (const [listName, list] of [['containers', spec?.containers], ['initContainers', spec?.initContainers]] as const) {
    if (!Array.isArray(list)) continue;
    list.forEach((c: { name?: unknown }, i) => {
      const field = `spec.${listName}[${i}].name`;
      if (typeof c?.name !== 'string') return;
      if (!DNS1123_LABEL.test(c.name) || c.name.length > 63) causes.push(invalidValue(field, c.name, 'a lowercase RFC 1123 label must consist of lower case alphanumeric characters or \'-\', and must start and end with an alphanumeric character'));
      if (seen.has(c.name)) causes.push({ reason: 'FieldValueDuplicate', message: `Duplicate value: ${JSON.stringify(c.name)}`, field });
      seen.add(c.name);
    });
    if (listName === 'containers' && list.length === 0) causes.push({ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.containers' });
  }
  causes.push(...validatePodSpecRefs(body['spec'] as Record<string, unknown> | undefined));
  return causes;
}

const SUBDOMAIN_MESSAGE = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MESSAGE = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
/** Resources the API server lets a request stay below its limit for (helper.IsOvercommitAllowed). */
const NATIVE_RESOURCE = /^(cpu|memory|ephemeral-storage|hugepages-.+|requests\..+|limits\..+)$|^kubernetes\.io\//;

/**
 * The ValidatePodSpec rules the schema cannot express: the service account and volume names, and
 * ValidateResourceRequirements for extended resources (not overcommitable: a request needs an equal limit).
 */
function validatePodSpecRefs(spec: Record<string, unknown> | undefined): StatusCause[] {
  if (spec === undefined || spec === null) return [];
  const causes: StatusCause[] = [];
  const sa = spec['serviceAccountName'];
  if (typeof sa === 'string' && sa !== '' && (!DNS1123_SUBDOMAIN.test(sa) || sa.length > 253)) {
    causes.push(invalidValue('spec.serviceAccountName', sa, SUBDOMAIN_MESSAGE));
  }
  const volumes = spec['volumes'];
  if (Array.isArray(volumes)) {
    const names = new Set<string>();
    volumes.forEach((v: { name?: unknown }, i) => {
      const field = `spec.volumes[${i}].name`;
      if (typeof v?.name !== 'string') return;
      if (!DNS1123_LABEL.test(v.name) || v.name.length > 63) causes.push(invalidValue(field, v.name, LABEL_MESSAGE));
      else if (names.has(v.name)) causes.push({ reason: 'FieldValueDuplicate', message: `Duplicate value: ${JSON.stringify(v.name)}`, field });
      names.add(v.name);
    });
  }
  for (const listName of ['containers', 'initContainers'] as const) {
    const list = spec[listName];
    if (!Array.isArray(list)) continue;
    list.forEach((c: { resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> } }, i) => {
      const requests = c?.resources?.requests ?? {};
      const limits = c?.resources?.limits ?? {};
      for (const [r, q] of Object.entries(requests)) {
        if (NATIVE_RESOURCE.test(r)) continue;
        const limit = limits[r];
        const base = `spec.${listName}[${i}].resources`;
        if (limit === undefined) causes.push({ reason: 'FieldValueRequired', message: 'Required value: Limit must be set for non overcommitable resources', field: `${base}.limits` });
        else if (!sameQuantity(limit, q)) causes.push(invalidValue(`${base}.requests`, String(q), `must be equal to ${r} limit of ${String(limit)}`));
      }
    });
  }
  return causes;
}

export function validateNamespace(body: Record<string, unknown>): StatusCause[] {
  const causes = modelCauses(() => new Namespace(body as ConstructorParameters<typeof Namespace>[0]).validate(), body);
  const meta = (body['metadata'] ?? {}) as Record<string, unknown>;
  const name = meta['name'];
  if (typeof name === 'string' && (!DNS1123_LABEL.test(name) || name.length > 63)) {
    causes.push(invalidValue('metadata.name', name, 'a lowercase RFC 1123 label must consist of lower case alphanumeric characters or \'-\', and must start and end with an alphanumeric character'));
    return causes;
  }
  causes.push(...validateMeta(meta, false));
  return causes;
}

function sameQuantity(a: unknown, b: unknown): boolean {
  const qa = parseQuantity(a);
  const qb = parseQuantity(b);
  return qa !== null && qb !== null ? compare(qa, qb) === 0 : String(a) === String(b);
}
