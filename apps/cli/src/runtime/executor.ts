/**
 * The executor `[core] executor` names: `local` (processes on this machine) or `kubernetes` (pods and
 * SparkApplications on the cluster of $KUBECONFIG / the in-cluster service account, with the `[kubernetes]`
 * settings).
 */
import { AIRFLOW_SHIM_PATH } from '@windsock/dag-parser';
import type { Executor } from '@windsock/executors';
import type { WindsockConfig } from '@windsock/config';
import type { Metrics } from '@windsock/metrics';

/** Each executor's modules are loaded only when it is the one configured (the Kubernetes client is large). */
/** `metrics`: the Kubernetes executor counts its API requests and times its pods' launches there. */
export async function createExecutor(config: WindsockConfig, dagsFolder: string, metrics?: Metrics): Promise<Executor> {
  if (config.core.executor !== 'kubernetes') {
    const { LocalExecutor } = await import('@windsock/executors/local');
    return new LocalExecutor({ pythonPath: [dagsFolder, AIRFLOW_SHIM_PATH], taskEnvAllowlist: config.worker.task_env_allowlist, runAsUser: config.core.default_impersonation || undefined });
  }
  const { KubernetesExecutor, loadDefaultKubeConfig, parseNodeGroups } = await import('@windsock/executors/kubernetes');
  const k = config.kubernetes;
  return new KubernetesExecutor(loadDefaultKubeConfig(), {
    namespace: k.namespace, namespaceLocked: k.namespace_locked, registryPrefix: k.registry_prefix, defaultImage: k.default_image, nodeGroups: parseNodeGroups(k.node_groups),
    nodeGroupLabel: k.node_group_label, qps: k.qps, burst: k.burst, maxConcurrentCreates: k.max_concurrent_creates,
    deleteOnSuccess: k.delete_on_success, deleteOnFailure: k.delete_on_failure, startupTimeoutMs: k.startup_timeout * 1000,
    requestRetries: k.request_retries, requestTimeoutMs: k.request_timeout * 1000, sparkVersion: k.spark_version, dagsFolder,
  }, { metrics });
}
