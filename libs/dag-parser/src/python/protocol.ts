import type { DagDeclaration } from '../declaration.ts';

/**
 * Messages between the loader's pool (main thread) and a parser worker (worker.ts). One job at a
 * time per worker; results carry the job's id.
 */

/** workerData of a parser worker. */
export interface WorkerInit {
  /** Host path of the DAG folder (a real path), mounted read-only at `mountPoint`. */
  dagFolder: string;
  mountPoint: string;
  /** Host path of the shim (libs/dag-parser/python), copied into the interpreter's memory. */
  shimDir: string;
  operatorAliases: Record<string, string>;
  /** Int32Array[1] the pool sets to 2 (SIGINT) to stop the file being parsed at its time limit. */
  interruptBuffer: SharedArrayBuffer;
}

export interface ParseRequest {
  type: 'parse';
  id: number;
  relPath: string;
  text: string;
  /** The variables snapshot, sent only when it changed since this worker's last job. */
  variables?: Record<string, string>;
}

export type WorkerMessage =
  | { type: 'ready'; bootMs: number }
  /** `json`: what windsock._runner.parse_file returned (see python/windsock/_runner.py). */
  | { type: 'result'; id: number; json: string; parseMs: number }
  /** The interpreter failed (not the file): the worker exits after sending this. */
  | { type: 'crashed'; id: number; message: string };

/** The JSON of python/windsock/_runner.py parse_file. */
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
