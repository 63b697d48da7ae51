/**
 * deploy/kubernetes: every object validates against the official Kubernetes schemas (kubernetes-models), every
 * WINDSOCK__ variable is a real setting, and the probes point at the ports the processes serve /health on.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ConfigMap, Namespace, PersistentVolumeClaim, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { compileConfig, CONFIG_SPEC } from '@windsock/config';

const DIR = resolve(import.meta.dirname, '../deploy/kubernetes');
type Obj = { apiVersion: string; kind: string; metadata: { name: string }; [k: string]: unknown };
const objects: Obj[] = readdirSync(DIR).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
  .flatMap((f) => parseAllDocuments(readFileSync(join(DIR, f), 'utf8')).map((d) => d.toJS() as Obj).filter(Boolean));
const models: Record<string, new (o: never) => { validate(): void }> = {
  Namespace, ConfigMap, Secret, ServiceAccount, Service, PersistentVolumeClaim, Deployment, Role, RoleBinding, NetworkPolicy, ClusterRole, ClusterRoleBinding,
} as unknown as Record<string, new (o: never) => { validate(): void }>;

describe('deploy/kubernetes', () => {
  it('holds the objects distributed mode needs, each valid', () => {
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'ClusterRole/windsock-control-plane', 'ClusterRole/windsock-sandbox-admin', 'ClusterRoleBinding/windsock-control-plane',
      'ConfigMap/spark-job-config', 'ConfigMap/windsock-config', 'Deployment/windsock-scheduler', 'Deployment/windsock-webserver', 'Deployment/windsock-worker',
      'Namespace/windsock', 'Namespace/windsock-tasks',
      'NetworkPolicy/windsock-datastores', 'NetworkPolicy/windsock-default-deny', 'NetworkPolicy/windsock-scheduler',
      'NetworkPolicy/windsock-tasks-deny-ingress', 'NetworkPolicy/windsock-webserver', 'NetworkPolicy/windsock-worker',
      'PersistentVolumeClaim/spark-data', 'Role/spark', 'Role/windsock-worker', 'RoleBinding/spark', 'RoleBinding/windsock-worker',
      'Secret/spark-job-secret', 'Secret/windsock-secrets',
      'Service/windsock-webserver', 'ServiceAccount/spark', 'ServiceAccount/windsock-control-plane', 'ServiceAccount/windsock-worker']);
    for (const o of objects) {
      const Model = models[o.kind];
      expect(Model, o.kind).toBeDefined();
      expect(() => new Model!(o as never).validate(), `${o.kind}/${o.metadata.name}`).not.toThrow();
    }
  });

  it('configures only real settings', () => {
    const env: Record<string, string> = {};
    for (const o of objects) {
      if (o.kind === 'ConfigMap') Object.assign(env, o.data);
      if (o.kind === 'Secret') Object.assign(env, o.stringData);
    }
    expect(Object.keys(env).length).toBeGreaterThan(5);
    const cfg = compileConfig(env);
    expect(cfg.core.executor).toBe('kubernetes');
    expect(cfg.database.url).toMatch(/^postgres:\/\//);
  });

  it('runs the real commands and probes the ports they serve /health on', () => {
    const deployment = (name: string) => objects.find((o) => o.kind === 'Deployment' && o.metadata.name === `windsock-${name}`) as unknown as
      { spec: { template: { spec: { serviceAccountName?: string; containers: { args: string[]; ports: { containerPort: number }[]; readinessProbe: { httpGet: { path: string } } }[] } } } };
    const port = (name: string) => deployment(name).spec.template.spec.containers[0]!;
    expect(port('scheduler').args).toEqual(['windsock', 'scheduler']);
    expect(port('scheduler').ports[0]!.containerPort).toBe(CONFIG_SPEC.scheduler.health_check_port.default);
    expect(port('worker').args).toEqual(['windsock', 'worker']);
    expect(port('worker').ports[0]!.containerPort).toBe(CONFIG_SPEC.worker.health_check_port.default);
    expect(port('webserver').ports[0]!.containerPort).toBe(CONFIG_SPEC.webserver.port.default);
    expect(port('worker').readinessProbe.httpGet.path).toBe('/health');
    expect(deployment('worker').spec.template.spec.serviceAccountName).toBe('windsock-worker');
  });

  it('lists every file in the kustomization and overrides no namespace (objects span windsock and windsock-tasks)', () => {
    const k = parseAllDocuments(readFileSync(join(DIR, 'kustomization.yaml'), 'utf8'))[0]!.toJS() as { namespace?: string; resources: string[] };
    expect(k.namespace).toBeUndefined();
    expect([...k.resources].sort()).toEqual(readdirSync(DIR).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml').sort());
  });

  it('runs every process unprivileged, and gives a Kubernetes token only to the worker and the control plane', () => {
    type PodSpec = { automountServiceAccountToken?: boolean; securityContext?: { runAsNonRoot?: boolean; seccompProfile?: { type: string } };
      containers: { securityContext?: { allowPrivilegeEscalation?: boolean; readOnlyRootFilesystem?: boolean; capabilities?: { drop?: string[] } } }[] };
    for (const d of objects.filter((o) => o.kind === 'Deployment')) {
      const spec = (d as unknown as { spec: { template: { spec: PodSpec } } }).spec.template.spec;
      expect(spec.securityContext?.runAsNonRoot, d.metadata.name).toBe(true);
      expect(spec.securityContext?.seccompProfile?.type).toBe('RuntimeDefault');
      for (const c of spec.containers) {
        expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
      }
      // The worker (pods) and the webserver (the sandboxes control plane) call the API; nothing else gets a token.
      expect(spec.automountServiceAccountToken, d.metadata.name).toBe(['windsock-worker', 'windsock-webserver'].includes(d.metadata.name) ? undefined : false);
    }
  });

  it('lets the scheduler, which parses untrusted DAG files, reach only Postgres, Redis and DNS', () => {
    type Policy = { metadata: { name: string; namespace: string }; spec: { podSelector: { matchLabels?: Record<string, string> }; policyTypes: string[];
      egress?: { to?: { ipBlock?: unknown }[]; ports?: { port: number }[] }[] } };
    const policies = objects.filter((o) => o.kind === 'NetworkPolicy') as unknown as Policy[];
    const deny = policies.find((p) => p.metadata.name === 'windsock-default-deny')!;
    expect(deny.spec.podSelector).toEqual({});
    expect(deny.spec.policyTypes.sort()).toEqual(['Egress', 'Ingress']);
    const forScheduler = policies.filter((p) => p.metadata.namespace === 'windsock' && p.spec.policyTypes.includes('Egress')
      && (p.spec.podSelector.matchLabels === undefined || p.spec.podSelector.matchLabels['app.kubernetes.io/component'] === 'scheduler'));
    const egress = forScheduler.flatMap((p) => p.spec.egress ?? []);
    expect(egress.flatMap((e) => e.to ?? []).some((t) => t.ipBlock !== undefined)).toBe(false);
    expect([...new Set(egress.flatMap((e) => (e.ports ?? []).map((p) => p.port)))].sort((a, b) => a - b)).toEqual([53, 5432, 6379]);
  });
});
