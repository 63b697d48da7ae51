/**
 * PythonDagLoader's options, validated once (compilePythonLoaderOptions). Times in ms from here on.
 */
import { realpathSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { PoolEvent } from '@windsock/pysandbox';
import { DagParserConfigError } from '../errors.ts';
import { resolveParserOptions, type ParserOptions, type ParserOptionsInput } from '../normalize/options.ts';

export interface PythonDagLoaderOptions {
  /** The DAG folder on the host. Files see it read-only (and nothing else of the host). */
  dagFolder: string;
  /** Most parser processes (each one Pyodide interpreter); the pool starts one and grows while files wait. Default: the number of cores. */
  poolSize?: number;
  /** Airflow's dagbag_import_timeout: seconds one file may take. Default 30. */
  timeoutSeconds?: number;
  /** Company operator import paths -> Windsock ones, e.g. {"dsp.operators.K8sOperator": "windsock.operators.K8sOperator"}. */
  operatorAliases?: Record<string, string>;
  /** The metastore's variables (key -> value), asked for before each file; Variable.get reads them. */
  variables?: () => Record<string, string>;
  /**
   * Options of normalizeDeclaration. Raw options get `operatorAliases` added; compiled ones are used
   * as they are (their operator registry must already know the aliases).
   */
  parserOptions?: ParserOptions | ParserOptionsInput;
  /** Where the DAG folder appears inside the sandbox. Default Airflow's image path, /opt/airflow/dags. */
  mountPoint?: string;
  /** [dag_processor] parser_max_memory_mb: a parser process's memory ceiling. Default 1024. */
  maxMemoryMb?: number;
  /** [dag_processor] parser_idle_release_sec: a parser process idle this long is stopped (0: never). Default 60. */
  idleReleaseSeconds?: number;
  /** Told when a parser process starts or stops (logs, tests). */
  onProcessEvent?: (event: PoolEvent) => void;
  /**
   * A folder for the parser's interpreter snapshot (built on first use; processes boot from it in a fraction of the
   * time). Unset: every parser process boots from nothing.
   */
  snapshotDir?: string;
}

export interface CompiledPythonLoaderOptions {
  readonly dagFolder: string;
  readonly poolSize: number;
  readonly timeoutMs: number;
  /** How long a file interrupted at its time limit has to stop before its process is killed. */
  readonly graceMs: number;
  readonly operatorAliases: Readonly<Record<string, string>>;
  readonly variables: (() => Record<string, string>) | null;
  readonly parserOptions: ParserOptions;
  readonly mountPoint: string;
  readonly maxMemoryMb: number;
  readonly idleReleaseMs: number;
  readonly onProcessEvent: ((event: PoolEvent) => void) | null;
  readonly snapshotDir: string | null;
}

const DOTTED = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$/;
const GRACE_MS = 1_000;

export function compilePythonLoaderOptions(input: PythonDagLoaderOptions): CompiledPythonLoaderOptions {
  const bad = (field: string, why: string): never => {
    throw new DagParserConfigError('INVALID_OPTION', `${field}: ${why}`);
  };
  if (typeof input.dagFolder !== 'string' || input.dagFolder === '') bad('dagFolder', 'must be a path');
  let dagFolder: string;
  try {
    dagFolder = realpathSync(input.dagFolder);
    if (!statSync(dagFolder).isDirectory()) throw new Error('not a directory');
  } catch {
    throw new DagParserConfigError('FOLDER_NOT_FOUND', `dagFolder: '${input.dagFolder}' is not a directory`);
  }
  const poolSize = input.poolSize ?? Math.max(1, availableParallelism());
  if (!Number.isInteger(poolSize) || poolSize < 1) bad('poolSize', `must be an integer >= 1, got ${poolSize}`);
  const timeoutSeconds = input.timeoutSeconds ?? 30;
  if (typeof timeoutSeconds !== 'number' || !(timeoutSeconds > 0) || !Number.isFinite(timeoutSeconds)) {
    bad('timeoutSeconds', `must be a positive number of seconds, got ${timeoutSeconds}`);
  }
  const operatorAliases = { ...(input.operatorAliases ?? {}) };
  for (const [alias, target] of Object.entries(operatorAliases)) {
    if (!DOTTED.test(alias) || typeof target !== 'string' || !DOTTED.test(target)) {
      bad('operatorAliases', `'${alias}' -> '${String(target)}': both must be dotted module.Name paths`);
    }
  }
  if (input.variables !== undefined && typeof input.variables !== 'function') {
    bad('variables', 'must be a function returning the variables');
  }
  const mountPoint = input.mountPoint ?? '/opt/airflow/dags';
  if (!/^\/[A-Za-z0-9_./-]+$/.test(mountPoint) || mountPoint.split('/').includes('..') || mountPoint === '/') {
    bad('mountPoint', `must be an absolute path other than /, got '${mountPoint}'`);
  }
  const maxMemoryMb = input.maxMemoryMb ?? 1024;
  if (!Number.isInteger(maxMemoryMb) || maxMemoryMb < 128 || maxMemoryMb > 4096) {
    bad('maxMemoryMb', `must be an integer number of MiB from 128 to 4096, got ${maxMemoryMb}`);
  }
  const idleReleaseSeconds = input.idleReleaseSeconds ?? 60;
  if (typeof idleReleaseSeconds !== 'number' || !(idleReleaseSeconds >= 0) || !Number.isFinite(idleReleaseSeconds)) {
    bad('idleReleaseSeconds', `must be a number of seconds >= 0, got ${idleReleaseSeconds}`);
  }
  const raw = input.parserOptions;
  const parserOptions = raw !== undefined && 'operators' in raw
    ? resolveParserOptions(raw)
    : resolveParserOptions({
      ...(raw as ParserOptionsInput | undefined),
      operatorAliases: { ...(raw as ParserOptionsInput | undefined)?.operatorAliases, ...operatorAliases },
    });
  return {
    dagFolder,
    poolSize,
    timeoutMs: Math.round(timeoutSeconds * 1000),
    graceMs: GRACE_MS,
    operatorAliases,
    variables: input.variables ?? null,
    parserOptions,
    mountPoint: mountPoint.replace(/\/+$/, ''),
    maxMemoryMb,
    idleReleaseMs: Math.round(idleReleaseSeconds * 1000),
    onProcessEvent: input.onProcessEvent ?? null,
    snapshotDir: input.snapshotDir ?? null,
  };
}
