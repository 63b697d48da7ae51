/**
 * The API server's generic REST semantics over the store: create (namespace checks, generateName,
 * admission), get, list with selectors, update/patch (optimistic concurrency on resourceVersion, the
 * status subresource), delete (pods' graceful deletion, finalizers, the Success Status of custom
 * resources) and garbage collection of owned pods. HTTP-free: routes.ts maps requests onto it.
 */
import { admitCreate, admitUpdate, generateName } from './admission.ts';
import { randomUUID } from 'node:crypto';
import { alreadyExists, badRequest, conflict, deleteSuccess, forbidden, notFound, StatusError, unsupportedMediaType } from './errors.ts';
import { jsonPatch, mergePatch, strategicMergePatch } from './patch.ts';
import { apiVersionOf, NAMESPACES, PODS, type ResourceType } from './resources.ts';
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector } from './selectors.ts';
import type { CrdInfo } from './spark-schema.ts';
import { unknownFieldWarnings } from './unknown-fields.ts';
import { nowIso, type Store } from './store.ts';
import type { KubeObject, Pod, StatusBody } from './types.ts';

export interface DeleteOptions {
  gracePeriodSeconds?: number | undefined;
  propagationPolicy?: string | undefined;
  preconditions?: { uid?: string; resourceVersion?: string } | undefined;
}

/** Query options of a write: `?dryRun=All` (admitted, not stored), `?fieldValidation=`. */
export interface WriteOptions {
  dryRun?: boolean;
  fieldValidation?: 'Strict' | 'Warn' | 'Ignore';
}

export interface Written {
  object: KubeObject;
  warnings: string[];
}

export interface ListResult {
  kind: string;
  apiVersion: string;
  metadata: { resourceVersion: string };
  items: KubeObject[];
}

function asObject(body: unknown): KubeObject {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badRequest('the body of the request must be a JSON object');
  const obj = structuredClone(body) as KubeObject;
  if (obj.metadata === undefined || obj.metadata === null || typeof obj.metadata !== 'object') obj.metadata = { name: '' };
  return obj;
}

/** Admission plugins (LimitRanger, ResourceQuota...) and the types the garbage collector looks through. */
export interface ApiPlugins {
  /** Runs on a create after validation and defaulting; may mutate the object or throw a StatusError. */
  admit?: (type: ResourceType, object: KubeObject, displayName: string) => void;
  /** Namespaced types whose objects may carry ownerReferences (default: pods). */
  ownedTypes?: () => readonly ResourceType[];
}

export class Api {
  readonly #store: Store;
  readonly #crd: CrdInfo;
  readonly #onCreate: (type: ResourceType, object: KubeObject) => void;
  readonly #plugins: ApiPlugins;

  constructor(store: Store, crd: CrdInfo, onCreate: (type: ResourceType, object: KubeObject) => void, plugins: ApiPlugins = {}) {
    this.#store = store;
    this.#crd = crd;
    this.#onCreate = onCreate;
    this.#plugins = plugins;
  }

  #checkKind(type: ResourceType, obj: KubeObject): void {
    const expected = apiVersionOf(type);
    if (obj.kind !== undefined && obj.kind !== type.kind) throw badRequest(`the server could not find the requested resource: kind ${String(obj.kind)} does not match ${type.kind}`);
    if (obj.apiVersion !== undefined && obj.apiVersion !== expected) throw badRequest(`the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${expected})`);
    obj.kind = type.kind;
    obj.apiVersion = expected;
  }

  #checkNamespace(type: ResourceType, obj: KubeObject, namespace: string | undefined): void {
    if (!type.namespaced) return;
    const ns = namespace as string;
    if (obj.metadata.namespace !== undefined && obj.metadata.namespace !== '' && obj.metadata.namespace !== ns) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    obj.metadata.namespace = ns;
    const nsObj = this.#store.get(NAMESPACES.plural, undefined, ns);
    if (nsObj === undefined) throw notFound(NAMESPACES.ref, ns);
    if (nsObj.metadata.deletionTimestamp !== undefined) {
      throw forbidden(type.ref, obj.metadata.name, `unable to create new content in namespace ${ns} because it is being terminated`);
    }
  }

  #isCustom(type: ResourceType): boolean {
    return type.group === this.#crd.group && type.plural === this.#crd.plural;
  }

  create(type: ResourceType, namespace: string | undefined, body: unknown, options: WriteOptions = {}): Written {
    const obj = asObject(body);
    this.#checkKind(type, obj);
    const meta = obj.metadata;
    // Admission errors name a generated object by its prefix (admission.extractResourceName).
    let displayName = meta.name ?? '';
    if ((meta.name === undefined || meta.name === '') && typeof meta.generateName === 'string' && meta.generateName !== '') {
      meta.name = generateName(meta.generateName);
      displayName = meta.generateName;
    }
    meta.name ??= '';
    for (const k of ['uid', 'resourceVersion', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation'] as const) delete meta[k];
    this.#checkNamespace(type, obj, namespace);
    const unknown = this.#isCustom(type) ? [] : unknownFieldWarnings(type, obj);
    const admitted = admitCreate(type, this.#crd, obj);
    const object = admitted.object;
    const warnings = [...unknown, ...admitted.warnings];
    this.#plugins.admit?.(type, object, displayName);
    const checked = fieldWarnings(type, warnings, options);
    if (options.dryRun === true) {
      if (this.#store.get(type.plural, object.metadata.namespace, object.metadata.name) !== undefined) throw alreadyExists(type.ref, object.metadata.name);
      return { object: { ...object, metadata: { ...object.metadata, uid: randomUUID(), creationTimestamp: nowIso() } }, warnings: checked };
    }
    const stored = this.#store.create(type.plural, type.ref, object);
    this.#onCreate(type, stored);
    return { object: stored, warnings: checked };
  }

  get(type: ResourceType, namespace: string | undefined, name: string): KubeObject {
    const obj = this.#store.get(type.plural, namespace, name);
    if (obj === undefined) throw notFound(type.ref, name);
    return obj;
  }

  list(type: ResourceType, namespace: string | undefined, labelSelector?: string, fieldSelector?: string): ListResult {
    const labels = parseLabelSelector(labelSelector);
    const fields = parseFieldSelector(fieldSelector, type.selectableFields);
    const items = this.#store.list(type.plural, namespace)
      .filter((o) => matchesLabels(labels, o.metadata.labels) && matchesFields(fields, type.fields(o)))
      .sort((a, b) => `${a.metadata.namespace ?? ''}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace ?? ''}/${b.metadata.name}`));
    return { kind: type.listKind, apiVersion: apiVersionOf(type), metadata: { resourceVersion: String(this.#store.currentRv()) }, items };
  }

  /** PUT of the object or of its status subresource. */
  replace(type: ResourceType, namespace: string | undefined, name: string, body: unknown, status: boolean, options: WriteOptions = {}): Written {
    const next = asObject(body);
    this.#checkKind(type, next);
    return this.#write(type, namespace, name, next, status, options);
  }

  patch(type: ResourceType, namespace: string | undefined, name: string, contentType: string, body: unknown, status: boolean, options: WriteOptions = {}): Written {
    const old = this.get(type, namespace, name);
    const media = contentType.split(';')[0]?.trim() ?? '';
    let patched: unknown;
    if (media === 'application/merge-patch+json') patched = mergePatch(old, body);
    else if (media === 'application/strategic-merge-patch+json') {
      if (type.group === this.#crd.group && type.plural === this.#crd.plural) throw unsupportedMediaType(media);
      patched = strategicMergePatch(old, body);
    } else if (media === 'application/json-patch+json') patched = jsonPatch(old, body);
    else throw unsupportedMediaType(media);
    const next = asObject(patched);
    const bodyMeta = (body as { metadata?: { resourceVersion?: string } } | null)?.metadata;
    // A patch is unconditional unless it carries a resourceVersion itself.
    if (media !== 'application/json-patch+json' && bodyMeta?.resourceVersion === undefined) delete next.metadata.resourceVersion;
    return this.#write(type, namespace, name, next, status, options);
  }

  #write(type: ResourceType, namespace: string | undefined, name: string, next: KubeObject, status: boolean, options: WriteOptions = {}): Written {
    const old = this.get(type, namespace, name);
    const rv = next.metadata.resourceVersion;
    if (rv !== undefined && rv !== '' && rv !== old.metadata.resourceVersion) throw conflict(type.ref, name);
    const unknown = this.#isCustom(type) ? [] : unknownFieldWarnings(type, next);
    const admitted = admitUpdate(type, this.#crd, old, next, status);
    const object = admitted.object;
    const warnings = fieldWarnings(type, [...unknown, ...admitted.warnings], options);
    if (options.dryRun === true) return { object: { ...object, metadata: { ...object.metadata, resourceVersion: old.metadata.resourceVersion } }, warnings };
    const stored = this.#store.update(type.plural, type.ref, namespace, name, () => object);
    this.#finishIfReleased(type, stored);
    return { object: stored, warnings };
  }

  /** An object being deleted goes away once its last finalizer is removed (a pod: once nothing runs). */
  #finishIfReleased(type: ResourceType, obj: KubeObject): void {
    if (obj.metadata.deletionTimestamp === undefined || (obj.metadata.finalizers ?? []).length > 0 || type === NAMESPACES) return;
    if (type === PODS && (obj as Pod).status.containerStatuses?.some((s) => s.state?.running !== undefined)) return;
    this.#store.remove(type.plural, type.ref, obj.metadata.namespace, obj.metadata.name);
    this.#collectGarbage(obj);
  }

  /** Returns the HTTP code and body of a DELETE. */
  delete(type: ResourceType, namespace: string | undefined, name: string, options: DeleteOptions = {}): { code: number; body: KubeObject | StatusBody } {
    const old = this.get(type, namespace, name);
    const pre = options.preconditions;
    if (pre?.uid !== undefined && pre.uid !== old.metadata.uid) {
      throw new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${old.metadata.uid ?? ''}`, reason: 'Conflict', details: { name, kind: type.plural }, code: 409 });
    }
    if (pre?.resourceVersion !== undefined && pre.resourceVersion !== old.metadata.resourceVersion) throw conflict(type.ref, name);
    if (type === NAMESPACES) {
      const ns = this.#store.update(type.plural, type.ref, undefined, name, (o) => {
        o.metadata.deletionTimestamp ??= nowIso();
        o.status = { phase: 'Terminating' };
      });
      return { code: 200, body: ns };
    }
    const orphan = options.propagationPolicy === 'Orphan';
    const grace = type === PODS ? podGrace(old as Pod, options.gracePeriodSeconds) : 0;
    const finalizers = (old.metadata.finalizers ?? []).length > 0;
    if (grace > 0 || finalizers) {
      const now = Date.now();
      const deadline = now + grace * 1000;
      const current = old.metadata.deletionTimestamp === undefined ? Infinity : Date.parse(old.metadata.deletionTimestamp);
      const updated = deadline < current
        ? this.#store.update(type.plural, type.ref, namespace, name, (o) => {
          o.metadata.deletionTimestamp = new Date(deadline).toISOString().replace(/\.\d{3}Z$/, 'Z');
          o.metadata.deletionGracePeriodSeconds = grace;
          if ((o.metadata.generation ?? 0) > 0) o.metadata.generation = (o.metadata.generation ?? 0) + 1;
        })
        : old;
      return { code: 200, body: updated };
    }
    const removed = this.#removeNow(type, old, orphan);
    return { code: 200, body: type === PODS ? removed : deleteSuccess(type.ref, name, old.metadata.uid ?? '') };
  }

  #removeNow(type: ResourceType, obj: KubeObject, orphan: boolean): KubeObject {
    const removed = this.#store.remove(type.plural, type.ref, obj.metadata.namespace, obj.metadata.name);
    if (!orphan) this.#collectGarbage(obj);
    return removed;
  }

  /** The garbage collector: objects owned by a deleted object are deleted too (background propagation). */
  #collectGarbage(owner: KubeObject): void {
    const uid = owner.metadata.uid;
    setImmediate(() => {
      for (const type of this.#plugins.ownedTypes?.() ?? [PODS]) {
        for (const o of this.#store.list(type.plural, owner.metadata.namespace)) {
          if (!(o.metadata.ownerReferences ?? []).some((r) => r.uid === uid) || o.metadata.deletionTimestamp !== undefined) continue;
          try {
            this.delete(type, o.metadata.namespace, o.metadata.name);
          } catch (err) {
            if (!(err instanceof StatusError && err.httpCode === 404)) throw err;
          }
        }
      }
    });
  }

  deleteCollection(type: ResourceType, namespace: string | undefined, labelSelector: string | undefined, fieldSelector: string | undefined, options: DeleteOptions): ListResult {
    const list = this.list(type, namespace, labelSelector, fieldSelector);
    for (const o of list.items) this.delete(type, o.metadata.namespace, o.metadata.name, options);
    return list;
  }
}

/**
 * Server-side field validation: the admission warnings about unknown fields become a 400 under
 * `fieldValidation=Strict` (the decoder's "strict decoding error"), vanish under Ignore, and are
 * `Warning` headers under Warn, the API server's default.
 */
function fieldWarnings(type: ResourceType, warnings: string[], options: WriteOptions): string[] {
  const unknown = warnings.filter((w) => w.startsWith('unknown field'));
  if (options.fieldValidation === 'Strict' && unknown.length > 0) {
    throw badRequest(`${type.kind} in version "${type.version}" cannot be handled as a ${type.kind}: strict decoding error: ${unknown.join(', ')}`);
  }
  if (options.fieldValidation === 'Ignore') return warnings.filter((w) => !w.startsWith('unknown field'));
  return warnings;
}

/** pod/strategy.go CheckGracefulDelete: 0 for unscheduled or finished pods; negative means 1. */
export function podGrace(pod: Pod, requested: number | undefined): number {
  let grace = requested ?? pod.spec.terminationGracePeriodSeconds ?? 30;
  if (grace < 0) grace = 1;
  if (pod.spec.nodeName === undefined || pod.status.phase === 'Succeeded' || pod.status.phase === 'Failed') grace = 0;
  return grace;
}
