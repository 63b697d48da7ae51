/**
 * The `scale` subresource of Deployments (autoscaling/v1 Scale): GET renders it from the Deployment
 * (spec.replicas, status.replicas, the selector as a string), PUT and PATCH (json-patch, merge, strategic)
 * change only the Deployment's `spec.replicas`, with the same optimistic concurrency as the main resource.
 */
import type { Api } from './api.ts';
import { invalid, unsupportedMediaType } from './errors.ts';
import { labelSelectorString } from './label-selector.ts';
import { jsonPatch, mergePatch, strategicMergePatch } from './patch.ts';
import { DEPLOYMENTS } from './resources.ts';
import type { KubeObject } from './types.ts';

type Obj = Record<string, unknown>;

export function scaleOf(d: KubeObject): KubeObject {
  const m = d.metadata;
  const spec = (d.spec ?? {}) as Obj;
  const status = (d.status ?? {}) as Obj;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
    spec: { replicas: spec['replicas'] ?? 1 },
    status: { replicas: status['replicas'] ?? 0, selector: labelSelectorString(spec['selector']) },
  };
}

export function replaceScale(api: Api, namespace: string, name: string, body: unknown): KubeObject {
  const scale = (body ?? {}) as { metadata?: { resourceVersion?: string }; spec?: { replicas?: unknown } };
  const replicas = scale.spec?.replicas ?? 0;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
    throw invalid('Scale', 'autoscaling', name, [{ reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`, field: 'spec.replicas' }]);
  }
  const next = structuredClone(api.get(DEPLOYMENTS, namespace, name)) as KubeObject;
  next.spec = { ...(next.spec as Obj), replicas };
  const rv = scale.metadata?.resourceVersion;
  if (rv === undefined || rv === '') delete next.metadata.resourceVersion;
  else next.metadata.resourceVersion = rv;
  return scaleOf(api.replace(DEPLOYMENTS, namespace, name, next, false).object);
}

export function patchScale(api: Api, namespace: string, name: string, contentType: string, body: unknown): KubeObject {
  const current = scaleOf(api.get(DEPLOYMENTS, namespace, name));
  const media = contentType.split(';')[0]?.trim() ?? '';
  let patched: Obj;
  if (media === 'application/merge-patch+json') patched = mergePatch(current, body) as Obj;
  else if (media === 'application/strategic-merge-patch+json') patched = strategicMergePatch(current, body) as Obj;
  else if (media === 'application/json-patch+json') patched = jsonPatch(current, body) as Obj;
  else throw unsupportedMediaType(media);
  const bodyMeta = (body as { metadata?: { resourceVersion?: string } } | null)?.metadata;
  if (media !== 'application/json-patch+json' && bodyMeta?.resourceVersion === undefined) delete (patched['metadata'] as Obj)['resourceVersion'];
  return replaceScale(api, namespace, name, patched);
}
