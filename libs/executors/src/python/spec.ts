/**
 * Python callables (PythonOperator, @task, @task.kubernetes), for every executor: the JSON spec the runner
 * (runner.py) reads — the callable's source, its arguments with XComArgs resolved, the JSON template context and
 * the run's XComs — and the runner's own source, for executors that hand it to another machine.
 */
import { readFileSync } from 'node:fs';
import type { TaskLaunch } from '../types.ts';
import { ExecutorError } from '../types.ts';

export const PYTHON_RUNNER_PATH = new URL('./runner.py', import.meta.url).pathname;

/** A return value printed on this line prefix travels back through the log (from a pod, say). */
export const XCOM_LINE_PREFIX = '::windsock-xcom::';

/** The runner prints this line when the callable raised AirflowSkipException: the try ends skipped, not failed. */
export const SKIP_LINE = '::windsock-skip::';

/** A reschedule-mode sensor whose poke was false prints this prefix and the ISO date of its next poke. */
export const RESCHEDULE_LINE_PREFIX = '::windsock-reschedule::';

/** The runner prints this line when the try fails with no retry (AirflowSensorTimeout, AirflowFailException). */
export const FAIL_LINE = '::windsock-fail::';

let runnerSource: string | null = null;
export function pythonRunnerSource(): string {
  runnerSource ??= readFileSync(PYTHON_RUNNER_PATH, 'utf8');
  return runnerSource;
}

export function pythonTaskSpec(launch: TaskLaunch, sysPath: string[]): Record<string, unknown> {
  const { task, rendered } = launch;
  const callable = rendered.python_callable as { __type?: string; name?: string; source?: string; module_source?: string; operator_class?: boolean } | undefined;
  if (!callable || callable.__type !== 'callable' || typeof callable.source !== 'string') {
    throw new ExecutorError('UNSUPPORTED_TASK', `task ${task.task_id}: no python_callable source was recorded for it`);
  }
  return {
    name: callable.name, source: callable.source, module_source: callable.module_source ?? null, fileloc: launch.dag.fileloc,
    operator_class: callable.operator_class === true,
    args: Array.isArray(rendered.op_args) ? rendered.op_args : [], kwargs: (rendered.op_kwargs ?? {}) as Record<string, unknown>,
    templates_dict: rendered.templates_dict ?? null, sensor: launch.sensor ?? null, context: launch.context, xcoms: launch.xcoms, sys_path: sysPath,
  };
}

/** Takes the XCom line out of a try's output: wraps a log sink, remembering the last value printed. */
export function xcomFromLines(write: (line: string) => void): { write: (line: string) => void; value: () => { found: boolean; value?: unknown } } {
  let found = false;
  let value: unknown;
  return {
    write(line: string) {
      if (line.startsWith(XCOM_LINE_PREFIX)) {
        try { value = JSON.parse(line.slice(XCOM_LINE_PREFIX.length)); found = true; } catch { write(`ignoring an unreadable return value line: ${line.slice(0, 200)}`); }
        return;
      }
      write(line);
    },
    value: () => (found ? { found, value } : { found }),
  };
}
