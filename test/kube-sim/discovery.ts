/**
 * The discovery documents kubectl needs before it can `get`, `describe` or `logs` anything
 * (legacy, non-aggregated discovery: kubectl falls back to it when the server answers plain JSON),
 * and server-side Table rendering for `kubectl get` (Accept: ...;as=Table;g=meta.k8s.io;v=v1).
 */
import { apiVersionOf, type ResourceType } from './resources.ts';
import type { PrinterColumn } from './spark-schema.ts';
import type { KubeObject, Pod } from './types.ts';

export const SERVER_VERSION = {
  major: '1',
  minor: '34',
  gitVersion: 'v1.34.0-kube-sim',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-01-01T00:00:00Z',
  goVersion: 'go1.24.0',
  compiler: 'gc',
  platform: 'linux/amd64',
};

export function apiVersions(serverAddress: string): unknown {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

function resourceEntries(types: readonly ResourceType[]): unknown[] {
  const out: unknown[] = [];
  for (const t of types) {
    out.push({ name: t.plural, singularName: t.singular, namespaced: t.namespaced, kind: t.kind, verbs: t.verbs, ...(t.shortNames.length > 0 ? { shortNames: t.shortNames } : {}) });
    for (const sub of t.subresources) {
      const scale = sub === 'scale' ? { group: 'autoscaling', version: 'v1', kind: 'Scale' } : { kind: sub === 'log' ? 'Pod' : t.kind };
      out.push({ name: `${t.plural}/${sub}`, singularName: '', namespaced: t.namespaced, ...scale, verbs: sub === 'log' ? ['get'] : ['get', 'patch', 'update'] });
    }
  }
  return out;
}

export function apiResourceList(groupVersion: string, types: readonly ResourceType[]): unknown {
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion, resources: resourceEntries(types) };
}

/** One entry per API group of `types` (in order of first appearance). */
export function apiGroupList(types: readonly ResourceType[]): unknown {
  const seen = new Map<string, ResourceType>();
  for (const t of types) if (!seen.has(t.group)) seen.set(t.group, t);
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [...seen.values()].map((t) => apiGroup(t)),
  };
}

export function apiGroup(t: ResourceType): unknown {
  const gv = { groupVersion: apiVersionOf(t), version: t.version };
  return { kind: 'APIGroup', apiVersion: 'v1', name: t.group, versions: [gv], preferredVersion: gv };
}

/** Whether the client asked for a meta.k8s.io Table (kubectl get). */
export function wantsTable(accept: string | undefined): boolean {
  return accept !== undefined && /as=Table/.test(accept) && /g=meta\.k8s\.io/.test(accept);
}

function age(created: string | undefined): string {
  if (created === undefined) return '<unknown>';
  const s = Math.max(0, Math.floor((Date.now() - Date.parse(created)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  return `${Math.floor(s / 3600)}h`;
}

/** The STATUS column kubectl shows for a pod (printers.go printPod, simplified). */
export function podStatusText(pod: Pod): string {
  if (pod.metadata.deletionTimestamp !== undefined) return 'Terminating';
  let reason = pod.status.reason ?? pod.status.phase ?? 'Pending';
  for (const s of pod.status.containerStatuses ?? []) {
    const w = s.state?.waiting?.reason;
    const t = s.state?.terminated;
    if (w !== undefined && w !== '') reason = w;
    else if (t !== undefined) reason = t.reason ?? (t.exitCode === 0 ? 'Completed' : 'Error');
  }
  if (pod.status.containerStatuses === undefined && pod.status.conditions?.some((c) => c.reason === 'Unschedulable')) reason = 'Pending';
  return reason;
}

function column(name: string, type: string, format = ''): unknown {
  return { name, type, format, description: name, priority: 0 };
}

function jsonPath(o: unknown, path: string): unknown {
  let cur = o;
  for (const p of path.split('.').filter((x) => x !== '')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

export function toTable(type: ResourceType, objects: readonly KubeObject[], resourceVersion: string, printerColumns: readonly PrinterColumn[]): unknown {
  let columns: unknown[];
  let cells: (o: KubeObject) => unknown[];
  if (type.kind === 'Pod') {
    columns = [column('Name', 'string', 'name'), column('Ready', 'string'), column('Status', 'string'), column('Restarts', 'string'), column('Age', 'string')];
    cells = (o) => {
      const p = o as Pod;
      const statuses = p.status.containerStatuses ?? [];
      return [p.metadata.name, `${statuses.filter((s) => s.ready === true).length}/${p.spec.containers.length}`, podStatusText(p), String(statuses.reduce((n, s) => n + (s.restartCount ?? 0), 0)), age(p.metadata.creationTimestamp)];
    };
  } else if (type.kind === 'Namespace') {
    columns = [column('Name', 'string', 'name'), column('Status', 'string'), column('Age', 'string')];
    cells = (o) => [o.metadata.name, (o.status as { phase?: string } | undefined)?.phase ?? '', age(o.metadata.creationTimestamp)];
  } else if (type.kind === 'Event') {
    columns = [column('Last Seen', 'string'), column('Type', 'string'), column('Reason', 'string'), column('Object', 'string'), column('Message', 'string')];
    cells = (o) => {
      const io = o['involvedObject'] as { kind?: string; name?: string };
      return [age(o['lastTimestamp'] as string | undefined), o['type'], o['reason'], `${(io.kind ?? '').toLowerCase()}/${io.name ?? ''}`, o['message']];
    };
  } else {
    columns = [column('Name', 'string', 'name'), ...printerColumns.map((c) => column(c.name, c.type === 'date' ? 'string' : c.type))];
    cells = (o) => [o.metadata.name, ...printerColumns.map((c) => {
      const v = jsonPath(o, c.jsonPath);
      return c.type === 'date' ? age(v as string | undefined) : v ?? null;
    })];
  }
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: columns,
    rows: objects.map((o) => ({ cells: cells(o), object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata } })),
  };
}

/** The columns `kubectl get` shows for the simple built-in types (printers.go, abridged). */
export function builtinColumns(type: ResourceType): PrinterColumn[] {
  const age = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };
  if (type.kind === 'Deployment') {
    return [
      { name: 'Up-to-date', type: 'integer', jsonPath: '.status.updatedReplicas' },
      { name: 'Available', type: 'integer', jsonPath: '.status.availableReplicas' },
      { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
      age,
    ];
  }
  if (type.kind === 'Secret') return [{ name: 'Type', type: 'string', jsonPath: '.type' }, age];
  if (type.kind === 'RoleBinding' || type.kind === 'ClusterRoleBinding') return [{ name: 'Role', type: 'string', jsonPath: '.roleRef.name' }, age];
  return [age];
}

/** `api/v1` or `apis/{group}/{version}`: the group-version paths of /openapi/v3. */
function gvPath(t: ResourceType): string {
  return t.group === '' ? `api/${t.version}` : `apis/${t.group}/${t.version}`;
}

/**
 * GET /openapi/v3: the index of per-group-version documents. kubectl (1.27+, `--validate=strict` by default)
 * reads it to learn that the server validates fields itself, then sends `fieldValidation=Strict` instead of
 * validating against /openapi/v2.
 */
export function openApiV3Index(types: readonly ResourceType[]): unknown {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const t of types) paths[gvPath(t)] = { serverRelativeURL: `/openapi/v3/${gvPath(t)}?hash=kube-sim` };
  return { paths };
}

/**
 * GET /openapi/v3/{gv}: the operations of each type with the `x-kubernetes-group-version-kind` extension and the
 * `dryRun` / `fieldValidation` query parameters (what kubectl's QueryParamVerifierV3 looks for on PATCH). Schemas
 * are not served: the server validates.
 */
export function openApiV3Document(gv: string, types: readonly ResourceType[]): unknown {
  const inGv = types.filter((t) => gvPath(t) === gv);
  if (inGv.length === 0) return undefined;
  const params = ['dryRun', 'fieldManager', 'fieldValidation'].map((name) => ({ name, in: 'query', schema: { type: 'string', uniqueItems: true } }));
  const paths: Record<string, unknown> = {};
  for (const t of inGv) {
    const gvk = { group: t.group, version: t.version, kind: t.kind };
    const op = { 'x-kubernetes-group-version-kind': gvk, parameters: params, responses: {} };
    const base = `/${gv}${t.namespaced ? '/namespaces/{namespace}' : ''}/${t.plural}`;
    paths[base] = { post: op, get: { ...op, parameters: [] } };
    paths[`${base}/{name}`] = { put: op, patch: op, delete: op, get: { ...op, parameters: [] } };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: SERVER_VERSION.gitVersion }, paths };
}
