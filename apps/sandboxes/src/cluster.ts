/**
 * A sandbox's Kubernetes objects, made through the API: its namespace, a ResourceQuota and LimitRange from the
 * configuration (or the sandbox's own quota), a service account for its task pods, and one for its scheduler with a
 * Role and RoleBinding that let it run pods and SparkApplications in that namespace only. Every object carries owner
 * labels, so `kubectl get ns -l windsock.dev/owner=alice` shows whose it is. Creating is idempotent (409 is fine);
 * deleting the namespace deletes what is in it, and `teardown` reports when it is gone.
 */
import * as k8s from '@kubernetes/client-node';
import type { WindsockConfig } from '@windsock/config';
import { parseQuantity } from './names.ts';
import type { SandboxRow } from './types.ts';

export const SCHEDULER_ACCOUNT = 'windsock-scheduler';
/** The ClusterRole (deploy/kubernetes/rbac.yaml) the control plane binds itself to inside each sandbox namespace. */
export const SANDBOX_ADMIN_ROLE = 'windsock-sandbox-admin';
export const TASK_ACCOUNT = 'windsock-tasks';

/** Label values are 63 characters of [A-Za-z0-9._-]; a username may hold more (`@`, `+`). */
export const labelValue = (v: string) => v.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '').slice(0, 63) || 'x';

export function sandboxLabels(sb: Pick<SandboxRow, 'name' | 'owner'>): Record<string, string> {
  return { 'app.kubernetes.io/managed-by': 'windsock', 'windsock.dev/sandbox': sb.name, 'windsock.dev/owner': labelValue(sb.owner) };
}

const code = (err: unknown) => (err instanceof k8s.ApiException ? err.code : null);
async function createOrKeep(fn: () => Promise<unknown>): Promise<void> {
  try { await fn(); } catch (err) { if (code(err) !== 409) throw err; }
}

function fraction(q: string, part: number, unit: 'cpu' | 'memory'): string {
  const n = parseQuantity(q);
  if (n === null) return q;
  return unit === 'cpu' ? `${Math.max(1, Math.round((n * 1000) / part))}m` : `${Math.max(1, Math.round(n / part / 2 ** 20))}Mi`;
}

/** The quota of a sandbox: its own where it asked, the configuration's defaults elsewhere. */
export function quotaOf(sb: Pick<SandboxRow, 'quota'>, c: WindsockConfig['sandboxes']): { cpu: string; memory: string; pods: number; gpu: number } {
  const q = (sb.quota ?? {}) as { cpu?: string | number; memory?: string; pods?: number; gpu?: number };
  return { cpu: String(q.cpu ?? c.quota_cpu), memory: String(q.memory ?? c.quota_memory), pods: q.pods ?? c.quota_pods, gpu: q.gpu ?? c.quota_gpu };
}

/** The namespace and its policy objects, as manifests (validated against the official schemas in tests). */
export function namespaceObjects(sb: SandboxRow, c: WindsockConfig['sandboxes']) {
  const labels = sandboxLabels(sb);
  const meta = (name: string) => ({ name, namespace: sb.namespace, labels, annotations: { 'windsock.dev/owner': sb.owner } });
  const quota = quotaOf(sb, c);
  const [cpNamespace, cpAccount] = c.control_plane_account.includes(':') ? c.control_plane_account.split(':', 2) : [null, null];
  return {
    controlPlaneBinding: cpNamespace && cpAccount ? {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: meta('windsock-control-plane'),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: SANDBOX_ADMIN_ROLE },
      subjects: [{ kind: 'ServiceAccount', name: cpAccount, namespace: cpNamespace }],
    } satisfies k8s.V1RoleBinding : null,
    namespace: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: sb.namespace, labels, annotations: { 'windsock.dev/owner': sb.owner } } } satisfies k8s.V1Namespace,
    quota: {
      apiVersion: 'v1', kind: 'ResourceQuota', metadata: meta('sandbox-quota'),
      // CPU is bounded by requests only: a CPU limit would throttle, and the platform's operators set none.
      spec: { hard: { 'requests.cpu': quota.cpu, 'requests.memory': quota.memory, 'limits.memory': quota.memory, pods: String(quota.pods), 'requests.nvidia.com/gpu': String(quota.gpu) } },
    } satisfies k8s.V1ResourceQuota,
    limits: {
      apiVersion: 'v1', kind: 'LimitRange', metadata: meta('sandbox-limits'),
      spec: { limits: [{ type: 'Container',
        _default: { memory: c.container_default_memory },
        defaultRequest: { cpu: fraction(c.container_default_cpu, 5, 'cpu'), memory: fraction(c.container_default_memory, 2, 'memory') } }] },
    } satisfies k8s.V1LimitRange,
    taskAccount: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(TASK_ACCOUNT), automountServiceAccountToken: false } satisfies k8s.V1ServiceAccount,
    schedulerAccount: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(SCHEDULER_ACCOUNT) } satisfies k8s.V1ServiceAccount,
    role: {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: meta(SCHEDULER_ACCOUNT),
      rules: [
        { apiGroups: [''], resources: ['pods'], verbs: ['create', 'get', 'list', 'watch', 'delete', 'patch'] },
        { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
        { apiGroups: [''], resources: ['events'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['sparkoperator.k8s.io'], resources: ['sparkapplications'], verbs: ['create', 'get', 'list', 'watch', 'delete', 'patch'] },
      ],
    } satisfies k8s.V1Role,
    binding: {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: meta(SCHEDULER_ACCOUNT),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: SCHEDULER_ACCOUNT },
      subjects: [{ kind: 'ServiceAccount', name: SCHEDULER_ACCOUNT, namespace: sb.namespace }],
    } satisfies k8s.V1RoleBinding,
  };
}

export class SandboxCluster {
  readonly #core: k8s.CoreV1Api;
  readonly #rbac: k8s.RbacAuthorizationV1Api;
  readonly #c: WindsockConfig['sandboxes'];

  constructor(kc: k8s.KubeConfig, c: WindsockConfig['sandboxes']) {
    this.#core = kc.makeApiClient(k8s.CoreV1Api);
    this.#rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
    this.#c = c;
  }

  /** Creates what is missing (a namespace being deleted from an earlier sandbox of that name: an error to retry). */
  async ensure(sb: SandboxRow): Promise<void> {
    const o = namespaceObjects(sb, this.#c);
    const namespace = sb.namespace;
    await createOrKeep(() => this.#core.createNamespace({ body: o.namespace }));
    const ns = await this.#core.readNamespace({ name: namespace });
    if (ns.metadata?.labels?.['windsock.dev/sandbox'] !== sb.name) throw new Error(`namespace ${namespace} exists and is not this sandbox's: pick another name`);
    if (ns.metadata?.deletionTimestamp) throw new Error(`namespace ${namespace} is still being deleted (an earlier sandbox of this name): retrying`);
    // The control plane's rights inside the namespace come from this binding (it may bind that one ClusterRole only).
    if (o.controlPlaneBinding) await createOrKeep(() => this.#rbac.createNamespacedRoleBinding({ namespace, body: o.controlPlaneBinding! }));
    await Promise.all([
      createOrKeep(() => this.#core.createNamespacedResourceQuota({ namespace, body: o.quota })),
      createOrKeep(() => this.#core.createNamespacedLimitRange({ namespace, body: o.limits })),
      createOrKeep(() => this.#core.createNamespacedServiceAccount({ namespace, body: o.taskAccount })),
      createOrKeep(() => this.#core.createNamespacedServiceAccount({ namespace, body: o.schedulerAccount })),
      createOrKeep(() => this.#rbac.createNamespacedRole({ namespace, body: o.role })),
    ]);
    await createOrKeep(() => this.#rbac.createNamespacedRoleBinding({ namespace, body: o.binding }));
  }

  /** Deletes the namespace (and so everything in it); true once it is gone. */
  async teardown(sb: SandboxRow): Promise<boolean> {
    try {
      const ns = await this.#core.readNamespace({ name: sb.namespace });
      if (ns.metadata?.labels?.['windsock.dev/sandbox'] !== sb.name) return true; // not ours: never delete it
      if (!ns.metadata?.deletionTimestamp) await this.#core.deleteNamespace({ name: sb.namespace, propagationPolicy: 'Background' });
      return false;
    } catch (err) {
      if (code(err) === 404) return true;
      throw err;
    }
  }
}
