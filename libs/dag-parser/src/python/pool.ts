/**
 * The parser pool: DAG files parsed in libs/pysandbox child processes, one clean interpreter per
 * file. Each process boots Pyodide, copies the airflow shim into memory, mounts the DAG folder
 * read-only, runs windsock._runner.bootstrap (the Python audit hook) and parses one sample DAG,
 * then takes its clean state; after every file its memory is restored to that state.
 *
 * Time limit: at `timeoutMs` Python is interrupted where it stands (the import error says the
 * line) and the process goes on; a file that swallows the interrupt gets `graceMs` more, then its
 * process is killed and the next waiting file gets a fresh one. A file that timed out waits in a
 * slow lane and never holds every process (SandboxPool). Memory: a process above
 * `maxMemoryMb` after a file is replaced.
 */
import { SandboxPool, type PoolEvent, type PySandboxOptions } from '@windsock/pysandbox';
import { PythonParserError } from './errors.ts';
import type { RunnerResult } from './protocol.ts';

export interface PoolOptions {
  size: number;
  timeoutMs: number;
  graceMs: number;
  maxMemoryMb: number;
  idleReleaseMs: number;
  dagFolder: string;
  mountPoint: string;
  /** Host path of the shim (libs/dag-parser/python), copied into the interpreter's memory. */
  shimDir: string;
  operatorAliases: Record<string, string>;
  /** Where the parser's interpreter snapshot is kept (e.g. $WINDSOCK_HOME/cache); unset: every process boots cold. */
  snapshotDir?: string;
  onEvent?: (event: PoolEvent) => void;
}

export type JobOutcome =
  | { kind: 'result'; result: RunnerResult; parseMs: number }
  /** `result` is there when the interpreter stopped at the interrupt (it has the line and traceback). */
  | { kind: 'timeout'; result: RunnerResult | null }
  | { kind: 'crashed'; message: string };

const SHIM_ROOT = '/windsock/shim';

/** A DAG parsed once before the clean state is taken, so files find its imports already loaded. */
const WARMUP_DAG = `
from datetime import datetime, timedelta
from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.operators.empty import EmptyOperator
from airflow.operators.python import PythonOperator
with DAG("warmup", schedule="@daily", start_date=datetime(2024, 1, 1), default_args={"retry_delay": timedelta(minutes=5)}) as dag:
    BashOperator(task_id="a", bash_command="echo {{ ds }}") >> EmptyOperator(task_id="b")
`;

function setupCode(opts: PoolOptions): string {
  const config = JSON.stringify({
    dag_folder: opts.mountPoint,
    shim_root: SHIM_ROOT,
    operator_aliases: opts.operatorAliases,
    sandbox: true,
    readable_roots: ['/lib'],
  });
  return `
from windsock import _runner
_runner.bootstrap(${JSON.stringify(config)})
__sandbox_exports__ = {'parse': _runner.parse_file_result}
def __sandbox_warmup__():
    _runner.parse_file_result('__warmup__.py', ${JSON.stringify(WARMUP_DAG)})
`;
}

/** Imports every shim module: what an interpreter snapshot holds (no hook is installed yet). */
const SNAPSHOT_SETUP = `
import sys
sys.path.insert(0, ${JSON.stringify(SHIM_ROOT)})
from windsock import _runner
_runner._preload(${JSON.stringify(SHIM_ROOT)})
`;

/** The options of each parser process (exported so tests can start one with the same walls). */
export function parserSandboxOptions(opts: PoolOptions): PySandboxOptions {
  return {
    setup: setupCode(opts),
    mounts: [{ hostPath: opts.dagFolder, mountPoint: opts.mountPoint }],
    copies: [{ hostPath: opts.shimDir, target: SHIM_ROOT }],
    pythonEnv: { HOME: '/home/pyodide', PYTHONHASHSEED: '0' },
    maxMemoryMb: opts.maxMemoryMb,
    snapshotSetup: SNAPSHOT_SETUP,
    ...(opts.snapshotDir ? { snapshotDir: opts.snapshotDir } : {}),
  };
}

export class ParserPool {
  readonly #pool: SandboxPool;

  constructor(opts: PoolOptions) {
    this.#pool = new SandboxPool({
      size: opts.size,
      timeoutMs: opts.timeoutMs,
      graceMs: opts.graceMs,
      idleReleaseMs: opts.idleReleaseMs,
      onEvent: opts.onEvent,
      sandbox: parserSandboxOptions(opts),
    });
  }

  /** Starts one process and resolves when it is warm. */
  start(): Promise<void> {
    return this.#pool.start().catch((err: Error) => {
      throw asParserError(err);
    });
  }

  /** The sandbox pool underneath (for tests and metrics). */
  get sandboxes(): SandboxPool {
    return this.#pool;
  }

  async run(relPath: string, text: string, variables: Record<string, string> | null): Promise<JobOutcome> {
    let outcome;
    try {
      outcome = await this.#pool.call('parse', [relPath, text, variables ? JSON.stringify(variables) : null], { key: relPath });
    } catch (err) {
      throw asParserError(err as Error);
    }
    switch (outcome.kind) {
      case 'ok': {
        if (!isRunnerResult(outcome.value)) return { kind: 'crashed', message: 'the parser returned a result it cannot read' };
        const result = outcome.value;
        // Stopped by the time limit; a file that finished just as the time ran out keeps its result.
        const stopped = outcome.interrupted && !result.ok && result.error.kind === 'interrupted';
        return stopped ? { kind: 'timeout', result } : { kind: 'result', result, parseMs: outcome.callMs };
      }
      case 'error':
        return outcome.interrupted ? { kind: 'timeout', result: null } : { kind: 'crashed', message: outcome.message };
      case 'killed':
        return { kind: 'timeout', result: null };
      case 'crashed':
        return { kind: 'crashed', message: outcome.message };
      default: {
        const never: never = outcome;
        throw new Error(`unexpected outcome ${JSON.stringify(never)}`);
      }
    }
  }

  close(): Promise<void> {
    return this.#pool.close();
  }
}

function isRunnerResult(v: unknown): v is RunnerResult {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as { ok?: unknown; dags?: unknown; error?: unknown };
  if (r.ok === true) return Array.isArray(r.dags);
  if (r.ok !== false || typeof r.error !== 'object' || r.error === null) return false;
  const e = r.error as Record<string, unknown>;
  return typeof e.kind === 'string' && typeof e.message === 'string' && typeof e.traceback === 'string'
    && (e.line === null || typeof e.line === 'number');
}

function asParserError(err: Error): Error {
  const code = (err as { code?: string }).code;
  if (code === 'CLOSED') return new PythonParserError('PARSER_CLOSED', 'the Python DAG parser is closed', { cause: err });
  if (code === 'START_FAILED') return new PythonParserError('WORKER_FAILED', `a Python parser process could not start: ${err.message}`, { cause: err });
  return err;
}
