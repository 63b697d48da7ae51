/**
 * What a local process runs for each kind of task. Container tasks run their command on this machine; the
 * image is not used, and the log says so.
 */
import type { TaskLaunch } from '../types.ts';
import { ExecutorError } from '../types.ts';
import { pythonTaskSpec } from '../python/spec.ts';

export interface LocalCommand {
  file: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
  /** false: the process sees only `env` plus Windsock's variables (BashOperator with env and append_env=False). */
  inheritEnv: boolean;
  notes: string[];
  /** Files to write into the try's private folder before starting (name → content). */
  files?: Record<string, string>;
  /** BashOperator's do_xcom_push: the last line on stdout becomes the return_value XCom. */
  pushLastLine?: boolean;
}

export interface LocalRuntime {
  /** The try's private folder (cwd unless the task sets one). */
  dir: string;
  /** Python interpreter for Python callables. */
  pythonBin: string;
  /** Where the Python runner is, and the folders put on its sys.path (the DAG folder, the `airflow` shim). */
  runnerPath: string;
  pythonPath: string[];
}

function strings(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v.map((x) => String(x));
  return [String(v)];
}

function envOf(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    for (const [k, val] of Object.entries(v)) out[k] = typeof val === 'string' ? val : JSON.stringify(val);
  } else if (Array.isArray(v)) {
    // Kubernetes style [{name, value}]
    for (const e of v) if (e && typeof e === 'object' && 'name' in e) out[String(e.name)] = String((e as { value?: unknown }).value ?? '');
  }
  return out;
}

export function localCommandFor(launch: TaskLaunch, rt: LocalRuntime): LocalCommand | null {
  const { task, rendered } = launch;
  switch (task.kind) {
    case 'empty':
      return null;
    case 'bash': {
      const cmd = rendered.bash_command;
      if (typeof cmd !== 'string' || cmd.trim() === '') {
        throw new ExecutorError('UNSUPPORTED_TASK', `task ${task.task_id}: bash_command is empty`);
      }
      const env = envOf(rendered.env);
      // BashOperator: with `env` set and append_env false, the command sees only that env (as Airflow does).
      const appendEnv = rendered.append_env === true || rendered.env === undefined || rendered.env === null;
      return { file: 'bash', args: ['-c', cmd], env, cwd: typeof rendered.cwd === 'string' ? rendered.cwd : undefined, inheritEnv: appendEnv, notes: [], pushLastLine: rendered.do_xcom_push !== false };
    }
    case 'pod': {
      const notes: string[] = [];
      const image = rendered.image ?? rendered.image_tag;
      if (image) notes.push(`local executor: image ${String(image)} is not used; the container's command runs on this machine`);
      const env = { ...envOf(rendered.env_vars) };
      if (typeof rendered.cmd === 'string') return { file: 'bash', args: ['-c', rendered.cmd], env, inheritEnv: true, notes };
      const argv = [...strings(rendered.cmds), ...strings(rendered.arguments)];
      if (argv.length === 0) {
        throw new ExecutorError('UNSUPPORTED_TASK', `task ${task.task_id}: the container has no command (cmds/arguments); the local executor cannot run an image's entrypoint`);
      }
      return { file: argv[0]!, args: argv.slice(1), env, inheritEnv: true, notes };
    }
    case 'spark': {
      throw new ExecutorError('UNSUPPORTED_TASK', `task ${task.task_id}: Spark tasks need the kubernetes executor (WINDSOCK__CORE__EXECUTOR=kubernetes)`);
    }
    case 'python': {
      const spec = pythonTaskSpec(launch, rt.pythonPath);
      const notes = task.operator_path.includes('kubernetes') ? [`local executor: image ${String(rendered.image ?? '')} is not used; the callable runs with ${rt.pythonBin} on this machine`] : [];
      return { file: rt.pythonBin, args: [rt.runnerPath, 'task.json'], env: { PYTHONUNBUFFERED: '1' }, inheritEnv: true, notes, files: { 'task.json': JSON.stringify(spec) } };
    }
    default: {
      const never: never = task.kind;
      throw new ExecutorError('UNSUPPORTED_TASK', `unknown task kind ${String(never)}`);
    }
  }
}
