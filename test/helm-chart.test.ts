/**
 * deploy/helm/windsock rendered as `helm template` would (test/helm/render.go: Go text/template + sprig), with
 * the default values and with every option on: each object valid against the official Kubernetes schemas
 * (kubernetes-models, generated from the Kubernetes OpenAPI; the ServiceMonitor against prometheus-operator's CRD
 * models) and accepted by the simulator; values.schema.json rejects wrong types; the containers run real windsock
 * commands; every WINDSOCK__ variable is a real setting of libs/config; the chart covers what deploy/kubernetes does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { Ajv, type ValidateFunction } from 'ajv';
import * as k8s from '@kubernetes/client-node';
import { ConfigMap, Namespace, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { Ingress, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { compileConfig, CONFIG_SPEC } from '@windsock/config';
import { compileMetricsSettings } from '@windsock/metrics';
import { compileDagSources } from '@windsock/dag-sources';
import { startKubeSim, type KubeSim } from './kube-sim/index.ts';
import { kubeConfigFor } from './kube-sim/client-support.ts';
import { CHART, find, podSpec, render, renderError, type K8sObject, type Rendered } from './helm-support.ts';

type Model = new (o: never) => { validate(): void; apiVersion: string };
const MODELS: Record<string, Model> = {
  Namespace, ConfigMap, Secret, ServiceAccount, Service, Deployment, StatefulSet, Role, RoleBinding, ClusterRole, ClusterRoleBinding,
  NetworkPolicy, Ingress, ServiceMonitor,
} as unknown as Record<string, Model>;

const SPEC = CONFIG_SPEC as unknown as Record<string, Record<string, unknown>>;
const isReal = (section: string, key: string) => SPEC[section]?.[key] !== undefined;

const GIT = (name: string, extra: object = {}) => ({ name, git: { url: `https://git.example.com/data/${name}.git`, ref: 'main', subPath: 'dags', ...extra } });
const ALL_ON = {
  postgresql: { bundled: true, password: 'pg-secret' },
  redis: { bundled: true, password: 'redis-secret', persistence: { enabled: true } },
  tasks: { namespace: 'windsock-tasks', createNamespace: true },
  rbac: { podsExec: true, clusterScoped: true },
  dags: { mode: 'gitSync', sources: [GIT('team-a', { intervalSeconds: 5 }), GIT('team-b', { ref: 'v1.2.0', credentialsSecret: { name: 'team-b-git', usernameKey: 'username', passwordKey: 'password' } }), { name: 'local', path: '/opt/windsock/dags/.sources/local' }] },
  metrics: { statsd: { enabled: true, useHostIP: true, datadog: { enabled: true, tags: ['env:test', 'team:data'] } }, serviceMonitor: { enabled: true, labels: { release: 'kube-prometheus-stack' } } },
  ingress: { enabled: true, className: 'nginx', hosts: [{ host: 'windsock.example.com', paths: [{ path: '/', pathType: 'Prefix' }] }], tls: [{ secretName: 'windsock-tls', hosts: ['windsock.example.com'] }] },
  networkPolicy: { webserverPeers: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }] },
  config: { core: { parallelism: 64, dags_are_paused_at_creation: false }, worker: { queues: ['default', 'spark'] }, sandboxes: { max_ttl_sec: 2592000 } },
  extraEnv: [{ name: 'TZ', value: 'UTC' }],
};
const BUILTIN = {
  dags: { mode: 'builtin', credentialsSecret: { name: 'windsock-git', key: 'git.yaml' }, sizeLimit: '5Gi',
    sources: [GIT('team-a', { intervalSeconds: 2 }), GIT('team-b', { ref: undefined, tag: 'v1.2.0', subPath: undefined }), { name: 'local', path: '/opt/windsock/dags/.sources/local' }] },
  metrics: { statsd: { enabled: true, host: 'datadog-agent.monitoring.svc', port: 8125 } },
  sandboxes: { runtime: 'process' },
};

let def: Rendered, all: Rendered, builtin: Rendered;
beforeAll(() => {
  def = render();
  all = render(ALL_ON);
  builtin = render(BUILTIN);
}, 60_000);

const deployment = (r: Rendered, c: string) => find(r.objects, 'Deployment', `ws-windsock-${c}`);
const main = (r: Rendered, c: string) => podSpec(deployment(r, c)).containers.find((x) => x.name === c)!;

/** Every WINDSOCK__ variable a Windsock container gets (ConfigMap, Secret, its env), with the config file. */
function settings(r: Rendered): { env: Record<string, string>; file?: string } {
  const env: Record<string, string> = {};
  for (const o of r.objects) {
    if (o.kind === 'ConfigMap' && o.metadata.name === 'ws-windsock-config') Object.assign(env, o['data']);
    if (o.kind === 'Secret' && o.metadata.name === 'ws-windsock-secrets') {
      for (const [k, v] of Object.entries(o['data'] as Record<string, string>)) env[k] = Buffer.from(v, 'base64').toString();
    }
  }
  for (const c of ['scheduler', 'worker', 'webserver']) for (const e of main(r, c).env ?? []) env[e.name] = e.value ?? 'from-the-cluster';
  const file = r.objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'ws-windsock-config-file');
  return { env, file: file ? (file['data'] as Record<string, string>)['windsock.yaml'] : undefined };
}

function validateAll(r: Rendered) {
  expect(r.objects.length).toBeGreaterThan(10);
  for (const o of r.objects) {
    const Model = MODELS[o.kind];
    expect(Model, `no schema for ${o.kind}`).toBeDefined();
    const m = new Model!(o as never);
    expect(o.apiVersion, `${o.kind}/${o.metadata.name}`).toBe(m.apiVersion);
    expect(() => m.validate(), `${o.kind}/${o.metadata.name}`).not.toThrow();
  }
  const names = r.objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`);
  expect(new Set(names).size, 'no object twice').toBe(names.length);
}

describe('helm chart: rendering', () => {
  it('renders with the default values: the objects distributed mode needs, each valid', () => {
    validateAll(def);
    expect(def.objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'ClusterRole/windsock-sandbox-admin', 'ClusterRole/ws-windsock-control-plane', 'ClusterRoleBinding/ws-windsock-control-plane',
      'ConfigMap/ws-windsock-config', 'Deployment/ws-windsock-scheduler', 'Deployment/ws-windsock-webserver', 'Deployment/ws-windsock-worker',
      'NetworkPolicy/ws-windsock-datastores', 'NetworkPolicy/ws-windsock-default-deny', 'NetworkPolicy/ws-windsock-scheduler',
      'NetworkPolicy/ws-windsock-webserver', 'NetworkPolicy/ws-windsock-worker',
      'Role/ws-windsock-worker', 'RoleBinding/ws-windsock-worker', 'Secret/ws-windsock-secrets',
      'Service/ws-windsock-scheduler', 'Service/ws-windsock-webserver', 'Service/ws-windsock-worker',
      'ServiceAccount/ws-windsock-scheduler', 'ServiceAccount/ws-windsock-webserver', 'ServiceAccount/ws-windsock-worker']);
    expect(def.notes).toContain('kubectl -n windsock create secret generic windsock-postgresql');
    expect(def.ms).toBeLessThan(2000);
  });

  it('renders with every option on (bundled databases, git-sync sidecars, ServiceMonitor, ingress, pods/exec, cluster role), each valid', () => {
    validateAll(all);
    const kinds = all.objects.map((o) => `${o.kind}/${o.metadata.name}`);
    for (const k of ['StatefulSet/ws-windsock-postgresql', 'StatefulSet/ws-windsock-redis', 'ServiceMonitor/ws-windsock', 'Ingress/ws-windsock-webserver',
      'ClusterRole/ws-windsock-worker', 'ClusterRoleBinding/ws-windsock-worker', 'Namespace/windsock-tasks', 'NetworkPolicy/ws-windsock-tasks-deny-ingress',
      'ConfigMap/ws-windsock-config-file']) expect(kinds).toContain(k);
    expect(kinds).not.toContain('Role/ws-windsock-worker');
    // One git-sync sidecar per git repository in each pod that reads DAGs, sharing the emptyDir the process reads.
    for (const c of ['scheduler', 'worker']) {
      const spec = podSpec(deployment(all, c));
      expect(spec.containers.map((x) => x.name)).toEqual([c, 'git-sync-team-a', 'git-sync-team-b']);
      const dags = spec.volumes!.find((v) => v.name === 'dags')!;
      expect(dags.emptyDir).toBeDefined();
      for (const s of spec.containers.slice(1)) {
        expect(s.volumeMounts).toContainEqual({ name: 'dags', mountPath: '/git' });
        const env = Object.fromEntries((s.env ?? []).map((e) => [e.name, e.value ?? e.valueFrom]));
        expect(env['GITSYNC_ROOT']).toBe(`/git/.sources/${s.name.replace('git-sync-', '')}`);
        expect(env['GITSYNC_LINK']).toBe('current');
      }
      const env = Object.fromEntries((spec.containers[2]!.env ?? []).map((e) => [e.name, e.value ?? e.valueFrom]));
      expect(env).toMatchObject({ GITSYNC_REF: 'v1.2.0', GITSYNC_PERIOD: '10s', GITSYNC_PASSWORD: { secretKeyRef: { name: 'team-b-git', key: 'password' } } });
      // Writable: Windsock makes the <root>/<name> links next to the sidecars' .sources/.
      expect(spec.containers[0]!.volumeMounts).toContainEqual({ name: 'dags', mountPath: '/opt/windsock/dags' });
    }
    expect(podSpec(deployment(all, 'webserver')).containers.map((x) => x.name)).toEqual(['webserver']);
    // The declared sources are the sidecars' links, as folder sources under the root (libs/dag-sources reads them).
    const file = parseYaml(settings(all).file!) as { dag_sources: { root: string; sources: unknown } };
    expect(file.dag_sources.root).toBe('/opt/windsock/dags');
    expect(compileDagSources(file.dag_sources.sources, 30)).toEqual([
      { kind: 'folder', name: 'team-a', path: '.sources/team-a/current', subdir: 'dags', intervalMs: 30_000 },
      { kind: 'folder', name: 'team-b', path: '.sources/team-b/current', subdir: 'dags', intervalMs: 30_000 },
      { kind: 'folder', name: 'local', path: '/opt/windsock/dags/.sources/local', subdir: '', intervalMs: 30_000 }]);
    const sm = find(all.objects, 'ServiceMonitor', 'ws-windsock') as unknown as { metadata: { labels: Record<string, string> }; spec: { endpoints: { port: string; path: string }[]; selector: { matchLabels: Record<string, string> } } };
    expect(sm.metadata.labels['release']).toBe('kube-prometheus-stack');
    expect(sm.spec.endpoints.map((e) => `${e.port}${e.path}`)).toEqual(['health/metrics', 'http/metrics']);
    // Every Service the ServiceMonitor selects names its port as an endpoint does.
    const services = all.objects.filter((o) => o.kind === 'Service' && Object.entries(sm.spec.selector.matchLabels).every(([k, v]) => o.metadata.labels?.[k] === v));
    expect(services.map((s) => s.metadata.name).sort()).toEqual(['ws-windsock-scheduler', 'ws-windsock-webserver', 'ws-windsock-worker']);
    for (const s of services) expect(sm.spec.endpoints.map((e) => e.port)).toContain((s['spec'] as { ports: { name: string }[] }).ports[0]!.name);
    expect(all.notes).toContain('https://windsock.example.com/');
  });

  it('renders built-in DAG sync as [dag_sources] git sources, a writable emptyDir root and one credentials file', () => {
    validateAll(builtin);
    const file = parseYaml(settings(builtin).file!) as { dag_sources: { root: string; credentials_file: string; sources: unknown } };
    expect(file.dag_sources.root).toBe('/opt/windsock/dags');
    expect(file.dag_sources.credentials_file).toBe('/etc/windsock/git-credentials/credentials.yaml');
    expect(compileDagSources(file.dag_sources.sources, 30)).toEqual([
      { kind: 'git', name: 'team-a', url: 'https://git.example.com/data/team-a.git', branch: 'main', subdir: 'dags', intervalMs: 2000 },
      { kind: 'git', name: 'team-b', url: 'https://git.example.com/data/team-b.git', branch: 'main', tag: 'v1.2.0', subdir: '', intervalMs: 10_000 },
      { kind: 'folder', name: 'local', path: '/opt/windsock/dags/.sources/local', subdir: '', intervalMs: 30_000 }]);
    for (const c of ['scheduler', 'worker']) {
      const spec = podSpec(deployment(builtin, c));
      expect(spec.containers).toHaveLength(1);
      expect(spec.volumes).toEqual([
        { name: 'tmp', emptyDir: { sizeLimit: '1Gi' } },
        { name: 'config-file', configMap: { name: 'ws-windsock-config-file' } },
        { name: 'dags', emptyDir: { sizeLimit: '5Gi' } },
        { name: 'git-credentials', secret: { secretName: 'windsock-git', defaultMode: expect.any(Number), items: [{ key: 'git.yaml', path: 'credentials.yaml' }] } }]);
      expect(main(builtin, c).volumeMounts).toEqual(expect.arrayContaining([
        { name: 'dags', mountPath: '/opt/windsock/dags' },
        { name: 'git-credentials', mountPath: '/etc/windsock/git-credentials', readOnly: true }]));
      expect(main(builtin, c).env).toContainEqual({ name: 'WINDSOCK_CONFIG', value: '/etc/windsock/windsock.yaml' });
    }
    expect(builtin.notes).toContain('Git credentials: the file under key git.yaml of Secret windsock-git');
    // The webserver reads no DAG files: no DAG volume, no credentials.
    expect(podSpec(deployment(builtin, 'webserver')).volumes!.map((v) => v.name)).toEqual(['tmp', 'config-file']);
    // The scheduler syncs: its network policy lets it reach git hosts, and the StatsD agent.
    const policy = find(builtin.objects, 'NetworkPolicy', 'ws-windsock-scheduler') as unknown as { spec: { egress: { ports: { port: number; protocol: string }[] }[] } };
    const ports = policy.spec.egress.flatMap((e) => e.ports.map((p) => `${p.protocol}/${p.port}`));
    expect(ports).toEqual(expect.arrayContaining(['TCP/443', 'TCP/22', 'UDP/8125']));
  });

  it('leaves the image\'s DAG folder alone in image mode, whatever the sources say', () => {
    const r = render({ dags: { mode: 'image', sources: [GIT('team-a')] } });
    for (const c of ['scheduler', 'worker']) {
      expect(podSpec(deployment(r, c)).containers.map((x) => x.name)).toEqual([c]);
      expect(podSpec(deployment(r, c)).volumes!.map((v) => v.name)).toEqual(['tmp']);
    }
    expect(settings(r).file).toBeUndefined();
    expect(settings(def).file).toBeUndefined();
  });

  it('fails to render, saying why, without a database or a StatsD host', () => {
    expect(renderError({ postgresql: { external: { existingSecret: '' } } })).toMatch(/postgresql\.external\.existingSecret is required/);
    expect(renderError({ redis: { external: { existingSecret: '' } } })).toMatch(/redis\.external\.existingSecret is required/);
    expect(renderError({ metrics: { statsd: { enabled: true } } })).toMatch(/metrics\.statsd\.host is required/);
  });

  it('fails to render DAG sources Windsock would refuse, saying what to do instead', () => {
    for (const mode of ['builtin', 'gitSync']) {
      expect(renderError({ dags: { mode, sources: [{ name: 'local', path: '/srv/dags' }] } }))
        .toMatch(/dags\.sources local: path \/srv\/dags must be inside dags\.mountPath \/opt\/windsock\/dags/);
      expect(renderError({ dags: { mode, sources: [{ name: 'local', path: '/opt/windsock/dags/local/x' }] } }))
        .toMatch(/dags\.sources local: path \/opt\/windsock\/dags\/local\/x is where Windsock links the source/);
    }
    expect(renderError({ dags: { mode: 'builtin', sources: [GIT('team-a', { credentialsSecret: { name: 'team-a-git', usernameKey: 'u', passwordKey: 'p' } })] } }))
      .toMatch(/dags\.sources team-a: git\.credentialsSecret is for gitSync sidecars; in builtin mode .*dags\.credentialsSecret/);
    expect(renderError({ dags: { mode: 'builtin', sources: [GIT('team-a', { tag: 'v1' })] } })).toMatch(/dags\.sources team-a: give git\.ref \(a branch\) or git\.tag, not both/);
    // gitSync sidecars keep their per-source Secrets.
    expect(() => render({ dags: { mode: 'gitSync', sources: [GIT('team-a', { credentialsSecret: { name: 'team-a-git', usernameKey: 'u', passwordKey: 'p' } })] } })).not.toThrow();
  });

  it('keeps secrets given in values and generates url-safe 32-byte fernet keys otherwise', () => {
    const given = render({ secrets: { fernetKey: 'k'.repeat(43) + '=', jwtSecret: 'jwt' } });
    expect(settings(given).env['WINDSOCK__CORE__FERNET_KEY']).toBe('k'.repeat(43) + '=');
    const key = settings(def).env['WINDSOCK__CORE__FERNET_KEY']!;
    expect(key).toMatch(/^[A-Za-z0-9_-]+=*$/);
    expect(Buffer.from(key, 'base64url')).toHaveLength(32);
    expect(render({ secrets: { existingSecret: 'mine' } }).objects.some((o) => o.kind === 'Secret')).toBe(false);
    expect(main(render({ secrets: { existingSecret: 'mine' } }), 'worker').envFrom).toContainEqual({ secretRef: { name: 'mine' } });
  });
});

describe('helm chart: what helm lint checks (Helm is not installable here)', () => {
  it('has a valid Chart.yaml (apiVersion v2, SemVer version), a values.yaml mapping and NOTES.txt', () => {
    const chart = parseYaml(readFileSync(join(CHART, 'Chart.yaml'), 'utf8')) as Record<string, unknown>;
    expect(chart).toMatchObject({ apiVersion: 'v2', name: 'windsock', type: 'application' });
    expect(chart['version']).toMatch(/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/);
    expect(typeof chart['appVersion']).toBe('string');
    const appVersion = (JSON.parse(readFileSync(resolve(import.meta.dirname, '../apps/cli/package.json'), 'utf8')) as { version: string }).version;
    expect(chart['appVersion'], 'the chart deploys the version this repository builds').toBe(appVersion);
    expect(typeof parseYaml(readFileSync(join(CHART, 'values.yaml'), 'utf8'))).toBe('object');
    expect(readdirSync(join(CHART, 'templates'))).toContain('NOTES.txt');
  });

  it('gives every object a DNS-1123 name of at most 63 characters and the release labels, even with a 53-character release name', () => {
    const long = 'r'.repeat(53); // Helm's longest release name
    for (const r of [def, all, render(ALL_ON, { name: long })]) {
      for (const o of r.objects) {
        const id = `${o.kind}/${o.metadata.name}`;
        expect(o.metadata.name.length, id).toBeLessThanOrEqual(63);
        expect(o.metadata.name, id).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
        expect(o.metadata.labels?.['app.kubernetes.io/instance'], id).toBeDefined();
        for (const [k, v] of Object.entries(o.metadata.labels ?? {})) expect(v.length, `${id} label ${k}`).toBeLessThanOrEqual(63);
        // A StatefulSet's pods carry controller-revision-hash: <name>-<10 characters>, a label value (≤ 63).
        if (o.kind === 'StatefulSet') expect(o.metadata.name.length + 11, id).toBeLessThanOrEqual(63);
      }
      expect(JSON.stringify(r.objects)).not.toContain('<no value>');
    }
  });

  it('makes the fixed-name sandbox-admin ClusterRole optional (one per cluster) and trusts ssh hosts only from the Secret', () => {
    expect(render({ sandboxes: { createAdminRole: false } }).objects.some((o) => o.metadata.name === 'windsock-sandbox-admin')).toBe(false);
    const ssh = { name: 'ops', git: { url: 'git@git.example.com:ops/dags.git', credentialsSecret: { name: 'ops-git', sshKeyKey: 'id_ed25519' } } };
    const sidecar = podSpec(deployment(render({ dags: { mode: 'gitSync', sources: [ssh] } }), 'scheduler')).containers[1]!;
    expect(sidecar.env).toEqual(expect.arrayContaining([{ name: 'GITSYNC_SSH_KEY_FILE', value: '/etc/git-secret/id_ed25519' }, { name: 'GITSYNC_SSH_KNOWN_HOSTS_FILE', value: '/etc/git-secret/known_hosts' }]));
    expect(sidecar.volumeMounts).toContainEqual({ name: 'git-credentials-ops', mountPath: '/etc/git-secret', readOnly: true });
  });
});

describe('helm chart: values.schema.json', () => {
  const schema = JSON.parse(readFileSync(join(CHART, 'values.schema.json'), 'utf8')) as Record<string, unknown>;
  const validate: ValidateFunction = new Ajv({ allErrors: true, strict: false }).compile(schema);
  const errors = (values: object) => (validate(render(values).values) ? [] : validate.errors!.map((e) => `${e.instancePath} ${e.message}`));

  it('is JSON Schema draft-07 and accepts values.yaml and every profile above', () => {
    expect(schema['$schema']).toBe('http://json-schema.org/draft-07/schema#');
    expect(errors({})).toEqual([]);
    expect(validate(all.values), JSON.stringify(validate.errors)).toBe(true);
    expect(validate(builtin.values), JSON.stringify(validate.errors)).toBe(true);
  });

  it('rejects values of the wrong type, unknown keys and malformed sources', () => {
    expect(errors({ scheduler: { replicas: 'two' } })).toEqual(['/scheduler/replicas must be integer']);
    expect(errors({ rbac: { podsExec: 'yes' } })).toEqual(['/rbac/podsExec must be boolean']);
    expect(errors({ metrics: { statsd: { port: 99999 } } })).toEqual(['/metrics/statsd/port must be <= 65535']);
    expect(errors({ schedulr: { replicas: 1 } })).toContain(' must NOT have additional properties');
    expect(errors({ dags: { mode: 'svn' } })).toContain('/dags/mode must be equal to one of the allowed values');
    expect(errors({ dags: { sources: [{ name: 'Team A', git: { url: 'x' } }] } })).toContain('/dags/sources/0/name must match pattern "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"');
    expect(errors({ dags: { sources: [{ name: 'a', git: { url: 'x' }, path: '/x' }] } })).toContain('/dags/sources/0 must match exactly one schema in oneOf');
    expect(errors({ config: { core: { parallelism: { much: 1 } } } }).length).toBeGreaterThan(0);
    expect(errors({ worker: { resources: { limits: { memory: 'lots' } } } }).length).toBeGreaterThan(0);
  });

  it('documents every value in values.yaml with a comment above it or its section', () => {
    const text = readFileSync(join(CHART, 'values.yaml'), 'utf8');
    expect(text.split('\n').filter((l) => l.trimStart().startsWith('#')).length).toBeGreaterThan(60);
  });
});

describe('helm chart: what the processes really are', () => {
  it('sets only real settings (libs/config CONFIG_SPEC), of the right types', () => {
    for (const [name, r] of [['default', def], ['all on', all], ['builtin', builtin]] as const) {
      const { env, file } = settings(r);
      const real: Record<string, string> = {};
      for (const [k, v] of Object.entries(env)) {
        const m = /^WINDSOCK__([A-Z0-9_]+?)__([A-Z0-9_]+)$/.exec(k);
        if (!m) { expect(k, `${name}: ${k}`).toMatch(/^(WINDSOCK_HOME|WINDSOCK_CONFIG|TZ)$/); continue; }
        const [section, key] = [m[1]!.toLowerCase(), m[2]!.toLowerCase()];
        expect(isReal(section, key), `${name}: ${k} is not a setting of libs/config`).toBe(true);
        real[k] = v;
      }
      let fileText: string | undefined;
      if (file) {
        const doc = parseYaml(file) as Record<string, Record<string, unknown>>;
        for (const [section, keys] of Object.entries(doc)) {
          for (const key of Object.keys(keys)) {
            expect(isReal(section, key), `${name}: [${section}] ${key}`).toBe(true);
          }
        }
        fileText = JSON.stringify(doc);
      }
      const cfg = compileConfig({ ...real, WINDSOCK__DATABASE__URL: 'postgres://u:p@db:5432/w', WINDSOCK__QUEUE__REDIS_URL: 'redis://r:6379' }, fileText);
      expect(cfg.core.executor).toBe('kubernetes');
      expect(cfg.core.dags_folder).toBe('/opt/windsock/dags');
      // [dag_sources] is read by the real loader and compiles; [metrics] by the metrics' own check.
      const metrics = compileMetricsSettings(cfg);
      expect(metrics.statsd !== null, name).toBe(name !== 'default');
      const sources = compileDagSources(cfg.dag_sources.sources, cfg.dag_sources.sync_interval_sec);
      expect(sources.map((x) => x.name), name).toEqual(name === 'default' ? [] : ['team-a', 'team-b', 'local']);
      if (name !== 'default') expect(cfg.dag_sources.root, name).toBe('/opt/windsock/dags');
      expect(cfg.dag_sources.credentials_file, name).toBe(name === 'builtin' ? '/etc/windsock/git-credentials/credentials.yaml' : '');
      expect(cfg.kubernetes.namespace).toBe(name === 'all on' ? 'windsock-tasks' : 'windsock');
      if (name === 'all on') {
        expect(cfg.core.parallelism).toBe(64);
        expect(cfg.worker.queues).toEqual(['default', 'spark']);
        expect(cfg.sandboxes.max_ttl_sec).toBe(2592000);
        expect(cfg.sandboxes.control_plane_account).toBe('windsock:ws-windsock-webserver');
        expect(env['WINDSOCK__METRICS__STATSD_ON']).toBe('true');
        expect(metrics.statsd).toMatchObject({ datadog: true, globalTags: ['env:test', 'team:data'] });
        expect(env['WINDSOCK__METRICS__STATSD_DATADOG_TAGS']).toBe('env:test,team:data');
        expect(main(all, 'worker').env).toContainEqual({ name: 'WINDSOCK__METRICS__STATSD_HOST', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } });
      }
    }
  });

  it('runs real windsock commands', () => {
    const cli = resolve(import.meta.dirname, '../apps/cli/bin/windsock.js');
    for (const c of ['scheduler', 'worker', 'webserver']) {
      const args = main(def, c).args!;
      expect(args).toEqual(['windsock', c]);
      const help = execFileSync(process.execPath, [cli, ...args.slice(1), '--help'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
      expect(help).toContain(`Usage: windsock ${c}`);
    }
  });

  it('probes the paths and ports the processes serve, on the ports the config gives them', () => {
    const distributed = readFileSync(resolve(import.meta.dirname, '../apps/cli/src/runtime/distributed.ts'), 'utf8');
    const monitoring = readFileSync(resolve(import.meta.dirname, '../apps/webserver/src/routes/v2/monitoring.ts'), 'utf8');
    const server = readFileSync(resolve(import.meta.dirname, '../apps/webserver/src/server.ts'), 'utf8');
    expect(distributed).toContain("path === '/health/live'");
    expect(distributed).toContain("path !== '/health'");
    expect(monitoring).toContain("app.get('/monitor/health'");
    expect(server).toContain("prefix: '/api/v2'");
    for (const r of [def, all, render({ config: { scheduler: { health_check_port: 9001 }, worker: { health_check_port: 9002 }, webserver: { port: 9003 } } })]) {
      const { env } = settings(r);
      const port = (c: string) => main(r, c).ports![0]!;
      expect(port('scheduler')).toMatchObject({ name: 'health', containerPort: Number(env['WINDSOCK__SCHEDULER__HEALTH_CHECK_PORT']) });
      expect(port('worker')).toMatchObject({ name: 'health', containerPort: Number(env['WINDSOCK__WORKER__HEALTH_CHECK_PORT']) });
      expect(port('webserver')).toMatchObject({ name: 'http', containerPort: Number(env['WINDSOCK__WEBSERVER__PORT']) });
      for (const c of ['scheduler', 'worker']) {
        expect(main(r, c).readinessProbe!.httpGet).toEqual({ path: '/health', port: 'health' });
        expect(main(r, c).livenessProbe!.httpGet).toEqual({ path: '/health/live', port: 'health' });
        expect(main(r, c).startupProbe!.httpGet).toEqual({ path: '/health/live', port: 'health' });
      }
      expect(main(r, 'webserver').readinessProbe!.httpGet).toEqual({ path: '/api/v2/monitor/health', port: 'http' });
      expect(main(r, 'webserver').livenessProbe!.tcpSocket).toEqual({ port: 'http' });
      expect(main(r, 'webserver').startupProbe!.tcpSocket).toEqual({ port: 'http' });
    }
    expect(main(render({ config: { scheduler: { health_check_port: 9001 } } }), 'scheduler').ports![0]!.containerPort).toBe(9001);
  });

  it('grants pods/exec only when asked, a ClusterRole only when asked, and events and SparkApplications', () => {
    type Rule = { apiGroups: string[]; resources: string[]; verbs: string[] };
    const rules = (r: Rendered, kind: string) => (find(r.objects, kind, 'ws-windsock-worker') as unknown as { rules: Rule[] }).rules;
    const resources = (rs: Rule[]) => rs.flatMap((x) => x.resources);
    expect(resources(rules(def, 'Role'))).toEqual(['pods', 'pods/log', 'events', 'sparkapplications']);
    expect(resources(rules(all, 'ClusterRole'))).toEqual(['pods', 'pods/log', 'pods/exec', 'events', 'sparkapplications']);
    expect(find(def.objects, 'Role', 'ws-windsock-worker').metadata.namespace).toBe('windsock');
    expect(resources(rules(render({ rbac: { events: false, sparkApplications: false } }), 'Role'))).toEqual(['pods', 'pods/log']);
    expect(render({ rbac: { create: false }, sandboxes: { enabled: false } }).objects.filter((o) => /Role/.test(o.kind))).toEqual([]);
    const binding = find(all.objects, 'ClusterRoleBinding', 'ws-windsock-worker') as unknown as { subjects: unknown[] };
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'ws-windsock-worker', namespace: 'windsock' }]);
    // Without Kubernetes sandboxes the webserver gets neither the control plane's ClusterRole nor a token.
    const noSandboxes = render({ sandboxes: { runtime: 'process' } });
    expect(noSandboxes.objects.some((o) => o.metadata.name === 'ws-windsock-control-plane')).toBe(false);
    expect(podSpec(deployment(noSandboxes, 'webserver')).automountServiceAccountToken).toBe(false);
  });
});

describe('helm chart: covers deploy/kubernetes', () => {
  const DIR = resolve(import.meta.dirname, '../deploy/kubernetes');
  // spark-examples.yaml holds what the example Spark DAG names, not Windsock itself: the chart need not carry it.
  const plain: K8sObject[] = readdirSync(DIR).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml' && f !== 'spark-examples.yaml')
    .flatMap((f) => parseAllDocuments(readFileSync(join(DIR, f), 'utf8')).map((d) => d.toJS() as K8sObject).filter(Boolean));

  it('has every kind of object the plain manifests have, and grants the worker at least their rights', () => {
    const chartKinds = new Set([...def.objects, ...all.objects].map((o) => o.kind));
    for (const o of plain) expect(chartKinds, o.kind).toContain(o.kind);
    type Rule = { apiGroups: string[]; resources: string[]; verbs: string[] };
    const grants = (rs: Rule[]) => new Set(rs.flatMap((r) => r.resources.flatMap((res) => r.verbs.map((v) => `${r.apiGroups[0]}/${res}:${v}`))));
    for (const [plainName, chartKind, chartName] of [['windsock-worker', 'Role', 'ws-windsock-worker'], ['windsock-control-plane', 'ClusterRole', 'ws-windsock-control-plane'], ['windsock-sandbox-admin', 'ClusterRole', 'windsock-sandbox-admin']]) {
      const want = grants((plain.find((o) => /Role$/.test(o.kind) && o.metadata.name === plainName) as unknown as { rules: Rule[] }).rules);
      const have = grants((find(def.objects, chartKind!, chartName!) as unknown as { rules: Rule[] }).rules);
      for (const g of want) expect(have, `${chartName} lacks ${g}`).toContain(g);
    }
  });

  it('runs every process as the plain manifests do: unprivileged, a token only for the worker and the control plane', () => {
    for (const r of [def, all]) {
      for (const d of r.objects.filter((o) => o.kind === 'Deployment')) {
        const spec = podSpec(d) as ReturnType<typeof podSpec> & { securityContext: Record<string, unknown> };
        expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
        for (const c of spec.containers) expect(c.securityContext, `${d.metadata.name}/${c.name}`).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
        expect(spec.automountServiceAccountToken, d.metadata.name).toBe(d.metadata.name === 'ws-windsock-scheduler' ? false : undefined);
      }
    }
  });

  it('lets the scheduler reach only Postgres, Redis and DNS when its DAGs are in the image', () => {
    type Policy = { spec: { egress?: { to?: { ipBlock?: unknown }[]; ports?: { port: number }[] }[] } };
    const egress = (find(def.objects, 'NetworkPolicy', 'ws-windsock-scheduler') as unknown as Policy).spec.egress ?? [];
    expect(egress.flatMap((e) => e.to ?? []).some((t) => t.ipBlock !== undefined)).toBe(false);
    expect([...new Set(egress.flatMap((e) => (e.ports ?? []).map((p) => p.port)))].sort((a, b) => a - b)).toEqual([53, 5432, 6379]);
    // The bundled datastores carry the labels the policies select them by.
    for (const [name, label] of [['ws-windsock-postgresql', 'postgresql'], ['ws-windsock-redis', 'redis']]) {
      const sts = find(all.objects, 'StatefulSet', name!) as unknown as { spec: { template: { metadata: { labels: Record<string, string> } } } };
      expect(sts.spec.template.metadata.labels).toMatchObject({ 'app.kubernetes.io/name': label, 'app.kubernetes.io/instance': 'ws' });
    }
  });
});

describe('helm chart: accepted by the simulator', () => {
  let sim: KubeSim;
  beforeAll(async () => { sim = await startKubeSim({ defaultBehaviour: { runMs: null } }); });
  afterAll(async () => { await sim?.close(); });

  it('creates every object of the all-on render the simulator serves, and runs the Deployments\' and StatefulSets\' pods', async () => {
    const kc = kubeConfigFor(sim);
    const api = k8s.KubernetesObjectApi.makeApiClient(kc);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: 'windsock' } } });
    // What the user creates beside the chart (the NOTES say so): the git credentials.
    await core.createNamespacedSecret({ namespace: 'windsock', body: { metadata: { name: 'team-b-git' }, stringData: { username: 'bot', password: 'x' } } });
    const served = new Set(['Namespace', 'ConfigMap', 'Secret', 'ServiceAccount', 'Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding', 'Deployment']);
    const order = ['Namespace', 'ServiceAccount', 'Secret', 'ConfigMap', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding', 'StatefulSet', 'Deployment'];
    const objects = all.objects.filter((o) => served.has(o.kind) || o.kind === 'StatefulSet').sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind));
    const notServed = all.objects.filter((o) => !served.has(o.kind) && o.kind !== 'StatefulSet').map((o) => o.kind);
    expect([...new Set(notServed)].sort()).toEqual(['Ingress', 'NetworkPolicy', 'Service', 'ServiceMonitor']); // validated above, schema only
    for (const o of objects) {
      if (o.kind === 'StatefulSet') {
        // No StatefulSet controller in the simulator: its pod, as the controller would make it (<name>-0).
        const sts = o as unknown as { metadata: { name: string; namespace: string }; spec: { template: { metadata: { labels: Record<string, string> }; spec: Record<string, unknown> } } };
        const spec = { ...sts.spec.template.spec, volumes: [...((sts.spec.template.spec['volumes'] as unknown[]) ?? []), ...(o['spec'] as { volumeClaimTemplates?: unknown[] }).volumeClaimTemplates ? [{ name: 'data', emptyDir: {} }] : []] };
        await core.createNamespacedPod({ namespace: sts.metadata.namespace, body: { metadata: { name: `${sts.metadata.name}-0`, labels: sts.spec.template.metadata.labels }, spec: spec as never } });
        continue;
      }
      await api.create(o as k8s.KubernetesObject);
    }
    const ready = (name: string, replicas: number) => sim.waitFor(() => {
      const d = sim.object('deployments', 'windsock', name) as { status?: { readyReplicas?: number } } | undefined;
      return (d?.status?.readyReplicas ?? 0) === replicas;
    }, { timeoutMs: 15_000 });
    await ready('ws-windsock-scheduler', 2);
    await ready('ws-windsock-worker', 3);
    await ready('ws-windsock-webserver', 1);
    await sim.waitFor(() => ['ws-windsock-postgresql-0', 'ws-windsock-redis-0'].every((n) => sim.pod('windsock', n)?.status?.phase === 'Running'), { timeoutMs: 15_000 });
    const pods = sim.pods('windsock').filter((p) => p.metadata?.labels?.['app.kubernetes.io/component'] === 'scheduler');
    expect(pods[0]!.spec!.containers.map((c) => c.name)).toEqual(['scheduler', 'git-sync-team-a', 'git-sync-team-b']);
    expect(sim.namespaces()).toContain('windsock-tasks');
  }, 60_000);
});
