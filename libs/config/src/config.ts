/**
 * Windsock's configuration: sections and keys mirroring Airflow's (`[core] dags_folder` is
 * `WINDSOCK__CORE__DAGS_FOLDER`, as `AIRFLOW__CORE__DAGS_FOLDER` is in Airflow), read from an optional YAML file
 * and then from the environment, validated once here, with units normalised. Only an app's config module hands
 * `process.env` in; nothing else reads it.
 */
import { parse as parseYaml } from 'yaml';

export class ConfigError extends Error {
  readonly code = 'BAD_CONFIG';
  constructor(message: string) { super(message); this.name = 'ConfigError'; }
}

type Kind = 'string' | 'int' | 'bool' | 'list' | 'float' | 'json';
interface KeySpec { kind: Kind; default: unknown; doc: string }

/** Every setting, its type, default and meaning (the README's table is generated from this). */
export const CONFIG_SPEC = {
  core: {
    dags_folder: { kind: 'string', default: './dags', doc: 'Folder of DAG files (-S/--subdir overrides it)' },
    executor: { kind: 'string', default: 'local', doc: '`local` (processes on this machine) or `kubernetes` (pods, SparkApplications)' },
    parallelism: { kind: 'int', default: 32, doc: 'Most task instances queued or running at once' },
    dags_are_paused_at_creation: { kind: 'bool', default: true, doc: 'New DAGs start paused (a DAG may override with is_paused_upon_creation)' },
    default_timezone: { kind: 'string', default: 'UTC', doc: 'Time zone of naive dates in DAG files' },
    dagbag_import_timeout: { kind: 'float', default: 30, doc: 'Seconds one DAG file may take to parse' },
    dag_discovery_safe_mode: { kind: 'bool', default: true, doc: 'Only parse .py files mentioning both "airflow" and "dag"' },
    dag_ignore_file_syntax: { kind: 'string', default: 'regexp', doc: '`.airflowignore` syntax: `regexp` or `glob`' },
    default_task_retries: { kind: 'int', default: 0, doc: 'Retries of a task that sets none' },
    max_map_length: { kind: 'int', default: 1024, doc: 'Most task instances one mapped task may expand into; a longer expansion fails the task' },
    max_active_runs_per_dag: { kind: 'int', default: 16, doc: 'Default max_active_runs' },
    max_active_tasks_per_dag: { kind: 'int', default: 16, doc: 'Default max_active_tasks' },
    fernet_key: { kind: 'string', default: '', doc: 'Key encrypting connection secrets at rest (standalone generates one)' },
    operator_aliases: { kind: 'list', default: [], doc: 'Company operator paths mapped to Windsock operators, `from=to` pairs' },
    sensitive_var_conn_names: { kind: 'list', default: [], doc: 'Words that make a variable key or connection extra key sensitive (its value reads `***`), beyond Airflow\'s list (password, secret, token, api_key, …)' },
    default_impersonation: { kind: 'string', default: '', doc: 'Local executor: OS user tasks run as when they set no `run_as_user` (Windsock must run as root to switch users); empty runs them as Windsock\'s own user' },
  },
  dag_processor: {
    parser_max_memory_mb: { kind: 'int', default: 1024, doc: 'Memory ceiling (MiB) of one Python parser process: its heap cannot grow past it (the file gets a MemoryError), and a process above it after a file is replaced, so the memory returns to the system' },
    parser_idle_release_sec: { kind: 'float', default: 15, doc: 'A Python parser process (about 200 MiB) idle this long is stopped (0: never), so an idle instance holds no interpreter; the next changed file boots one again from the interpreter snapshot in $WINDSOCK_HOME/cache (1-2 s)' },
  },
  database: {
    url: { kind: 'string', default: '', doc: 'Postgres URL (distributed mode); empty in standalone means embedded PGlite' },
    schema: { kind: 'string', default: '', doc: 'Postgres schema holding this instance\'s tables (sandboxes)' },
    pool_size: { kind: 'int', default: 10, doc: 'Postgres connections per process' },
  },
  queue: {
    redis_url: { kind: 'string', default: 'redis://127.0.0.1:6379', doc: 'Redis for the task queue and events (distributed mode)' },
    prefix: { kind: 'string', default: 'windsock', doc: 'Key prefix, one per Windsock instance sharing a Redis' },
    job_lock_sec: { kind: 'float', default: 30, doc: 'Seconds a taken job stays locked without its worker renewing it; a dead worker\'s jobs return to the queue after this' },
    backend: { kind: 'string', default: 'redis', doc: '`redis`, or `postgres` for BullMQ\'s PostgreSQL backend (jobs in [database] url; events then stay in each process)' },
  },
  scheduler: {
    catchup_by_default: { kind: 'bool', default: true, doc: 'catchup of DAGs that do not set it' },
    tick_ms: { kind: 'int', default: 1000, doc: 'Longest pause between scheduling passes when no event wakes the scheduler' },
    task_queued_timeout: { kind: 'float', default: 600, doc: 'Seconds a task may stay queued before it is failed or retried' },
    task_instance_heartbeat_timeout: { kind: 'float', default: 300, doc: 'Seconds without a heartbeat before a running task is a zombie' },
    schedule_after_task_execution: { kind: 'bool', default: true, doc: 'When a task ends, its worker starts a downstream task that is ready now in the slot it frees, at once (the statement recording the end reads what it needs), without waiting for a scheduling pass (same pool, no limit of its own; see the README)' },
    reconcile_interval: { kind: 'float', default: 10, doc: 'Seconds between reconciliation passes: zombies, stuck queued tasks, queued tasks whose job was lost re-enqueued' },
    health_check_port: { kind: 'int', default: 8974, doc: '`windsock scheduler`: port of its /health endpoint (0 picks a free one)' },
  },
  worker: {
    concurrency: { kind: 'int', default: 16, doc: 'Tasks one worker runs at once' },
    queues: { kind: 'list', default: ['default'], doc: 'Named queues this worker takes tasks from' },
    heartbeat_sec: { kind: 'float', default: 5, doc: 'Seconds between worker heartbeats' },
    shutdown_grace_sec: { kind: 'float', default: 25, doc: 'On SIGTERM, seconds to let running tasks finish before handing them over (pods) or stopping them' },
    health_check_port: { kind: 'int', default: 8793, doc: '`windsock worker`: port of its /health endpoint (0 picks a free one)' },
    task_env_allowlist: { kind: 'list', default: ['PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'LANG', 'LANGUAGE', 'LC_*', 'TZ', 'TMPDIR', 'TERM', 'PYTHONPATH', 'JAVA_HOME', 'SPARK_HOME', 'HADOOP_CONF_DIR', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy'], doc: 'Local executor: the only variables of the worker\'s environment a task inherits (`NAME` or `PREFIX*`); `WINDSOCK*`, `DATABASE_URL`, `REDIS_URL`, `KUBECONFIG` and fernet / JWT keys never pass' },
    template_idle_release_sec: { kind: 'float', default: 15, doc: 'Seconds the template interpreter (Jinja2 in Pyodide, a child process, about 200 MiB) is kept after the last templated try; 0 keeps it. The next templated try boots it again from the interpreter snapshot in $WINDSOCK_HOME/cache (1-2 s)' },
    template_render_timeout_sec: { kind: 'float', default: 10, doc: 'Seconds rendering one try\'s templates may take; longer fails the try and restarts the interpreter' },
  },
  kubernetes: {
    namespace: { kind: 'string', default: 'default', doc: 'Namespace of pods and SparkApplications whose task names none' },
    namespace_locked: { kind: 'bool', default: false, doc: 'Refuse tasks that name another namespace than `namespace` (set for sandboxes, so their pods stay in their own)' },
    registry_prefix: { kind: 'string', default: '', doc: 'Prefix turning an `image_tag` (`<repo>.<dag>.<build_folder>`) into an image (`/` added unless it ends in `/` or `:`)' },
    default_image: { kind: 'string', default: 'python:3.12-slim', doc: 'Image of bash tasks and pods that name no image' },
    node_groups: { kind: 'string', default: '', doc: 'JSON `{"group": {"nodeSelector": {...}, "tolerations": [...]}}` for `node_group`; an unlisted group gets `{node_group_label: group}` and a matching NoSchedule toleration' },
    node_group_label: { kind: 'string', default: 'windsock.dev/node-group', doc: 'Node label (and taint key) of an unlisted node_group' },
    qps: { kind: 'float', default: 20, doc: 'Kubernetes API requests per second one worker may make (client-side token bucket)' },
    burst: { kind: 'int', default: 30, doc: 'Requests allowed at once above the QPS rate' },
    max_concurrent_creates: { kind: 'int', default: 16, doc: 'Most pod / SparkApplication creates in flight from one worker' },
    delete_on_success: { kind: 'bool', default: true, doc: 'Delete a pod / SparkApplication when its try succeeded (a task\'s on_finish_action wins)' },
    delete_on_failure: { kind: 'bool', default: true, doc: 'Delete it when its try failed; false keeps it for inspection' },
    startup_timeout: { kind: 'float', default: 120, doc: 'Seconds a pod or Spark driver may stay pending before the try fails (a task\'s startup_timeout_seconds wins)' },
    request_retries: { kind: 'int', default: 5, doc: 'Retries of an API request failing with 429, 5xx, a timeout or a dropped connection' },
    request_timeout: { kind: 'float', default: 30, doc: 'Seconds one API request may take' },
    spark_version: { kind: 'string', default: '3.5.1', doc: 'sparkVersion of SparkApplications built from SparK8sOperator' },
  },
  sandboxes: {
    enabled: { kind: 'bool', default: true, doc: 'Serve the sandboxes control plane (/api/windsock/v1/sandboxes, /sandboxes/<name>/...); sandboxes need a Postgres server ([database] url) and Redis' },
    runtime: { kind: 'string', default: 'process', doc: 'Where a sandbox\'s scheduler runs: `process` (a child process of the control plane) or `kubernetes` (a Deployment in its namespace)' },
    dags_root: { kind: 'string', default: '', doc: 'Folder under which sandbox DAG folders live; a user may name folders under `<dags_root>/<username>/` only (admins any under the root). Empty: `$WINDSOCK_HOME/sandbox-dags`' },
    namespace_prefix: { kind: 'string', default: 'windsock-sb-', doc: 'Kubernetes namespace of sandbox NAME: this prefix + NAME' },
    default_ttl_sec: { kind: 'int', default: 0, doc: 'Time-to-live of a sandbox created without one (0: none)' },
    max_ttl_sec: { kind: 'int', default: 2592000, doc: 'Longest time-to-live a create or an extend may ask for' },
    idle_sleep_sec: { kind: 'float', default: 900, doc: 'A ready sandbox with no API call, no work and no DAG due for this long has its scheduler stopped (scale to zero) until the next call, DAG change or due run (0: never)' },
    start_timeout_sec: { kind: 'float', default: 120, doc: 'Seconds a sandbox\'s scheduler may take to start before the sandbox is failed' },
    quota_cpu: { kind: 'string', default: '4', doc: 'ResourceQuota of a sandbox\'s namespace that asks for none: requests.cpu (CPU is not limited, only requested)' },
    quota_memory: { kind: 'string', default: '8Gi', doc: 'ResourceQuota: requests.memory and limits.memory' },
    quota_pods: { kind: 'int', default: 20, doc: 'ResourceQuota: pods' },
    quota_gpu: { kind: 'int', default: 0, doc: 'ResourceQuota: requests.nvidia.com/gpu (0 forbids GPUs)' },
    max_quota_cpu: { kind: 'string', default: '32', doc: 'Largest cpu quota a non-admin may ask for' },
    max_quota_memory: { kind: 'string', default: '64Gi', doc: 'Largest memory quota a non-admin may ask for' },
    container_default_cpu: { kind: 'string', default: '500m', doc: 'LimitRange: a fifth of it is the cpu request of a container that sets none (no cpu limit is set)' },
    container_default_memory: { kind: 'string', default: '512Mi', doc: 'LimitRange: memory limit of a container that sets none (request: half of it)' },
    scheduler_image: { kind: 'string', default: 'windsock/windsock:0.1.0', doc: '`kubernetes` runtime: image of the sandbox scheduler Deployment' },
    control_plane_account: { kind: 'string', default: '', doc: 'On Kubernetes: the control plane\'s own service account as `namespace:name`; each sandbox namespace gets a RoleBinding of it to the ClusterRole `windsock-sandbox-admin`, so its cluster-wide rights stay to namespaces and bindings (deploy/kubernetes/rbac.yaml)' },
    scheduler_memory: { kind: 'string', default: '256Mi', doc: '`kubernetes` runtime: memory limit of a sandbox scheduler' },
    git_sync_interval_sec: { kind: 'float', default: 30, doc: 'A sandbox whose DAGs come from a git branch fetches it this often (its scheduler does, over HTTP); a sleeping one is woken when the branch moves, checked at most every 30 s' },
    git_credentials_file: { kind: 'string', default: '', doc: 'YAML or JSON file mapping git URL prefixes to `{username, password}` or `{token}` for sandboxes\' git sources (longest prefix wins); read at each scheduler start, never logged' },
    scoped_credentials: { kind: 'bool', default: true, doc: 'Give each sandbox\'s scheduler its own Postgres role (its schema only), Redis ACL user (its queue prefix only) and Fernet key, instead of the platform\'s; needs a database user that may create roles and a Redis 6+ user that may run ACL SETUSER. Off: sandboxes share the platform\'s credentials (one trusted team only)' },
    git_allowed_hosts: { kind: 'list', default: [], doc: 'Hosts (`git.example.com`, `*.example.com`, `host:port`) sandboxes\' git sources may name; empty: any host. Link-local addresses (cloud metadata) are always refused' },
  },
  dag_sources: {
    sources: { kind: 'json', default: '', doc: 'DAG sources (issue 16): a YAML list (or JSON text, e.g. in WINDSOCK__DAG_SOURCES__SOURCES) of `{name, git: URL, branch | tag, subdir, sync_interval_sec}` or `{name, folder: path, subdir}`, or a mapping name → the same; each appears as `<root>/<name>` and its DAGs are tagged `repo:<name>`. Empty: `[core] dags_folder` alone, unnamed' },
    root: { kind: 'string', default: '', doc: 'Folder the sources appear in (the DAG folder when sources are set); git checkouts are kept in its `.sources/`. Empty: `$WINDSOCK_HOME/dag-sources`' },
    sync_interval_sec: { kind: 'float', default: 30, doc: 'How often a source without its own `sync_interval_sec` is fetched (git) or checked for a new commit (folder)' },
    credentials_file: { kind: 'string', default: '', doc: 'YAML or JSON file (a mounted Secret) mapping git URL prefixes to `{username, password}` or `{token}` (longest prefix wins); read at every sync, never logged' },
  },
  webserver: {
    port: { kind: 'int', default: 8080, doc: 'HTTP port of the API and UI' },
    host: { kind: 'string', default: '0.0.0.0', doc: 'Address to listen on' },
  },
  api: {
    maximum_page_limit: { kind: 'int', default: 100, doc: 'Largest `limit` a REST API list call may ask for (larger ones are cut to it)' },
    fallback_page_limit: { kind: 'int', default: 50, doc: '`limit` of a /api/v2 list call that gives none or 0 (/api/v1 uses 100, as Airflow 2)' },
  },
  api_auth: {
    jwt_secret: { kind: 'string', default: '', doc: 'Key signing API tokens (HS512); empty: standalone generates one in $WINDSOCK_HOME, `windsock webserver` one per process' },
    jwt_expiration_time: { kind: 'int', default: 86400, doc: 'Seconds a token from POST /auth/token stays valid' },
    max_failed_logins: { kind: 'int', default: 5, doc: 'Failed sign-ins per username and client address before further attempts get 429' },
    failed_login_window_sec: { kind: 'int', default: 60, doc: 'Window, in seconds, over which failed sign-ins are counted' },
  },
  metrics: {
    statsd_on: { kind: 'bool', default: false, doc: 'Send metrics to StatsD (Airflow\'s names, under statsd_prefix)' },
    statsd_host: { kind: 'string', default: 'localhost', doc: 'StatsD host (UDP); one that does not resolve is logged once and the metrics dropped' },
    statsd_port: { kind: 'int', default: 8125, doc: 'StatsD port' },
    statsd_prefix: { kind: 'string', default: 'airflow', doc: 'Prefix of every StatsD name' },
    statsd_datadog_enabled: { kind: 'bool', default: false, doc: 'DogStatsD: send dag_id, task_id, pool… as tags; off, Airflow\'s classic names carry them (`ti.finish.<dag_id>.<task_id>.<state>`)' },
    statsd_datadog_tags: { kind: 'list', default: [], doc: 'DogStatsD `key:value` tags sent with every metric (e.g. `env:prod,team:data`)' },
    prometheus_on: { kind: 'bool', default: true, doc: 'Serve Prometheus metrics on /metrics (webserver, and the scheduler\'s and worker\'s health port); names `airflow_<name>` with dots as underscores' },
  },
  logging: {
    level: { kind: 'string', default: 'info', doc: 'Log level: debug, info, warn, error' },
    format: { kind: 'string', default: 'auto', doc: 'Log format on stderr: `json`, `pretty`, or `auto` (pretty on a terminal, JSON otherwise)' },
  },
} as const satisfies Record<string, Record<string, KeySpec>>;

type Spec = typeof CONFIG_SPEC;
type ValueOf<K extends Kind> = K extends 'string' | 'json' ? string : K extends 'int' | 'float' ? number : K extends 'bool' ? boolean : string[];
export type WindsockConfig = { [S in keyof Spec]: { [K in keyof Spec[S]]: Spec[S][K] extends { kind: infer T extends Kind } ? ValueOf<T> : never } };

function coerce(kind: Kind, raw: unknown, where: string): unknown {
  switch (kind) {
    case 'string': return String(raw);
    case 'int':
    case 'float': {
      const n = typeof raw === 'number' ? raw : Number(String(raw).trim());
      if (!Number.isFinite(n) || (kind === 'int' && !Number.isInteger(n))) throw new ConfigError(`${where}: expected ${kind === 'int' ? 'an integer' : 'a number'}, got "${String(raw)}"`);
      return n;
    }
    case 'bool': {
      if (typeof raw === 'boolean') return raw;
      const s = String(raw).trim().toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(s)) return true;
      if (['false', '0', 'no', 'off', ''].includes(s)) return false;
      throw new ConfigError(`${where}: expected true or false, got "${String(raw)}"`);
    }
    case 'json': return typeof raw === 'string' ? raw : JSON.stringify(raw); // a YAML list/mapping, kept as JSON text
    case 'list':
      if (Array.isArray(raw)) return raw.map(String);
      return String(raw).split(',').map((s) => s.trim()).filter(Boolean);
    default: { const never: never = kind; throw new ConfigError(`unknown kind ${String(never)}`); }
  }
}

/**
 * Builds the configuration: defaults, then the YAML file's `section: {key: value}` entries, then
 * `WINDSOCK__SECTION__KEY` variables. Unknown WINDSOCK__ variables are errors: a typo must not pass silently.
 */
export function compileConfig(env: Record<string, string | undefined>, fileText?: string, overrides: Partial<Record<string, Record<string, unknown>>> = {}): WindsockConfig {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [section, keys] of Object.entries(CONFIG_SPEC)) {
    out[section] = {};
    for (const [key, spec] of Object.entries(keys)) out[section]![key] = spec.default;
  }
  const apply = (section: string, key: string, raw: unknown, where: string) => {
    const spec = (CONFIG_SPEC as Record<string, Record<string, KeySpec>>)[section]?.[key];
    if (!spec) throw new ConfigError(`${where}: unknown setting [${section}] ${key}`);
    out[section]![key] = coerce(spec.kind, raw, where);
  };
  if (fileText) {
    let doc: unknown;
    try { doc = parseYaml(fileText); } catch (e) { throw new ConfigError(`config file: ${(e as Error).message}`); }
    if (doc && typeof doc === 'object') {
      for (const [section, keys] of Object.entries(doc as Record<string, unknown>)) {
        if (!keys || typeof keys !== 'object' || Array.isArray(keys)) throw new ConfigError(`config file: section ${section} must be a mapping`);
        for (const [key, raw] of Object.entries(keys as Record<string, unknown>)) apply(section, key, raw, `config file [${section}] ${key}`);
      }
    }
  }
  for (const [name, raw] of Object.entries(env)) {
    const m = /^WINDSOCK__([A-Z0-9_]+?)__([A-Z0-9_]+)$/.exec(name);
    if (!m || raw === undefined) continue;
    apply(m[1]!.toLowerCase(), m[2]!.toLowerCase(), raw, name);
  }
  for (const [section, keys] of Object.entries(overrides)) for (const [key, raw] of Object.entries(keys ?? {})) if (raw !== undefined) apply(section, key, raw, `--${key}`);
  const cfg = out as WindsockConfig;
  if (!['local', 'kubernetes'].includes(cfg.core.executor)) throw new ConfigError(`WINDSOCK__CORE__EXECUTOR: "${cfg.core.executor}" is not an executor; use local or kubernetes`);
  if (!['process', 'kubernetes'].includes(cfg.sandboxes.runtime)) throw new ConfigError(`WINDSOCK__SANDBOXES__RUNTIME: "${cfg.sandboxes.runtime}" is not a sandbox runtime; use process or kubernetes`);
  if (!['auto', 'json', 'pretty'].includes(cfg.logging.format)) throw new ConfigError(`WINDSOCK__LOGGING__FORMAT must be auto, json or pretty`);
  if (!['regexp', 'glob'].includes(cfg.core.dag_ignore_file_syntax)) throw new ConfigError(`WINDSOCK__CORE__DAG_IGNORE_FILE_SYNTAX must be regexp or glob`);
  return cfg;
}

/** `from=to` pairs of [core] operator_aliases as a map. */
export function operatorAliases(cfg: WindsockConfig): Record<string, string> {
  return Object.fromEntries(cfg.core.operator_aliases.map((p) => {
    const i = p.indexOf('=');
    if (i <= 0) throw new ConfigError(`[core] operator_aliases: "${p}" is not a from=to pair`);
    return [p.slice(0, i).trim(), p.slice(i + 1).trim()];
  }));
}

/**
 * The configuration as `WINDSOCK__SECTION__KEY` variables (lists comma-joined): what a child process started by
 * this one (a sandbox's scheduler) is given, so it runs with the same settings whatever file or variables they
 * came from. Sections in `except` are left out.
 */
export function configToEnv(cfg: WindsockConfig, except: ReadonlyArray<keyof WindsockConfig> = []): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [section, keys] of Object.entries(cfg) as [keyof WindsockConfig, Record<string, unknown>][]) {
    if (except.includes(section)) continue;
    for (const [key, value] of Object.entries(keys)) env[`WINDSOCK__${section.toUpperCase()}__${key.toUpperCase()}`] = Array.isArray(value) ? value.join(',') : String(value);
  }
  return env;
}
