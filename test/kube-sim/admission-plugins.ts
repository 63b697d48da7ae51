/**
 * The admission plugins that look at other objects, in the API server's order for a create: LimitRanger
 * (pods: defaults, then min/max; the QoS class is recomputed from the result) and ResourceQuota.
 */
import { qosClass } from './admission.ts';
import { admitLimitRanges } from './limit-range.ts';
import type { Quotas } from './quota.ts';
import { LIMITRANGES, PODS, type ResourceType } from './resources.ts';
import type { Store } from './store.ts';
import type { KubeObject, Pod } from './types.ts';

export function admissionPlugins(store: Store, quotas: Quotas): (type: ResourceType, object: KubeObject, displayName: string) => void {
  return (type, object, displayName) => {
    if (type === PODS) {
      const pod = object as Pod;
      admitLimitRanges(pod, store.list(LIMITRANGES.plural, pod.metadata.namespace), displayName);
      pod.status = { ...pod.status, qosClass: qosClass(pod) };
    }
    quotas.admit(type, object, displayName);
  };
}
