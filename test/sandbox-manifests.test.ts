/**
 * What the sandboxes control plane makes on Kubernetes: each object valid against the official schemas, owner-
 * labelled, and within what deploy/kubernetes/rbac.yaml grants it (RBAC refuses a Role granting more than its
 * maker holds, so the scheduler's Role must be covered by windsock-sandbox-admin).
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { LimitRange, Namespace, ResourceQuota, Secret, ServiceAccount } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Role, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { compileConfig } from '@windsock/config';
import { namespaceObjects, schedulerObjects, type SandboxRow } from '@windsock/sandboxes';

const config = compileConfig({ WINDSOCK__SANDBOXES__CONTROL_PLANE_ACCOUNT: 'windsock:windsock-control-plane' });
const row = {
  name: 'alice-dev', owner: 'alice@example.com', namespace: 'windsock-sb-alice-dev', schema_name: 'sb_alice_dev', queue_prefix: 'windsock-sb-alice-dev',
  quota: { cpu: '2', memory: '4Gi' }, node_group: 'cpu_intensive_1', dag_source: { folder: 'alice/dags' },
} as unknown as SandboxRow;
type Rule = { apiGroups: string[]; resources: string[]; verbs: string[] };
const rbac = parseAllDocuments(readFileSync(resolve(import.meta.dirname, '../deploy/kubernetes/rbac.yaml'), 'utf8')).map((d) => d.toJS() as { kind: string; metadata: { name: string }; rules?: Rule[] });
const adminRules = rbac.find((o) => o.kind === 'ClusterRole' && o.metadata.name === 'windsock-sandbox-admin')!.rules!;
const granted = (group: string, resource: string, verb: string) => adminRules.some((r) => r.apiGroups.includes(group) && r.resources.includes(resource) && r.verbs.includes(verb));

describe('sandbox manifests', () => {
  const o = namespaceObjects(row, config.sandboxes);
  const s = schedulerObjects(row, { env: { WINDSOCK__DATABASE__SCHEMA: 'sb_alice_dev' } }, config.sandboxes);

  it('are valid Kubernetes objects, labelled with their sandbox and owner', () => {
    const all = [new Namespace(o.namespace as never), new ResourceQuota(o.quota as never), new LimitRange(o.limits as never), new ServiceAccount(o.taskAccount as never),
      new ServiceAccount(o.schedulerAccount as never), new Role(o.role as never), new RoleBinding(o.binding as never), new RoleBinding(o.controlPlaneBinding as never),
      new Secret(s.secret as never), new Deployment(s.deployment as never)];
    for (const m of all) expect(() => m.validate()).not.toThrow();
    expect(o.namespace.metadata.labels).toMatchObject({ 'windsock.dev/sandbox': 'alice-dev', 'windsock.dev/owner': 'alice_example.com' });
    expect(o.namespace.metadata.annotations['windsock.dev/owner']).toBe('alice@example.com');
    expect(o.quota.spec.hard).toEqual({ 'requests.cpu': '2', 'requests.memory': '4Gi', 'limits.memory': '4Gi', pods: '20', 'requests.nvidia.com/gpu': '0' });
    expect(o.limits.spec.limits[0]!._default).toEqual({ memory: '512Mi' });
    expect(o.limits.spec.limits[0]!.defaultRequest).toEqual({ cpu: '100m', memory: '256Mi' });
    expect(s.deployment.spec!.template.spec!.nodeSelector).toEqual({ 'windsock.dev/node-group': 'cpu_intensive_1' });
    expect(o.taskAccount.automountServiceAccountToken).toBe(false);
  });

  it('stay within what rbac.yaml grants the control plane', () => {
    for (const [group, resource] of [['', 'resourcequotas'], ['', 'limitranges'], ['', 'serviceaccounts'], ['', 'secrets'], ['rbac.authorization.k8s.io', 'roles'], ['rbac.authorization.k8s.io', 'rolebindings'], ['apps', 'deployments']]) {
      expect(granted(group!, resource!, 'create'), `${group}/${resource}`).toBe(true);
    }
    expect(granted('apps', 'deployments/scale', 'patch')).toBe(true);
    // No escalation: every right of the scheduler's Role is held by the control plane in that namespace.
    for (const rule of o.role.rules) for (const g of rule.apiGroups) for (const r of rule.resources) for (const v of rule.verbs) expect(granted(g, r, v), `${g}/${r} ${v}`).toBe(true);
    const cp = rbac.find((x) => x.kind === 'ClusterRole' && x.metadata.name === 'windsock-control-plane')!.rules!;
    expect(cp.flatMap((r) => r.resources).sort()).toEqual(['clusterroles', 'namespaces', 'rolebindings']);
  });
});
