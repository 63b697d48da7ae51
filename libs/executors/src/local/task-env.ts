/**
 * The environment a local task starts with. Airflow hands a task its worker's environment plus
 * `AIRFLOW_CTX_*`; Windsock's worker environment holds Windsock's own keys (the fernet key, the database and Redis
 * URLs with their passwords, the JWT secret), which no DAG author may read. So a task inherits only the variables an
 * allow-list names (`[worker] task_env_allowlist`: names, or prefixes ending in `*`), and never one of Windsock's
 * own, whatever the allow-list says. What the operator's `env` sets and Airflow's context variables come on top.
 */

/** The allow-list a LocalExecutor uses when none is configured (the `[worker] task_env_allowlist` default). */
export const DEFAULT_TASK_ENV_ALLOWLIST: readonly string[] = [
  'PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'LANG', 'LANGUAGE', 'LC_*', 'TZ', 'TMPDIR', 'TERM', 'PYTHONPATH', 'JAVA_HOME',
  'SPARK_HOME', 'HADOOP_CONF_DIR', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy',
];

/**
 * Never inherited, even when allow-listed: Windsock's settings (`WINDSOCK_*`, `WINDSOCK__SECTION__KEY`), the URLs
 * the test and deployment conventions use for its stores, its cluster credentials, and anything named like a
 * fernet or JWT key.
 */
const NEVER = /^(WINDSOCK|AIRFLOW__)|^(DATABASE_URL|REDIS_URL|PGPASSWORD|KUBECONFIG)$|FERNET|JWT/i;

/** Whether `name` may pass from the worker's environment to a task. */
export function inheritable(name: string, allow: readonly string[]): boolean {
  if (NEVER.test(name)) return false;
  return allow.some((a) => (a.endsWith('*') ? name.startsWith(a.slice(0, -1)) : name === a));
}

/** The part of `base` a task inherits. */
export function inheritedEnv(base: Record<string, string | undefined>, allow: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined && inheritable(k, allow)) out[k] = v;
  return out;
}

/**
 * The environment of a task: what it inherits (all of the allow-listed part, or only PATH when the operator's
 * `env` replaces the environment: BashOperator with `env` and `append_env=False`), then the user it runs as
 * (USER, LOGNAME, HOME, as `sudo -H` sets them), then the operator's `env`, then Windsock's variables for the task
 * (`AIRFLOW_CTX_*`, `WINDSOCK_XCOM_PATH`), which the task cannot override.
 */
export function taskEnv(o: { base: Record<string, string | undefined>; allow: readonly string[]; inherit: boolean; identity?: Record<string, string>; operatorEnv: Record<string, string>; windsockEnv: Record<string, string> }): Record<string, string> {
  const inherited = inheritedEnv(o.base, o.allow);
  const start = o.inherit ? inherited : (inherited.PATH !== undefined ? { PATH: inherited.PATH } : {});
  return { ...start, ...o.identity, ...o.operatorEnv, ...o.windsockEnv };
}
