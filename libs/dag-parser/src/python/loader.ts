/**
 * PythonDagLoader: the DagFileLoader for `.py` files. Runs each file in a sandboxed parser process (pool.ts)
 * against the airflow shim, which records DagDeclarations, then normalizes them into
 * SerializedDags exactly as the YAML loader does. A file that cannot be loaded resolves to an
 * import error; load() rejects only for the parser's own failures (PythonParserError).
 */
import { realpath } from 'node:fs/promises';
import { posix, resolve } from 'node:path';
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
  #pool: ParserPool;
  /** The DAG folder as given: it may lead through a link that is swapped (git-sync's `current`, a sandbox's checkout). */
  readonly #given: string;
  /** The real folder the parser processes mount now. */
  #mounted: string;
  #inFlight = new Map<ParserPool, number>();

  constructor(options: PythonDagLoaderOptions) {
    this.options = compilePythonLoaderOptions(options);
    this.#given = resolve(options.dagFolder);
    this.#mounted = this.options.dagFolder;
    this.#pool = new ParserPool(parserPoolOptions(this.options));
  }

  /**
   * The pool for the folder's real path now. The parser processes mount the real folder (a mount cannot follow a
   * link at its root), so when the link moves to another tree (a new commit), new processes mount the new one and
   * the old ones are closed once their files are done: helper modules are imported from the commit being parsed,
   * never from a tree that is gone.
   */
  async #currentPool(): Promise<ParserPool> {
    const real = await realpath(this.#given).catch(() => this.#mounted);
    if (real !== this.#mounted) {
      const old = this.#pool;
      this.#mounted = real;
      this.#pool = new ParserPool({ ...parserPoolOptions(this.options), dagFolder: real });
      if (!this.#inFlight.get(old)) void old.close();
    }
    return this.#pool;
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
    const pool = await this.#currentPool();
    this.#inFlight.set(pool, (this.#inFlight.get(pool) ?? 0) + 1);
    let outcome: Awaited<ReturnType<ParserPool['run']>>;
    try {
      outcome = await pool.run(relPath, text, variables);
    } finally {
      const left = this.#inFlight.get(pool)! - 1;
      if (left > 0) this.#inFlight.set(pool, left);
      else {
        this.#inFlight.delete(pool);
        if (pool !== this.#pool) void pool.close();
      }
    }
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

  async close(): Promise<void> {
    await Promise.all([...new Set([this.#pool, ...this.#inFlight.keys()])].map((p) => p.close()));
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
