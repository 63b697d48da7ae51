/**
 * Tasks run with a clean environment: a canary fernet key, JWT secret, database and Redis URLs set in the
 * worker's own environment never reach a local task (bash, container command, Python callable) nor a pod's
 * manifest; the allow-listed variables and Airflow's context variables do; BashOperator's `env` replaces the
 * environment unless `append_env=True`; `[core] default_impersonation` runs the task as another user.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPod, buildSparkApp, compileKubernetesOptions, ExecutorError, inheritable, LocalExecutor } from '@windsock/executors';
import { resolveOsUser } from '../libs/executors/src/local/os-user.ts';
import { launchFor, MemorySink } from './executor-conformance.ts';

const CANARIES: Record<string, string> = {
  WINDSOCK__CORE__FERNET_KEY: 'canary-fernet-7f3a', WINDSOCK__API_AUTH__JWT_SECRET: 'canary-jwt-91bc', DATABASE_URL: 'postgres://u:canary-db-55e1@h/db',
  REDIS_URL: 'redis://:canary-redis-0d0d@h', WINDSOCK__DATABASE__URL: 'postgres://u:canary-db2-7777@h/db', WINDSOCK_HOME: '/canary-home-1234',
  KUBECONFIG: '/canary/kubeconfig', AIRFLOW__CORE__FERNET_KEY: 'canary-af-fernet-3333', MY_JWT_KEY: 'canary-jwt2-4444',
};
const saved: Record<string, string | undefined> = {};
beforeAll(() => { for (const [k, v] of Object.entries(CANARIES)) { saved[k] = process.env[k]; process.env[k] = v; } process.env.LC_CANARY_OK = 'lc-ok'; });
afterAll(() => { for (const k of Object.keys(CANARIES)) { if (saved[k] === undefined) delete process.env[k]; else process.env[k] = saved[k]; } delete process.env.LC_CANARY_OK; });

const leaked = (text: string) => Object.values(CANARIES).filter((v) => text.includes(v));

async function run(ex: LocalExecutor, kind: 'bash' | 'pod' | 'python', args: Record<string, unknown>, task: { run_as_user?: string } = {}) {
  const sink = new MemorySink();
  const h = await ex.start(launchFor({ kind, operator: kind === 'bash' ? 'BashOperator' : kind === 'pod' ? 'KubernetesPodOperator' : 'PythonOperator', args, ...task }), sink);
  const result = await h.result;
  return { result, text: sink.lines.join('\n'), lines: sink.lines };
}

describe('a local task\'s environment', () => {
  it('a bash task that prints its env never shows a canary of the worker\'s environment', async () => {
    const { result, text } = await run(new LocalExecutor(), 'bash', { bash_command: 'env' });
    expect(result.outcome).toBe('success');
    expect(leaked(text)).toEqual([]);
    expect(text).not.toMatch(/^(WINDSOCK__|DATABASE_URL|REDIS_URL|KUBECONFIG)/m);
    expect(text).toMatch(/^PATH=/m);
    expect(text).toMatch(/^LC_CANARY_OK=lc-ok$/m); // LC_* is allow-listed
    expect(text).toMatch(/^AIRFLOW_CTX_DAG_ID=conformance$/m);
    expect(text).toMatch(/^WINDSOCK_XCOM_PATH=/m); // Windsock's own per-try variable, not a setting
  });

  it('a container command and a Python callable see no canary either', async () => {
    const pod = await run(new LocalExecutor(), 'pod', { cmds: ['env'], image: 'busybox' });
    expect(pod.result.outcome).toBe('success');
    expect(leaked(pod.text)).toEqual([]);
    const py = await run(new LocalExecutor(), 'python', { python_callable: { __type: 'callable', name: 'show', source: 'def show():\n    import os\n    for k, v in sorted(os.environ.items()):\n        print(f"{k}={v}")\n' } });
    expect(py.result.outcome).toBe('success');
    expect(leaked(py.text)).toEqual([]);
    expect(py.text).toMatch(/^AIRFLOW_CTX_TASK_ID=/m);
  });

  it('BashOperator env replaces the environment; append_env=True adds to the inherited part', async () => {
    const replaced = await run(new LocalExecutor(), 'bash', { bash_command: 'env', env: { MINE: 'yes' } });
    expect(replaced.text).toMatch(/^MINE=yes$/m);
    expect(replaced.text).not.toMatch(/^LC_CANARY_OK=/m);
    expect(replaced.text).toMatch(/^AIRFLOW_CTX_DAG_ID=/m); // Airflow adds its context variables either way
    const appended = await run(new LocalExecutor(), 'bash', { bash_command: 'env', env: { MINE: 'yes' }, append_env: true });
    expect(appended.text).toMatch(/^MINE=yes$/m);
    expect(appended.text).toMatch(/^LC_CANARY_OK=lc-ok$/m);
    expect(leaked(appended.text)).toEqual([]);
  });

  it('the allow-list is configurable, but never lets Windsock\'s own keys through', async () => {
    const ex = new LocalExecutor({ taskEnvAllowlist: ['*'] });
    const { text } = await run(ex, 'bash', { bash_command: 'env' });
    expect(leaked(text)).toEqual([]);
    expect(inheritable('WINDSOCK__CORE__FERNET_KEY', ['*'])).toBe(false);
    expect(inheritable('windsock_anything', ['*'])).toBe(false);
    expect(inheritable('DATABASE_URL', ['DATABASE_URL'])).toBe(false);
    expect(inheritable('LC_ALL', ['LC_*'])).toBe(true);
    expect(inheritable('SOME_VAR', ['PATH'])).toBe(false);
  });

  it('a pod carries only the task\'s env and Airflow\'s context variables', () => {
    const options = compileKubernetesOptions({});
    for (const args of [{ cmds: ['env'], image: 'busybox', env_vars: { MODE: 'x' } }]) {
      const plan = buildPod(launchFor({ kind: 'pod', operator: 'KubernetesPodOperator', args }), options, 'l');
      expect(leaked(JSON.stringify(plan))).toEqual([]);
    }
    const py = buildPod(launchFor({ kind: 'python', operator: 'airflow.providers.cncf.kubernetes.decorators.kubernetes', args: { python_callable: { __type: 'callable', name: 'f', source: 'def f():\n    pass\n' } } }), options, 'l');
    expect(leaked(JSON.stringify(py))).toEqual([]);
    const names = (py.pod as { spec: { containers: Array<{ env?: Array<{ name: string }> }> } }).spec.containers[0]!.env!.map((e) => e.name);
    expect(names.filter((n) => n.startsWith('WINDSOCK__') || n === 'DATABASE_URL')).toEqual([]);
    const spark = buildSparkApp(launchFor({ kind: 'spark', operator: 'SparK8sOperator', args: { code_path: '/app/main.py', image_tag: 'r.d.b', env_vars: { environment: 'prod' } } }), options, 'l');
    expect(leaked(JSON.stringify(spark))).toEqual([]);
  });
});

describe('[core] default_impersonation', () => {
  const root = process.getuid?.() === 0;
  it.runIf(root)('runs a local task as the configured user', async () => {
    const ex = new LocalExecutor({ runAsUser: 'nobody' });
    const { result, lines } = await run(ex, 'bash', { bash_command: 'id -u; echo "$USER"; echo x > "$WINDSOCK_XCOM_PATH.t" && echo wrote' });
    expect(result.outcome).toBe('success');
    expect(lines).toContain('Running as user nobody (uid 65534)');
    expect(lines).toContain('65534');
    expect(lines).toContain('nobody');
    expect(lines).toContain('wrote'); // the try's folder belongs to that user
  });

  it.runIf(root)("a task's own run_as_user wins over the default", async () => {
    const { result, lines } = await run(new LocalExecutor(), 'bash', { bash_command: 'id -u' }, { run_as_user: 'nobody' });
    expect(result.outcome).toBe('success');
    expect(lines).toContain('65534');
  });

  it.runIf(root)('with impersonation configured, a task cannot ask for root', async () => {
    const ex = new LocalExecutor({ runAsUser: 'nobody' });
    await expect(run(ex, 'bash', { bash_command: 'id -u' }, { run_as_user: 'root' })).rejects.toThrow(/run_as_user=root is root, and \[core\] default_impersonation \(nobody\) keeps tasks unprivileged/);
    await expect(run(ex, 'bash', { bash_command: 'id -u' }, { run_as_user: '0' })).rejects.toThrow(/keeps tasks unprivileged/);
  });

  it('a task naming a user that does not exist fails with the task and the user named', async () => {
    const ex = new LocalExecutor({ passwdFile: '/nonexistent' });
    const err = await run(ex, 'bash', { bash_command: 'id -u' }, { run_as_user: 'ghost' }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/^task \S+: run_as_user=ghost: /);
  });

  it('refuses clearly when Windsock is not root, or the user does not exist', () => {
    expect(() => resolveOsUser('nobody', '/etc/passwd', 1000)).toThrow(/needs Windsock to run as root \(it runs as uid 1000\)/);
    expect(() => resolveOsUser('no-such-user-xyz', '/etc/passwd', 0)).toThrow(ExecutorError);
    expect(() => resolveOsUser('no-such-user-xyz', '/etc/passwd', 0)).toThrow(/no such user/);
    expect(resolveOsUser('4321', '/nonexistent', 0)).toMatchObject({ uid: 4321, gid: 4321 });
  });
});

describe('[worker] task_env_allowlist', () => {
  it('defaults to the executor\'s own list', async () => {
    const { CONFIG_SPEC } = await import('@windsock/config');
    const { DEFAULT_TASK_ENV_ALLOWLIST } = await import('@windsock/executors');
    expect([...CONFIG_SPEC.worker.task_env_allowlist.default]).toEqual([...DEFAULT_TASK_ENV_ALLOWLIST]);
  });
});
