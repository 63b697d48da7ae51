/**
 * PythonDagLoader: the DagFileLoader for `.py` files. Runs each file in a sandboxed parser process (pool.ts)
 * against the airflow shim, which records DagDeclarations, then normalizes them into
 * SerializedDags exactly as the YAML loader does. A file that cannot be loaded resolves to an
 * import error; load() rejects only for the parser's own failures (PythonParserError).
 */
import { posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DagDeclaration, FileParseResult, ImportErrorRecord } from '../declaration.ts';
import type { DagFileLoader } from '../loader.ts';
import { DagDeclarationError } from '../errors.ts';
import { normalizeDeclaration } from '../normalize.ts';
import { PythonParserError } from './errors.ts';
import { crashError, fromRunnerError, timeoutError } from './import-error.ts';
import { compilePythonLoaderOptions, type CompiledPythonLoaderOptions, type PythonDagLoaderOptions } from './options.ts';
import { ParserPool, type PoolOptions } from './pool.ts';

/** A file's declarations before normalization (what the shim recorded), or its import error. */
export type DeclarationsResult =
  | { ok: true; fileloc: string; declarations: DagDeclaration[] }
  | { ok: false; fileloc: string; error: ImportErrorRecord };

export class PythonDagLoader implements DagFileLoader {
  readonly options: CompiledPythonLoaderOptions;
  readonly #pool: ParserPool;

  constructor(options: PythonDagLoaderOptions) {
    this.options = compilePythonLoaderOptions(options);
    this.#pool = new ParserPool(parserPoolOptions(this.options));
  }

  /** Starts one parser process and waits until it is warm. Optional: load() starts them on demand. */
  warmUp(): Promise<void> {
    return this.#pool.start();
  }

  /** The parser processes now (pid, busy, resident memory after their last file): for metrics and tests. */
  get processes(): { pid: number | undefined; busy: boolean; rssBytes: number | null; starting: boolean }[] {
    return this.#pool.sandboxes.processes;
  }

  async load(relPath: string, text: string): Promise<FileParseResult> {
    const parsed = await this.loadDeclarations(relPath, text);
    if (!parsed.ok) return parsed;
    try {
      const dags = parsed.declarations.map((d) => normalizeDeclaration(d, this.options.parserOptions));
      return { ok: true, fileloc: relPath, dags };
    } catch (err) {
      if (!(err instanceof DagDeclarationError)) throw err;
      return {
        ok: false,
        fileloc: relPath,
        error: { filename: relPath, line: err.line, message: err.message, stacktrace: err.message, code: err.code },
      };
    }
  }

  /** Runs the file and returns what it declared, before normalization. */
  async loadDeclarations(relPath: string, text: string): Promise<DeclarationsResult> {
    checkRelPath(relPath);
    const variables = this.options.variables ? this.options.variables() : null;
    const outcome = await this.#pool.run(relPath, text, variables);
    switch (outcome.kind) {
      case 'result':
        return outcome.result.ok
          ? { ok: true, fileloc: relPath, declarations: outcome.result.dags }
          : { ok: false, fileloc: relPath, error: fromRunnerError(relPath, outcome.result.error) };
      case 'timeout': {
        const stopped = outcome.result && !outcome.result.ok ? outcome.result.error : null;
        return { ok: false, fileloc: relPath, error: timeoutError(relPath, this.options.timeoutMs, stopped) };
      }
      case 'crashed':
        return { ok: false, fileloc: relPath, error: crashError(relPath, outcome.message) };
      default: {
        const never: never = outcome;
        throw new Error(`unexpected parse outcome ${JSON.stringify(never)}`);
      }
    }
  }

  close(): Promise<void> {
    return this.#pool.close();
  }
}

/** The pool options of a loader's compiled options. */
export function parserPoolOptions(options: CompiledPythonLoaderOptions): PoolOptions {
  return {
    size: options.poolSize,
    timeoutMs: options.timeoutMs,
    graceMs: options.graceMs,
    maxMemoryMb: options.maxMemoryMb,
    idleReleaseMs: options.idleReleaseMs,
    dagFolder: options.dagFolder,
    mountPoint: options.mountPoint,
    shimDir: fileURLToPath(new URL('../../python/', import.meta.url)),
    operatorAliases: { ...options.operatorAliases },
    onEvent: options.onProcessEvent ?? undefined,
    ...(options.snapshotDir ? { snapshotDir: options.snapshotDir } : {}),
  };
}

function checkRelPath(relPath: string): void {
  if (typeof relPath !== 'string' || relPath === '' || relPath.startsWith('/') || relPath.includes('\\')
    || posix.normalize(relPath) !== relPath || relPath.split('/').includes('..')) {
    throw new PythonParserError('INVALID_PATH', `'${relPath}' is not a normalized path relative to the DAG folder`);
  }
}

/** One file, one throwaway pool: for a CLI command or a test, not for a DAG processor (boot ~2 s). */
export async function parsePythonDagFile(
  options: PythonDagLoaderOptions & { relPath: string; text: string },
): Promise<FileParseResult> {
  const { relPath, text, ...rest } = options;
  const loader = new PythonDagLoader({ poolSize: 1, ...rest });
  try {
    return await loader.load(relPath, text);
  } finally {
    await loader.close();
  }
}
