/**
 * What the simulator serves: one descriptor per resource, used by discovery, the REST handlers, the
 * watch hub and selectors. Field selectors follow the API server's per-resource field sets
 * (pod/strategy.go PodToSelectableFields, event strategy, custom resources: metadata only).
 */
import type { ResourceRef } from './errors.ts';
import type { CrdInfo } from './spark-schema.ts';
import type { KubeObject, Pod } from './types.ts';

export interface ResourceType {
  plural: string;
  singular: string;
  kind: string;
  listKind: string;
  group: string;
  version: string;
  namespaced: boolean;
  shortNames: string[];
  verbs: string[];
  subresources: string[];
  ref: ResourceRef;
  selectableFields: readonly string[];
  fields(object: KubeObject): Record<string, string>;
}

export function apiVersionOf(r: { group: string; version: string }): string {
  return r.group === '' ? r.version : `${r.group}/${r.version}`;
}

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function metaFields(o: KubeObject, namespaced: boolean): Record<string, string> {
  const f: Record<string, string> = { 'metadata.name': o.metadata.name };
  if (namespaced) f['metadata.namespace'] = o.metadata.namespace ?? '';
  return f;
}

function make(r: Omit<ResourceType, 'ref' | 'verbs' | 'fields'> & { verbs?: string[]; extraFields?: (o: KubeObject) => Record<string, string> }): ResourceType {
  const { extraFields, ...rest } = r;
  return {
    verbs: ALL_VERBS,
    ...rest,
    ref: { group: r.group, plural: r.plural },
    fields: (o) => ({ ...metaFields(o, r.namespaced), ...(extraFields?.(o) ?? {}) }),
  };
}

export const PODS = make({
  plural: 'pods', singular: 'pod', kind: 'Pod', listKind: 'PodList', group: '', version: 'v1', namespaced: true,
  shortNames: ['po'], subresources: ['log', 'status'],
  selectableFields: ['metadata.name', 'metadata.namespace', 'spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName',
    'spec.serviceAccountName', 'spec.hostNetwork', 'status.phase', 'status.podIP', 'status.nominatedNodeName'],
  extraFields: (o) => {
    const p = o as Pod;
    return {
      'spec.nodeName': p.spec.nodeName ?? '',
      'spec.restartPolicy': p.spec.restartPolicy ?? '',
      'spec.schedulerName': p.spec.schedulerName ?? '',
      'spec.serviceAccountName': p.spec.serviceAccountName ?? '',
      'spec.hostNetwork': String(p.spec.hostNetwork ?? false),
      'status.phase': p.status.phase ?? '',
      'status.podIP': p.status.podIP ?? '',
      'status.nominatedNodeName': p.status.nominatedNodeName ?? '',
    };
  },
});

export const NAMESPACES = make({
  plural: 'namespaces', singular: 'namespace', kind: 'Namespace', listKind: 'NamespaceList', group: '', version: 'v1',
  namespaced: false, shortNames: ['ns'], subresources: ['status'],
  verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
  selectableFields: ['metadata.name', 'status.phase'],
  extraFields: (o) => ({ 'status.phase': ((o.status ?? {}) as { phase?: string }).phase ?? '' }),
});

export const EVENTS = make({
  plural: 'events', singular: 'event', kind: 'Event', listKind: 'EventList', group: '', version: 'v1', namespaced: true,
  shortNames: ['ev'], subresources: [],
  selectableFields: ['metadata.name', 'metadata.namespace', 'involvedObject.kind', 'involvedObject.namespace',
    'involvedObject.name', 'involvedObject.uid', 'involvedObject.apiVersion', 'involvedObject.resourceVersion',
    'involvedObject.fieldPath', 'reason', 'reportingComponent', 'source', 'type'],
  extraFields: (o) => {
    const io = (o['involvedObject'] ?? {}) as Record<string, string | undefined>;
    const source = (o['source'] ?? {}) as { component?: string };
    return {
      'involvedObject.kind': io['kind'] ?? '', 'involvedObject.namespace': io['namespace'] ?? '',
      'involvedObject.name': io['name'] ?? '', 'involvedObject.uid': io['uid'] ?? '',
      'involvedObject.apiVersion': io['apiVersion'] ?? '', 'involvedObject.resourceVersion': io['resourceVersion'] ?? '',
      'involvedObject.fieldPath': io['fieldPath'] ?? '', reason: String(o['reason'] ?? ''),
      reportingComponent: String(o['reportingComponent'] ?? ''), source: source.component ?? '', type: String(o['type'] ?? ''),
    };
  },
});

export function sparkApplicationsType(crd: CrdInfo): ResourceType {
  return make({
    plural: crd.plural, singular: crd.singular, kind: crd.kind, listKind: crd.listKind, group: crd.group,
    version: crd.version, namespaced: true, shortNames: crd.shortNames, subresources: ['status'],
    selectableFields: ['metadata.name', 'metadata.namespace'],
  });
}

function plain(plural: string, singular: string, kind: string, group: string, version: string, namespaced: boolean,
  shortNames: string[] = [], subresources: string[] = []): ResourceType {
  return make({
    plural, singular, kind, listKind: `${kind}List`, group, version, namespaced, shortNames, subresources,
    selectableFields: namespaced ? ['metadata.name', 'metadata.namespace'] : ['metadata.name'],
  });
}

export const CONFIGMAPS = plain('configmaps', 'configmap', 'ConfigMap', '', 'v1', true, ['cm']);
export const SECRETS = make({
  plural: 'secrets', singular: 'secret', kind: 'Secret', listKind: 'SecretList', group: '', version: 'v1', namespaced: true,
  shortNames: [], subresources: [], selectableFields: ['metadata.name', 'metadata.namespace', 'type'],
  extraFields: (o) => ({ type: String(o['type'] ?? '') }),
});
export const SERVICEACCOUNTS = plain('serviceaccounts', 'serviceaccount', 'ServiceAccount', '', 'v1', true, ['sa']);
export const PERSISTENTVOLUMECLAIMS = plain('persistentvolumeclaims', 'persistentvolumeclaim', 'PersistentVolumeClaim', '', 'v1', true, ['pvc'], ['status']);
export const RESOURCEQUOTAS = plain('resourcequotas', 'resourcequota', 'ResourceQuota', '', 'v1', true, ['quota'], ['status']);
export const LIMITRANGES = plain('limitranges', 'limitrange', 'LimitRange', '', 'v1', true, ['limits']);
export const RBAC_GROUP = 'rbac.authorization.k8s.io';
export const ROLES = plain('roles', 'role', 'Role', RBAC_GROUP, 'v1', true);
export const ROLEBINDINGS = plain('rolebindings', 'rolebinding', 'RoleBinding', RBAC_GROUP, 'v1', true);
export const CLUSTERROLES = plain('clusterroles', 'clusterrole', 'ClusterRole', RBAC_GROUP, 'v1', false);
export const CLUSTERROLEBINDINGS = plain('clusterrolebindings', 'clusterrolebinding', 'ClusterRoleBinding', RBAC_GROUP, 'v1', false);
export const DEPLOYMENTS = plain('deployments', 'deployment', 'Deployment', 'apps', 'v1', true, ['deploy'], ['scale', 'status']);

/** Everything served under /api/v1, in discovery order. */
export const CORE_TYPES: readonly ResourceType[] = [PODS, NAMESPACES, EVENTS, CONFIGMAPS, SECRETS, SERVICEACCOUNTS, PERSISTENTVOLUMECLAIMS, RESOURCEQUOTAS, LIMITRANGES];
/** The built-in API groups (the Spark CRD's group is added at start). */
export const GROUP_TYPES: readonly ResourceType[] = [DEPLOYMENTS, ROLES, ROLEBINDINGS, CLUSTERROLES, CLUSTERROLEBINDINGS];

/** The types a namespace holds, besides the custom resources. */
export const NAMESPACED_BUILTINS: readonly ResourceType[] = [...CORE_TYPES, ...GROUP_TYPES].filter((t) => t.namespaced);
