import type { DagDeclaration } from '../declaration.ts';

/** The JSON of python/windsock/_runner.py parse_file_result. */
export type RunnerResult =
  | { ok: true; dags: DagDeclaration[] }
  | { ok: false; error: RunnerError };

export interface RunnerError {
  /** interrupted (the time limit, or a KeyboardInterrupt), exit, syntax, refused, unsupported_module, missing_module, exception */
  kind: string;
  type: string;
  message: string;
  line: number | null;
  traceback: string;
  module: string | null;
}
