/**
 * The admission plugins that look at other objects, in the API server's order for a create: LimitRanger
 * (pods: defaults, then min/max), the pod validation that must see the defaulted resources (requests ≤ limits,
 * as ValidateResourceRequirements runs after mutating admission; the QoS class is recomputed from the result)
 * and ResourceQuota.
 */
import { qosClass } from './admission.ts';
import { forbidden, invalid } from './errors.ts';
import { admitLimitRanges } from './limit-range.ts';
import { compare, formatQuantity, parseQuantity } from './quantity.ts';
import type { Quotas } from './quota.ts';
import { LIMITRANGES, PODS, SERVICEACCOUNTS, type ResourceType } from './resources.ts';
import type { Store } from './store.ts';
import type { KubeObject, Pod, StatusCause } from './types.ts';

function requestsWithinLimits(pod: Pod): StatusCause[] {
  const causes: StatusCause[] = [];
  for (const [list, containers] of [['containers', pod.spec.containers], ['initContainers', pod.spec.initContainers ?? []]] as const) {
    containers.forEach((c, i) => {
      for (const [r, raw] of Object.entries(c.resources?.requests ?? {})) {
        const request = parseQuantity(raw);
        const limit = parseQuantity(c.resources?.limits?.[r]);
        if (request === null || limit === null || limit.nano === 0n || compare(request, limit) <= 0) continue;
        causes.push({ reason: 'FieldValueInvalid', field: `spec.${list}[${i}].resources.requests[${r}]`,
          message: `Invalid value: ${JSON.stringify(formatQuantity(request))}: must be less than or equal to ${r} limit of ${formatQuantity(limit)}` });
      }
    });
  }
  return causes;
}

export function admissionPlugins(store: Store, quotas: Quotas): (type: ResourceType, object: KubeObject, displayName: string) => void {
  return (type, object, displayName) => {
    if (type === PODS) {
      const pod = object as Pod;
      const sa = pod.spec.serviceAccountName ?? 'default';
      // The ServiceAccount admission plugin; `default` is the controller's to create, so a brand-new
      // namespace's first pod is not refused while that create is on its way.
      if (sa !== 'default' && store.get(SERVICEACCOUNTS.plural, pod.metadata.namespace, sa) === undefined) {
        throw forbidden(PODS.ref, displayName, `error looking up service account ${pod.metadata.namespace ?? ''}/${sa}: serviceaccount "${sa}" not found`);
      }
      admitLimitRanges(pod, store.list(LIMITRANGES.plural, pod.metadata.namespace), displayName);
      const causes = requestsWithinLimits(pod);
      if (causes.length > 0) throw invalid(PODS.kind, PODS.group, pod.metadata.name, causes);
      pod.status = { ...pod.status, qosClass: qosClass(pod) };
    }
    quotas.admit(type, object, displayName);
  };
}
