/**
 * Kubernetes models in YAML DAGs. The Python client's models take snake_case keyword arguments and
 * serialise to the camelCase Kubernetes JSON; only their own attributes are renamed (a nested plain
 * dict, such as `limits` or `node_selector`, keeps its keys). dag-factory builds models from the
 * plain mappings given for some KubernetesPodOperator arguments; this does the same to JSON.
 */

export function snakeToCamel(key: string): string {
  return key.replace(/_+([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** A model's keyword arguments -> its Kubernetes JSON (None-valued attributes are left out, as the client does). */
export function kubernetesModel(kwargs: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(kwargs)) {
    if (v !== null && v !== undefined) out[snakeToCamel(k)] = v;
  }
  return out;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** KubernetesPodOperator arguments dag-factory turns into models: a list of them, or one. */
const KPO_MODEL_LISTS = ['ports', 'volume_mounts', 'env_from', 'image_pull_secrets', 'tolerations', 'init_containers',
  'pod_runtime_info_envs', 'host_aliases'];
const KPO_MODEL_SINGLES = ['affinity', 'security_context', 'full_pod_spec', 'dns_config', 'container_resources',
  'container_security_context'];

/**
 * dag-factory's `_clean_kpo_task_params`, on JSON: plain mappings become Kubernetes JSON. `env_vars`
 * may also be a {name: value} mapping, which KubernetesPodOperator takes as it is. `volumes` are
 * `{name, configs: {...}}` in dag-factory; a volume without `configs` is read as a V1Volume's kwargs.
 */
export function cleanKpoArgs(kwargs: Record<string, unknown>): Record<string, unknown> {
  const out = { ...kwargs };
  for (const key of KPO_MODEL_LISTS) {
    const v = out[key];
    if (Array.isArray(v)) out[key] = v.map((item) => (isPlainObject(item) ? kubernetesModel(item) : item));
  }
  for (const key of KPO_MODEL_SINGLES) {
    const v = out[key];
    if (isPlainObject(v)) out[key] = kubernetesModel(v);
  }
  if (Array.isArray(out.env_vars)) {
    out.env_vars = out.env_vars.map((item) => (isPlainObject(item) ? kubernetesModel(item) : item));
  }
  if (Array.isArray(out.volumes)) out.volumes = out.volumes.map(volume);
  return out;
}

function volume(v: unknown): unknown {
  if (!isPlainObject(v)) return v;
  if (!isPlainObject(v.configs)) return kubernetesModel(v);
  return kubernetesModel({ ...v.configs, name: v.name });
}
