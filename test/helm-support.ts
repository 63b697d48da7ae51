/**
 * Rendering deploy/helm/windsock for tests, as `helm template` would: test/helm/render.go (Go text/template +
 * sprig, Helm's engine in miniature) is built once per source version into the temp folder, from Debian's
 * golang-go and golang-github-masterminds-sprig-dev (offline: GOPATH=/usr/share/gocode, GO111MODULE=off).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

export const CHART = resolve(import.meta.dirname, '../deploy/helm/windsock');
const SOURCE = resolve(import.meta.dirname, 'helm/render.go');

export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; [k: string]: unknown };

let binary: string | undefined;

/** The renderer's binary, built if this version of render.go has not been built yet (about 4 s). */
export function renderer(): string {
  if (binary) return binary;
  const hash = createHash('sha256').update(readFileSync(SOURCE)).digest('hex').slice(0, 12);
  const out = join(tmpdir(), `windsock-helm-render-${hash}`);
  if (!existsSync(out)) {
    const gocode = process.env.WINDSOCK_GOPATH ?? '/usr/share/gocode';
    if (!existsSync(join(gocode, 'src/github.com/Masterminds/sprig'))) {
      throw new Error(`rendering the Helm chart needs Go and sprig: apt-get install -y golang-go golang-github-masterminds-sprig-dev (looked in ${gocode})`);
    }
    const tmp = `${out}.${process.pid}.tmp`;
    execFileSync('go', ['build', '-o', tmp, SOURCE], {
      env: { ...process.env, GOPATH: gocode, GO111MODULE: 'off', GOFLAGS: '', GOCACHE: join(tmpdir(), 'windsock-helm-gocache') },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    renameSync(tmp, out); // atomic: parallel test files never run a half-written binary
  }
  binary = out;
  return out;
}

export interface Rendered {
  objects: K8sObject[];
  /** The values the templates saw (values.yaml with the overrides), what Helm checks against values.schema.json. */
  values: Record<string, unknown>;
  notes: string;
  ms: number;
}

/** Renders the chart with `overrides` laid over values.yaml (as `-f`); throws with the renderer's error. */
export function render(overrides: object = {}, opts: { name?: string; namespace?: string } = {}): Rendered {
  const dir = mkdtempSync(join(tmpdir(), 'windsock-helm-'));
  try {
    const valuesFile = join(dir, 'values.json');
    writeFileSync(join(dir, 'overrides.yaml'), JSON.stringify(overrides)); // JSON is YAML
    const bin = renderer();
    const t0 = performance.now();
    const text = execFileSync(bin, [CHART, '-f', join(dir, 'overrides.yaml'), '--name', opts.name ?? 'ws', '--namespace', opts.namespace ?? 'windsock', '--notes', '--values-out', valuesFile],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const ms = performance.now() - t0;
    const at = text.indexOf('\n---\n# Source:');
    const notesEnd = text.startsWith('NOTES:') ? (at < 0 ? text.length : at) : 0;
    const notes = text.slice(0, notesEnd).replace(/^NOTES:\n/, '');
    const objects = parseAllDocuments(text.slice(notesEnd)).map((d) => {
      if (d.errors.length > 0) throw new Error(`rendered YAML does not parse: ${d.errors[0]!.message}`);
      return d.toJS() as K8sObject | null;
    }).filter((o): o is K8sObject => o !== null);
    return { objects, values: JSON.parse(readFileSync(valuesFile, 'utf8')) as Record<string, unknown>, notes, ms };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The error text of a render that must fail. */
export function renderError(overrides: object): string {
  try {
    render(overrides);
  } catch (e) {
    return String((e as { stderr?: string }).stderr ?? (e as Error).message);
  }
  throw new Error('the render succeeded');
}

export const find = (objects: K8sObject[], kind: string, name: string): K8sObject => {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`no ${kind}/${name} in ${objects.map((x) => `${x.kind}/${x.metadata.name}`).join(', ')}`);
  return o;
};

export interface Container { name: string; image: string; args?: string[]; env?: { name: string; value?: string; valueFrom?: Record<string, unknown> }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[]; ports?: { name: string; containerPort: number }[];
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
  startupProbe?: Probe; livenessProbe?: Probe; readinessProbe?: Probe; securityContext?: Record<string, unknown> }
export interface Probe { httpGet?: { path: string; port: string | number }; tcpSocket?: { port: string | number }; exec?: { command: string[] } }
export interface PodSpec { serviceAccountName?: string; automountServiceAccountToken?: boolean; containers: Container[]; volumes?: { name: string; emptyDir?: unknown; secret?: unknown; configMap?: unknown }[] }

export const podSpec = (o: K8sObject): PodSpec => (o as unknown as { spec: { template: { spec: PodSpec } } }).spec.template.spec;
