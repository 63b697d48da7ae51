/**
 * The pod of a try, built as Airflow builds it: a base (pod_template_file, full_pod_spec, or executor_config's
 * pod_template_file), the operator's pod (KubernetesPodOperator arguments, the platform's K8sOperator, or a
 * bash / Python task in the default image), then executor_config's pod_override, merged with reconcile_pods;
 * last, the fields Windsock owns (name, namespace, labels, restartPolicy Never) are set. Pure apart from
 * reading template files.
 */
import { pythonRunnerSource, pythonTaskSpec } from '../python/spec.ts';
import type { TaskLaunch } from '../types.ts';
import { reconcileAll } from './merge.ts';
import { imageForTag, nodeGroupPlacement, type KubernetesOptions } from './options.ts';
import { LAUNCH_ANNOTATION, makeSafeLabelValue, objectName, sanitizeName, tryAnnotations, tryLabels, WORKER_LABEL } from './labels.ts';
import { argError, envList, isObj, loadDocument, namespaceOf, obj, objList, platformMounts, platformResources, str, strList, strMap, type Obj } from './task-args.ts';

export const BASE_CONTAINER = 'base';

export interface PodPlan {
  pod: Obj;
  name: string;
  namespace: string;
  /** Container whose log is the task log and whose exit decides the outcome. */
  container: string;
  startupTimeoutMs: number;
  deleteOnSuccess: boolean;
  deleteOnFailure: boolean;
  /** Grace period of the delete that cancels the try (termination_grace_period), if the task sets one. */
  gracePeriodSeconds: number | undefined;
  getLogs: boolean;
}

function finishPolicy(launch: TaskLaunch, o: KubernetesOptions): { onSuccess: boolean; onFailure: boolean } {
  let action = str(launch, 'on_finish_action');
  const legacy = launch.rendered.is_delete_operator_pod;
  if (action === undefined && typeof legacy === 'boolean') action = legacy ? 'delete_pod' : 'keep_pod';
  switch (action) {
    case undefined: return { onSuccess: o.deleteOnSuccess, onFailure: o.deleteOnFailure };
    case 'delete_pod': return { onSuccess: true, onFailure: true };
    case 'delete_succeeded_pod': return { onSuccess: true, onFailure: false };
    case 'keep_pod': return { onSuccess: false, onFailure: false };
    default: throw argError(launch, 'on_finish_action', `must be delete_pod, delete_succeeded_pod or keep_pod, got ${action}`);
  }
}

/** KubernetesPodOperator's `secrets` (airflow Secret objects): env with a key, envFrom without, or a volume. */
function secretParts(launch: TaskLaunch): { env: Obj[]; envFrom: Obj[]; volumes: Obj[]; mounts: Obj[] } {
  const out = { env: [] as Obj[], envFrom: [] as Obj[], volumes: [] as Obj[], mounts: [] as Obj[] };
  objList(launch, 'secrets').forEach((s, i) => {
    const secret = String(s.secret ?? '');
    if (s.deploy_type === 'volume') {
      const name = `secretvol${i}`;
      out.volumes.push({ name, secret: { secretName: secret, ...(s.items ? { items: s.items } : {}) } });
      out.mounts.push({ name, mountPath: String(s.deploy_target), readOnly: true });
    } else if (s.key) out.env.push({ name: String(s.deploy_target), valueFrom: { secretKeyRef: { name: secret, key: String(s.key) } } });
    else out.envFrom.push({ secretRef: { name: secret } });
  });
  return out;
}

function imagePullSecrets(launch: TaskLaunch): Obj[] | undefined {
  const v = launch.rendered.image_pull_secrets;
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'string') return v.split(',').map((n) => ({ name: n.trim() })).filter((x) => x.name !== '');
  return objList(launch, 'image_pull_secrets');
}

/** The container command of each kind of task. */
function commandOf(launch: TaskLaunch): { command?: string[]; args?: string[] } {
  const r = launch.rendered;
  switch (launch.task.kind) {
    case 'bash':
      if (typeof r.bash_command !== 'string' || r.bash_command.trim() === '') throw argError(launch, 'bash_command', 'is empty');
      return { command: ['bash', '-c', r.bash_command] };
    case 'pod':
      if (typeof r.cmd === 'string') return { command: ['bash', '-c', r.cmd] };
      return { command: strList(launch, 'cmds'), args: strList(launch, 'arguments') };
    case 'python':
      // The runner's source as the command, the callable as WINDSOCK_TASK_SPEC (see operatorPod): the image only
      // needs a `python` (the task's image, or [kubernetes] default_image).
      return { command: ['python', '-c', pythonRunnerSource()] };
    default:
      throw argError(launch, 'kind', `${launch.task.kind} cannot run as a pod`);
  }
}

/** The operator's own pod (Airflow's "dynamic pod"). */
function operatorPod(launch: TaskLaunch, o: KubernetesOptions): Obj {
  const r = launch.rendered;
  const platform = platformMounts(launch);
  const secrets = secretParts(launch);
  const tag = str(launch, 'image_tag');
  const image = str(launch, 'image') ?? (tag !== undefined ? imageForTag(o.registryPrefix, tag) : o.defaultImage);
  const { command, args } = commandOf(launch);
  const resources = obj(launch, 'container_resources') ?? platformResources(launch, 'resources');
  const group = str(launch, 'node_group');
  const placement = group !== undefined ? nodeGroupPlacement(o, group) : undefined;
  const env = [...envList(launch, 'env_vars'), ...secrets.env, ...Object.entries(launch.env).map(([name, value]) => ({ name, value })),
    ...(launch.task.kind === 'python' ? [{ name: 'WINDSOCK_TASK_SPEC', value: JSON.stringify(pythonTaskSpec(launch, [])) }, { name: 'PYTHONUNBUFFERED', value: '1' }] : [])];
  const envFrom = [...platform.envFrom, ...(strList(launch, 'configmaps') ?? []).map((name) => ({ configMapRef: { name } })), ...secrets.envFrom];
  const volumeMounts = [...objList(launch, 'volume_mounts'), ...platform.mounts, ...secrets.mounts];
  const container: Obj = {
    name: BASE_CONTAINER, image, ...(command?.length ? { command } : {}), ...(args?.length ? { args } : {}),
    ...(env.length ? { env } : {}), ...(envFrom.length ? { envFrom } : {}), ...(volumeMounts.length ? { volumeMounts } : {}),
    ...(resources ? { resources } : {}), ...(objList(launch, 'ports').length ? { ports: objList(launch, 'ports') } : {}),
    ...(str(launch, 'image_pull_policy') ? { imagePullPolicy: str(launch, 'image_pull_policy') } : {}),
    ...(obj(launch, 'container_security_context') ? { securityContext: obj(launch, 'container_security_context') } : {}),
    ...(str(launch, 'termination_message_policy') ? { terminationMessagePolicy: str(launch, 'termination_message_policy') } : {}),
  };
  const volumes = [...objList(launch, 'volumes'), ...platform.volumes, ...secrets.volumes];
  const nodeSelector = { ...placement?.nodeSelector, ...strMap(launch, 'node_selector') };
  const tolerations = [...(placement?.tolerations ?? []), ...objList(launch, 'tolerations')];
  const spec: Obj = {
    containers: [container],
    ...(volumes.length ? { volumes } : {}),
    ...(Object.keys(nodeSelector).length ? { nodeSelector } : {}),
    ...(tolerations.length ? { tolerations } : {}),
    ...(obj(launch, 'affinity') ? { affinity: obj(launch, 'affinity') } : {}),
    ...(str(launch, 'service_account_name') ? { serviceAccountName: str(launch, 'service_account_name') } : {}),
    ...(imagePullSecrets(launch) ? { imagePullSecrets: imagePullSecrets(launch) } : {}),
    ...(obj(launch, 'security_context') ? { securityContext: obj(launch, 'security_context') } : {}),
    ...(typeof r.hostnetwork === 'boolean' ? { hostNetwork: r.hostnetwork } : {}),
    ...(str(launch, 'dnspolicy') ? { dnsPolicy: str(launch, 'dnspolicy') } : {}),
    ...(str(launch, 'schedulername') ? { schedulerName: str(launch, 'schedulername') } : {}),
    ...(str(launch, 'priority_class_name') ? { priorityClassName: str(launch, 'priority_class_name') } : {}),
    ...(objList(launch, 'init_containers').length ? { initContainers: objList(launch, 'init_containers') } : {}),
    ...(typeof r.termination_grace_period === 'number' ? { terminationGracePeriodSeconds: r.termination_grace_period } : {}),
    ...(typeof r.active_deadline_seconds === 'number' ? { activeDeadlineSeconds: r.active_deadline_seconds } : {}),
  };
  return { metadata: { labels: strMap(launch, 'labels') ?? {}, annotations: strMap(launch, 'annotations') ?? {} }, spec };
}

function templateLayer(launch: TaskLaunch, o: KubernetesOptions): Obj | null {
  const file = str(launch, 'pod_template_file');
  const fromFile = file !== undefined ? loadDocument(launch, 'pod_template_file', file, o.dagsFolder) : null;
  const dict = obj(launch, 'pod_template_dict') ?? null;
  const full = obj(launch, 'full_pod_spec') ?? null;
  const base = [fromFile, dict, full].find(isObj) ?? null;
  if (fromFile !== null && !isObj(fromFile)) throw argError(launch, 'pod_template_file', 'does not hold a Pod');
  return base as Obj | null;
}

function executorConfigLayers(launch: TaskLaunch, o: KubernetesOptions): { template: Obj | null; override: Obj | null } {
  const ec = launch.task.executor_config;
  if (!ec) return { template: null, override: null };
  for (const k of Object.keys(ec)) if (k !== 'pod_override' && k !== 'pod_template_file') throw argError(launch, 'executor_config', `has ${k}; only pod_override and pod_template_file are valid ("Invalid executor_config passed")`);
  const tf = ec.pod_template_file;
  const template = typeof tf === 'string' ? loadDocument(launch, 'executor_config.pod_template_file', tf, o.dagsFolder) : null;
  if (template !== null && !isObj(template)) throw argError(launch, 'executor_config.pod_template_file', 'does not hold a Pod');
  const override = ec.pod_override;
  if (override !== undefined && override !== null && !isObj(override)) throw argError(launch, 'executor_config.pod_override', 'must be a Pod');
  return { template: template as Obj | null, override: (override as Obj | undefined) ?? null };
}

/**
 * The pod's name. KubernetesPodOperator's `name` is used as Airflow uses it: made a DNS-1123 name, with a suffix
 * unless `random_name_suffix=False`. Airflow's suffix is 8 random characters; ours is as short but derived from
 * the try (a hash of dag, task, run and map index, then the try number), so that a create retried after a lost
 * answer, or a leftover of the same try, is still recognised by its name (exactly one pod per try).
 */
function podName(launch: TaskLaunch): string {
  const given = launch.task.kind === 'pod' ? str(launch, 'name') : undefined;
  if (given === undefined || given.trim() === '') return objectName(launch.key);
  const readable = sanitizeName(given);
  if (readable === '') throw argError(launch, 'name', `"${given}" has no character a pod name may hold`);
  return launch.rendered.random_name_suffix === false ? readable : objectName(launch.key, 63, readable);
}

export function buildPod(launch: TaskLaunch, o: KubernetesOptions, launchId: string): PodPlan {
  const namespace = namespaceOf(launch, str(launch, 'namespace'), o);
  const name = podName(launch);
  const ec = executorConfigLayers(launch, o);
  const merged = reconcileAll([ec.template, templateLayer(launch, o), operatorPod(launch, o), ec.override]);
  const metadata = (merged.metadata ?? {}) as Obj;
  const spec = (merged.spec ?? {}) as Obj;
  const pod: Obj = {
    apiVersion: 'v1', kind: 'Pod',
    metadata: {
      ...metadata, name, namespace,
      labels: { ...(metadata.labels as Obj | undefined), ...tryLabels(launch.key, 'kubernetes_pod_operator'), [WORKER_LABEL]: makeSafeLabelValue(launch.workerId) },
      annotations: { ...(metadata.annotations as Obj | undefined), ...tryAnnotations(launch.key), [LAUNCH_ANNOTATION]: launchId },
    },
    spec: { ...spec, restartPolicy: 'Never' },
  };
  const { onSuccess, onFailure } = finishPolicy(launch, o);
  const startup = launch.rendered.startup_timeout_seconds;
  const containers = (spec.containers ?? []) as Obj[];
  const container = containers.some((c) => c.name === BASE_CONTAINER) ? BASE_CONTAINER : String(containers[0]?.name ?? BASE_CONTAINER);
  return {
    pod, name, namespace, container,
    startupTimeoutMs: typeof startup === 'number' && startup > 0 ? startup * 1000 : o.startupTimeoutMs,
    deleteOnSuccess: onSuccess, deleteOnFailure: onFailure,
    gracePeriodSeconds: typeof launch.rendered.termination_grace_period === 'number' ? launch.rendered.termination_grace_period : undefined,
    getLogs: launch.rendered.get_logs !== false,
  };
}
