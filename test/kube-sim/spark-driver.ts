/**
 * What spark-submit produces for a SparkApplication in the fake operator: the driver pod (name per
 * GetDriverPodName, the operator's and Spark's labels, the ownerReference that garbage collection follows,
 * the `spark-kubernetes-driver` container) and how the operator reads that pod back (GetDriverState).
 */
import { ANNOTATION_PREFIX, SPARK_ANNOTATION_KEYS } from './behaviour.ts';
import type { Pod, SparkApplication } from './types.ts';

export const DRIVER_CONTAINER = 'spark-kubernetes-driver';

export interface SparkSpec {
  type?: string;
  image?: string;
  mainClass?: string;
  mainApplicationFile?: string;
  arguments?: string[];
  sparkVersion?: string;
  sparkConf?: Record<string, string>;
  timeToLiveSeconds?: number;
  restartPolicy?: { type?: string; onFailureRetries?: number; onFailureRetryInterval?: number };
  nodeSelector?: Record<string, string>;
  driver?: {
    podName?: string; image?: string; cores?: number; memory?: string; coreLimit?: string; serviceAccount?: string;
    labels?: Record<string, string>; annotations?: Record<string, string>; env?: unknown[]; envFrom?: unknown[];
    nodeSelector?: Record<string, string>; tolerations?: unknown[]; volumeMounts?: unknown[];
  };
  volumes?: unknown[];
}

/** pkg/util/sparkapplication.go GetDriverPodName. */
export function driverPodName(app: SparkApplication): string {
  const spec = app.spec as SparkSpec;
  return spec.driver?.podName ?? spec.sparkConf?.['spark.kubernetes.driver.pod.name'] ?? `${app.metadata.name}-driver`;
}

/** Spark's memory strings (512m, 2g) to MiB, plus the default overhead (10 %, at least 384 MiB). */
function podMemory(memory: string | undefined): string {
  const m = /^(\d+)([kmgt]?)b?$/i.exec(memory ?? '1g');
  const n = Number(m?.[1] ?? 1024);
  const unit = (m?.[2] ?? 'm').toLowerCase();
  const mib = unit === 'k' ? n / 1024 : unit === 'g' ? n * 1024 : unit === 't' ? n * 1024 * 1024 : unit === '' ? n / (1024 * 1024) : n;
  return `${Math.ceil(mib + Math.max(384, mib * 0.1))}Mi`;
}

/** GetDriverState: the driver pod → PENDING / RUNNING / COMPLETED / FAILED / UNKNOWN. */
export function driverState(pod: Pod): { state: string; exitCode?: number; reason?: string } {
  const ctr = pod.status.containerStatuses?.find((s) => s.name === DRIVER_CONTAINER);
  const term = ctr?.state?.terminated;
  const fromTerminated = (): { state: string; exitCode?: number; reason?: string } => term === undefined
    ? { state: 'FAILED' }
    : { state: term.exitCode === 0 ? 'COMPLETED' : 'FAILED', exitCode: term.exitCode, ...(term.reason === undefined ? {} : { reason: term.reason }) };
  switch (pod.status.phase) {
    case 'Pending': return { state: 'PENDING' };
    case 'Running': return term === undefined ? { state: 'RUNNING' } : fromTerminated();
    case 'Succeeded': return { state: 'COMPLETED' };
    case 'Failed': return fromTerminated();
    default: return { state: 'UNKNOWN' };
  }
}

export const DRIVER_TO_APP: Record<string, string> = { PENDING: 'SUBMITTED', RUNNING: 'RUNNING', COMPLETED: 'SUCCEEDING', FAILED: 'FAILING', UNKNOWN: 'UNKNOWN' };

/** The driver pod spark-submit would create (labels per §3.3, owned by the app). */
export function driverPod(app: SparkApplication, submissionID: string, appId: string): Pod {
  const spec = app.spec as SparkSpec;
  const d = spec.driver ?? {};
  const simAnnotations = Object.fromEntries(Object.entries(app.metadata.annotations ?? {})
    .filter(([k]) => k.startsWith(ANNOTATION_PREFIX) && !SPARK_ANNOTATION_KEYS.includes(k.slice(ANNOTATION_PREFIX.length))));
  const cores = d.cores ?? 1;
  const memory = podMemory(d.memory);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: driverPodName(app),
      namespace: app.metadata.namespace,
      labels: {
        ...d.labels,
        'spark-app-selector': appId,
        'spark-role': 'driver',
        ...(spec.sparkVersion === undefined ? {} : { 'spark-version': spec.sparkVersion }),
        'sparkoperator.k8s.io/app-name': app.metadata.name,
        'sparkoperator.k8s.io/launched-by-spark-operator': 'true',
        'sparkoperator.k8s.io/submission-id': submissionID,
      },
      annotations: { ...d.annotations, ...simAnnotations },
      ownerReferences: [{ apiVersion: app.apiVersion, kind: app.kind, name: app.metadata.name, uid: app.metadata.uid as string, controller: true, blockOwnerDeletion: true }],
    },
    spec: {
      restartPolicy: 'Never',
      ...(d.serviceAccount === undefined ? {} : { serviceAccountName: d.serviceAccount }),
      ...(d.nodeSelector ?? spec.nodeSelector ? { nodeSelector: d.nodeSelector ?? spec.nodeSelector } : {}),
      ...(d.tolerations === undefined ? {} : { tolerations: d.tolerations as never }),
      ...(spec.volumes === undefined ? {} : { volumes: spec.volumes as never }),
      containers: [{
        name: DRIVER_CONTAINER,
        image: d.image ?? spec.image ?? 'apache/spark:latest',
        args: ['driver', '--properties-file', '/opt/spark/conf/spark.properties',
          ...(spec.mainClass === undefined ? [] : ['--class', spec.mainClass]), spec.mainApplicationFile ?? '', ...(spec.arguments ?? [])],
        env: [{ name: 'SPARK_APPLICATION_ID', value: appId }, ...((d.env ?? []) as never[])],
        ...(d.envFrom === undefined ? {} : { envFrom: d.envFrom as never }),
        ...(d.volumeMounts === undefined ? {} : { volumeMounts: d.volumeMounts as never }),
        ports: [{ name: 'driver-rpc-port', containerPort: 7078, protocol: 'TCP' }, { name: 'blockmanager', containerPort: 7079, protocol: 'TCP' }, { name: 'spark-ui', containerPort: 4040, protocol: 'TCP' }],
        resources: { requests: { cpu: String(cores), memory }, limits: { memory, ...(d.coreLimit === undefined ? {} : { cpu: d.coreLimit }) } },
      }],
    },
    status: {},
  };
}
