/**
 * The `kubernetes` runtime: a sandbox's scheduler is a Deployment (`windsock-scheduler`, one replica) in its own
 * namespace, under its service account, with its settings in a Secret there. Sleep is a scale to zero. It is
 * `running` once its pod is available and it heart-beats in its schema's `job` table.
 *
 * A folder source lives on the control plane's disk, which the pod cannot see (it gets the image's folder): on
 * this runtime give sandboxes a git source, which the pod clones and follows itself (credentials in the Secret).
 */
import * as k8s from '@kubernetes/client-node';
import type { Kysely } from 'kysely';
import type { Database } from '@windsock/metastore';
import type { WindsockConfig } from '@windsock/config';
import type { HostState, SchedulerHost, SchedulerLaunch } from './host.ts';
import { SCHEDULER_ACCOUNT, sandboxLabels } from './cluster.ts';
import { sandboxActivity } from './sql/sandbox-activity.ts';
import type { SandboxRow } from './types.ts';

const NAME = 'windsock-scheduler';
const code = (err: unknown) => (err instanceof k8s.ApiException ? err.code : null);

export function schedulerObjects(sb: SandboxRow, launch: SchedulerLaunch, c: WindsockConfig['sandboxes']) {
  const labels = { ...sandboxLabels(sb), 'app.kubernetes.io/name': NAME };
  const secret: k8s.V1Secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: NAME, namespace: sb.namespace, labels }, type: 'Opaque', stringData: launch.env };
  const deployment: k8s.V1Deployment = {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: NAME, namespace: sb.namespace, labels, annotations: { 'windsock.dev/owner': sb.owner } },
    spec: {
      replicas: 1, selector: { matchLabels: { 'windsock.dev/sandbox': sb.name, 'app.kubernetes.io/name': NAME } }, strategy: { type: 'Recreate' },
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: SCHEDULER_ACCOUNT,
          securityContext: { runAsNonRoot: true, runAsUser: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
          ...(sb.node_group ? { nodeSelector: { 'windsock.dev/node-group': sb.node_group } } : {}),
          containers: [{
            name: 'scheduler', image: c.scheduler_image, args: ['sandbox-scheduler'],
            envFrom: [{ secretRef: { name: NAME } }],
            resources: { requests: { cpu: '100m', memory: c.scheduler_memory }, limits: { memory: c.scheduler_memory } },
            securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: false, capabilities: { drop: ['ALL'] } },
          }],
        },
      },
    },
  };
  return { secret, deployment };
}

export class KubernetesHost implements SchedulerHost {
  readonly kind = 'kubernetes' as const;
  readonly #core: k8s.CoreV1Api;
  readonly #apps: k8s.AppsV1Api;
  readonly #config: WindsockConfig;
  readonly #db: Kysely<Database> | null;

  /** `db`: the shared metastore, to read a sandbox scheduler's heartbeat (without it, an available pod is enough). */
  constructor(kc: k8s.KubeConfig, config: WindsockConfig, db: Kysely<Database> | null = null) {
    this.#core = kc.makeApiClient(k8s.CoreV1Api);
    this.#apps = kc.makeApiClient(k8s.AppsV1Api);
    this.#config = config;
    this.#db = db;
  }

  async ensure(sb: SandboxRow, launch: SchedulerLaunch): Promise<void> {
    const { secret, deployment } = schedulerObjects(sb, launch, this.#config.sandboxes);
    const namespace = sb.namespace;
    try { await this.#core.createNamespacedSecret({ namespace, body: secret }); } catch (err) {
      if (code(err) !== 409) throw err;
      await this.#core.replaceNamespacedSecret({ name: NAME, namespace, body: secret });
    }
    try { await this.#apps.createNamespacedDeployment({ namespace, body: deployment }); } catch (err) {
      if (code(err) !== 409) throw err;
      await this.#scale(sb, 1);
    }
  }

  async #scale(sb: SandboxRow, replicas: number): Promise<void> {
    await this.#apps.patchNamespacedDeploymentScale({ name: NAME, namespace: sb.namespace, body: { spec: { replicas } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
  }

  async state(sb: SandboxRow): Promise<HostState> {
    let d: k8s.V1Deployment;
    try { d = await this.#apps.readNamespacedDeployment({ name: NAME, namespace: sb.namespace }); } catch (err) {
      if (code(err) === 404) return { state: 'absent' };
      throw err;
    }
    if ((d.spec?.replicas ?? 1) === 0) return { state: 'absent' };
    const failed = d.status?.conditions?.find((c) => c.type === 'ReplicaFailure' && c.status === 'True');
    if (failed) return { state: 'failed', reason: `the scheduler's pod cannot be created: ${failed.message ?? failed.reason ?? ''}` };
    if (!(d.status?.availableReplicas ?? 0)) return { state: 'starting' };
    if (!this.#db) return { state: 'running' };
    const beat = (await sandboxActivity(this.#db, sb.schema_name)).schedulerBeatAt;
    return beat && Date.now() - new Date(beat).getTime() < 60_000 ? { state: 'running' } : { state: 'starting' };
  }

  async stop(sb: SandboxRow): Promise<void> {
    try { await this.#scale(sb, 0); } catch (err) { if (code(err) !== 404) throw err; }
  }

  async close(): Promise<void> { /* Deployments run on: another control plane takes the leases */ }
}
