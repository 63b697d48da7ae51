/**
 * The objects a pod needs that must exist, checked where a real cluster checks them:
 * - PersistentVolumeClaims: by the scheduler (VolumeBinding PreFilter), the pod stays Pending with a
 *   `FailedScheduling` event `persistentvolumeclaim "x" not found`;
 * - ConfigMap / Secret volumes: by the kubelet's volume manager, the pod stays ContainerCreating with
 *   `FailedMount` events (`MountVolume.SetUp failed for volume "v" : configmap "x" not found`);
 * - env valueFrom / envFrom: by the kubelet when it builds the container's config, the container waits in
 *   `CreateContainerConfigError` (`configmap "x" not found`, `couldn't find key k in ConfigMap ns/x`).
 * References marked `optional: true` never block. Each check returns null when everything is there.
 */
import { CONFIGMAPS, PERSISTENTVOLUMECLAIMS, SECRETS } from './resources.ts';
import type { Store } from './store.ts';
import type { Pod } from './types.ts';

interface Ref {
  name?: string;
  key?: string;
  optional?: boolean;
}

type Kind = 'configmap' | 'secret';

function lookup(store: Store, ns: string, kind: Kind, ref: Ref): string | null {
  if (ref.optional === true || ref.name === undefined) return null;
  const obj = store.get(kind === 'configmap' ? CONFIGMAPS.plural : SECRETS.plural, ns, ref.name);
  if (obj === undefined) return `${kind} "${ref.name}" not found`;
  if (ref.key === undefined) return null;
  const data = { ...(obj['data'] ?? {}) as Record<string, unknown>, ...(obj['binaryData'] ?? {}) as Record<string, unknown> };
  return ref.key in data ? null : `couldn't find key ${ref.key} in ${kind === 'configmap' ? 'ConfigMap' : 'Secret'} ${ns}/${ref.name}`;
}

export function missingClaim(store: Store, pod: Pod): string | null {
  for (const v of pod.spec.volumes ?? []) {
    const claim = v.persistentVolumeClaim?.claimName;
    if (claim !== undefined && store.get(PERSISTENTVOLUMECLAIMS.plural, pod.metadata.namespace, claim) === undefined) {
      return `persistentvolumeclaim "${claim}" not found`;
    }
  }
  return null;
}

export function missingVolumeSource(store: Store, pod: Pod): string | null {
  const ns = pod.metadata.namespace ?? '';
  for (const v of pod.spec.volumes ?? []) {
    const missing = v.configMap !== undefined ? lookup(store, ns, 'configmap', v.configMap as Ref)
      : v.secret !== undefined ? lookup(store, ns, 'secret', { name: v.secret.secretName, optional: v.secret.optional } as Ref)
        : null;
    if (missing !== null) return `MountVolume.SetUp failed for volume "${v.name}" : ${missing}`;
  }
  return null;
}

export function missingEnvSource(store: Store, pod: Pod, container: string): string | null {
  const ns = pod.metadata.namespace ?? '';
  const c = pod.spec.containers.find((x) => x.name === container);
  for (const e of c?.env ?? []) {
    const from = e.valueFrom;
    const missing = from?.configMapKeyRef !== undefined ? lookup(store, ns, 'configmap', from.configMapKeyRef as Ref)
      : from?.secretKeyRef !== undefined ? lookup(store, ns, 'secret', from.secretKeyRef as Ref) : null;
    if (missing !== null) return missing;
  }
  for (const e of c?.envFrom ?? []) {
    const missing = e.configMapRef !== undefined ? lookup(store, ns, 'configmap', e.configMapRef as Ref)
      : e.secretRef !== undefined ? lookup(store, ns, 'secret', e.secretRef as Ref) : null;
    if (missing !== null) return missing;
  }
  return null;
}
