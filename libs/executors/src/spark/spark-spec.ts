/**
 * The SparkApplication (sparkoperator.k8s.io/v1beta2) of a try: from SparkKubernetesOperator (application_file
 * or template_spec, wrapped as Airflow does: a document without a top-level `spark` key is the `spark` part;
 * an optional `kubernetes` part is copied into driver and executor) or from the platform's SparK8sOperator
 * (code_path, image_tag, env_vars, volumes, mounts, config maps, secrets, dynamic allocation with its bounds,
 * driver/executor sizing, main_class, arguments, deps, spark_version, spark_conf, service account, node group). Windsock then sets the name (fixed per try, DNS-1035, short enough for
 * `<name>-driver`), the namespace and Airflow's labels on the app and on the driver and executor pods.
 */
import type { TaskLaunch } from '../types.ts';
import { imageForTag, nodeGroupPlacement, type KubernetesOptions } from '../kubernetes/options.ts';
import { LAUNCH_ANNOTATION, makeSafeLabelValue, objectName, tryAnnotations, tryLabels, WORKER_LABEL } from '../kubernetes/labels.ts';
import { argError, envList, isObj, loadDocument, namespaceOf, obj, objList, platformMounts, str, strList, strMap, type Obj } from '../kubernetes/task-args.ts';

export const SPARK_API_VERSION = 'sparkoperator.k8s.io/v1beta2';
export const DRIVER_CONTAINER = 'spark-kubernetes-driver';

export interface SparkPlan {
  app: Obj;
  name: string;
  namespace: string;
  /** The driver pod's name (`spec.driver.podName`, `spark.kubernetes.driver.pod.name`, else `<name>-driver`). */
  driverPod: string;
  startupTimeoutMs: number;
  deleteOnSuccess: boolean;
  deleteOnFailure: boolean;
}

/** SparkKubernetesOperator: the document's SparkApplication with the `kubernetes` part folded into driver and executor. */
function fromTemplate(launch: TaskLaunch, o: KubernetesOptions): Obj {
  const file = str(launch, 'application_file');
  const doc = file !== undefined ? loadDocument(launch, 'application_file', file, o.dagsFolder) : obj(launch, 'template_spec');
  if (!isObj(doc)) throw argError(launch, file !== undefined ? 'application_file' : 'template_spec', 'must hold a SparkApplication');
  const wrapped: Obj = 'spark' in doc ? doc : { spark: doc };
  const spark = structuredClone(wrapped.spark) as Obj;
  if (!isObj(spark) || !isObj(spark.spec)) throw argError(launch, 'application_file', 'has no spark spec');
  const k = isObj(wrapped.kubernetes) ? wrapped.kubernetes : {};
  const spec = spark.spec as Obj;
  for (const role of ['driver', 'executor']) {
    const part = (spec[role] ??= {}) as Obj;
    const env = Array.isArray(k.env_vars) ? k.env_vars : isObj(k.env_vars) ? Object.entries(k.env_vars).map(([name, value]) => ({ name, value: String(value) })) : [];
    if (env.length) part.env = [...((part.env as Obj[] | undefined) ?? []), ...env];
    if (Array.isArray(k.env_from)) part.envFrom = [...((part.envFrom as Obj[] | undefined) ?? []), ...k.env_from];
    if (Array.isArray(k.volume_mounts)) part.volumeMounts = [...((part.volumeMounts as Obj[] | undefined) ?? []), ...k.volume_mounts];
    if (isObj(k.affinity)) part.affinity = k.affinity;
    if (Array.isArray(k.tolerations)) part.tolerations = [...((part.tolerations as Obj[] | undefined) ?? []), ...k.tolerations];
  }
  if (Array.isArray(k.volumes)) spec.volumes = [...((spec.volumes as Obj[] | undefined) ?? []), ...k.volumes];
  if (Array.isArray(k.image_pull_secrets)) spec.imagePullSecrets = k.image_pull_secrets.map((s: unknown) => (isObj(s) ? String(s.name) : String(s)));
  const image = str(launch, 'image');
  if (image) spec.image = image;
  const code = str(launch, 'code_path');
  if (code) spec.mainApplicationFile = code;
  return spark;
}

function appType(codePath: string): string {
  if (codePath.endsWith('.py')) return 'Python';
  if (codePath.endsWith('.R') || codePath.endsWith('.r')) return 'R';
  return 'Scala';
}

const SIZING_KEYS = ['cores', 'memory', 'core_limit', 'coreLimit', 'memory_overhead', 'memoryOverhead', 'instances'];

/** `driver` / `executor` sizing {cores, memory, core_limit, memory_overhead, (executor) instances}. */
function sizing(launch: TaskLaunch, role: 'driver' | 'executor', given: Obj): Obj {
  for (const k of Object.keys(given)) {
    if (!SIZING_KEYS.includes(k) || (k === 'instances' && role === 'driver')) throw argError(launch, role, `has unknown key ${k} (cores, memory, core_limit, memory_overhead${role === 'executor' ? ', instances' : ''})`);
  }
  const cores = Number(given.cores ?? 1);
  if (!Number.isInteger(cores) || cores < 1) throw argError(launch, role, `cores must be a whole number of cores ≥ 1, got ${JSON.stringify(given.cores)}`);
  const instances = Number(given.instances ?? 1);
  if (role === 'executor' && (!Number.isInteger(instances) || instances < 1)) throw argError(launch, role, `instances must be a whole number ≥ 1, got ${JSON.stringify(given.instances)}`);
  const coreLimit = given.core_limit ?? given.coreLimit;
  const overhead = given.memory_overhead ?? given.memoryOverhead;
  return {
    cores, memory: String(given.memory ?? '1g'),
    ...(coreLimit !== undefined ? { coreLimit: String(coreLimit) } : {}),
    ...(overhead !== undefined ? { memoryOverhead: String(overhead) } : {}),
    ...(role === 'executor' ? { instances } : {}),
  };
}

/** `dynamic_allocation`: True (1 to 10 executors, starting with 1) or {min_executors, max_executors, initial_executors}. */
function dynamicAllocation(launch: TaskLaunch): Obj | undefined {
  const v = launch.rendered.dynamic_allocation;
  if (v === undefined || v === null || v === false) return undefined;
  if (v === true) return { enabled: true, initialExecutors: 1, minExecutors: 1, maxExecutors: 10 };
  if (!isObj(v)) throw argError(launch, 'dynamic_allocation', 'must be True or {min_executors, max_executors, initial_executors}');
  const names: Record<string, string> = { min_executors: 'minExecutors', max_executors: 'maxExecutors', initial_executors: 'initialExecutors', minExecutors: 'minExecutors', maxExecutors: 'maxExecutors', initialExecutors: 'initialExecutors', enabled: 'enabled' };
  const out: Record<string, number | boolean> = {};
  for (const [k, x] of Object.entries(v)) {
    const to = names[k];
    if (!to) throw argError(launch, 'dynamic_allocation', `has unknown key ${k} (min_executors, max_executors, initial_executors)`);
    if (to === 'enabled') { if (x === false) return undefined; continue; }
    if (typeof x !== 'number' || !Number.isInteger(x) || x < 0) throw argError(launch, 'dynamic_allocation', `${k} must be a whole number ≥ 0, got ${JSON.stringify(x)}`);
    out[to] = x;
  }
  const min = (out.minExecutors as number | undefined) ?? 1;
  const max = (out.maxExecutors as number | undefined) ?? Math.max(10, min);
  const initial = (out.initialExecutors as number | undefined) ?? min;
  if (min > max) throw argError(launch, 'dynamic_allocation', `min_executors (${min}) is above max_executors (${max})`);
  if (initial < min || initial > max) throw argError(launch, 'dynamic_allocation', `initial_executors (${initial}) must lie between min_executors (${min}) and max_executors (${max})`);
  return { enabled: true, initialExecutors: initial, minExecutors: min, maxExecutors: max };
}

/** `deps` {jars, files, py_files, packages, archives} as the CRD's spec.deps. */
function deps(launch: TaskLaunch): Obj | undefined {
  const d = obj(launch, 'deps');
  if (!d) return undefined;
  const names: Record<string, string> = { jars: 'jars', files: 'files', py_files: 'pyFiles', pyFiles: 'pyFiles', packages: 'packages', archives: 'archives' };
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(d)) {
    const to = names[k];
    if (!to) throw argError(launch, 'deps', `has unknown key ${k} (jars, files, py_files, packages, archives)`);
    const list = typeof v === 'string' ? [v] : v;
    if (!Array.isArray(list) || !list.every((x) => typeof x === 'string')) throw argError(launch, 'deps', `${k} must be a list of strings`);
    out[to] = list;
  }
  return out;
}

/** SparK8sOperator: a SparkApplication built from the platform's arguments. */
function fromPlatform(launch: TaskLaunch, o: KubernetesOptions): Obj {
  const code = str(launch, 'code_path');
  if (!code) throw argError(launch, 'code_path', 'is required');
  const tag = str(launch, 'image_tag');
  const image = str(launch, 'image') ?? (tag ? imageForTag(o.registryPrefix, tag) : undefined);
  if (!image) throw argError(launch, 'image_tag', 'is required (or image)');
  const mounts = platformMounts(launch);
  const env = envList(launch, 'env_vars');
  const resources = obj(launch, 'resources') ?? {};
  const group = str(launch, 'node_group');
  const placement = group ? nodeGroupPlacement(o, group) : undefined;
  const sa = str(launch, 'service_account_name');
  const podPart = (role: 'driver' | 'executor'): Obj => {
    const given = { ...(isObj(resources[role]) ? resources[role] : {}), ...(obj(launch, role) ?? {}) } as Obj;
    return {
      ...sizing(launch, role, given),
      ...(sa ? { serviceAccount: sa } : {}),
      ...(env.length ? { env } : {}),
      ...(mounts.envFrom.length ? { envFrom: mounts.envFrom } : {}),
      ...(mounts.configMaps.length ? { configMaps: mounts.configMaps } : {}),
      ...(objList(launch, 'volume_mounts').length ? { volumeMounts: objList(launch, 'volume_mounts') } : {}),
      ...(placement ? { nodeSelector: placement.nodeSelector, tolerations: placement.tolerations } : {}),
    };
  };
  const dyn = dynamicAllocation(launch);
  const dependencies = deps(launch);
  const mainClass = str(launch, 'main_class');
  const type = appType(code);
  if (mainClass && type !== 'Scala') throw argError(launch, 'main_class', `is for a JVM application (a .jar), not ${code}`);
  const spec: Obj = {
    type, mode: 'cluster', image, imagePullPolicy: 'IfNotPresent',
    mainApplicationFile: /^[a-z0-9]+:\/\//.test(code) ? code : `local://${code}`,
    sparkVersion: str(launch, 'spark_version') ?? o.sparkVersion, restartPolicy: { type: 'Never' },
    ...(type === 'Python' ? { pythonVersion: '3' } : {}),
    ...(mainClass ? { mainClass } : {}),
    ...(strList(launch, 'arguments') ? { arguments: strList(launch, 'arguments') } : {}),
    ...(dependencies ? { deps: dependencies } : {}),
    ...(strMap(launch, 'spark_conf') ? { sparkConf: strMap(launch, 'spark_conf') } : {}),
    ...(objList(launch, 'volumes').length ? { volumes: objList(launch, 'volumes') } : {}),
    ...(dyn ? { dynamicAllocation: dyn } : {}),
    driver: podPart('driver'), executor: podPart('executor'),
  };
  return { apiVersion: SPARK_API_VERSION, kind: 'SparkApplication', metadata: {}, spec };
}

function isPlatform(launch: TaskLaunch): boolean {
  return launch.rendered.application_file === undefined && launch.rendered.template_spec === undefined;
}

export function buildSparkApp(launch: TaskLaunch, o: KubernetesOptions, launchId: string): SparkPlan {
  const app = isPlatform(launch) ? fromPlatform(launch, o) : fromTemplate(launch, o);
  const namespace = namespaceOf(launch, str(launch, 'namespace') ?? (isObj(app.metadata) && typeof app.metadata.namespace === 'string' ? app.metadata.namespace : undefined), o);
  const name = objectName(launch.key, 63 - '-driver'.length);
  const labels = { ...tryLabels(launch.key, 'spark_kubernetes_operator'), [WORKER_LABEL]: makeSafeLabelValue(launch.workerId) };
  const meta = (isObj(app.metadata) ? app.metadata : {}) as Obj;
  app.apiVersion = SPARK_API_VERSION;
  app.kind = 'SparkApplication';
  app.metadata = {
    name, namespace,
    labels: { ...(meta.labels as Obj | undefined), ...strMap(launch, 'labels'), ...labels },
    annotations: { ...(meta.annotations as Obj | undefined), ...strMap(launch, 'annotations'), ...tryAnnotations(launch.key), [LAUNCH_ANNOTATION]: launchId },
  };
  const spec = app.spec as Obj;
  for (const role of ['driver', 'executor']) {
    const part = (spec[role] ??= {}) as Obj;
    part.labels = { ...(part.labels as Obj | undefined), ...labels };
  }
  delete app.status;
  const driver = spec.driver as Obj;
  const conf = (spec.sparkConf ?? {}) as Record<string, string>;
  const driverPod = typeof driver.podName === 'string' ? driver.podName : conf['spark.kubernetes.driver.pod.name'] ?? `${name}-driver`;
  const startup = launch.rendered.startup_timeout_seconds;
  const del = launch.rendered.delete_on_termination;
  return {
    app, name, namespace, driverPod,
    startupTimeoutMs: typeof startup === 'number' && startup > 0 ? startup * 1000 : o.startupTimeoutMs,
    deleteOnSuccess: typeof del === 'boolean' ? del : o.deleteOnSuccess,
    deleteOnFailure: typeof del === 'boolean' ? del : o.deleteOnFailure,
  };
}
