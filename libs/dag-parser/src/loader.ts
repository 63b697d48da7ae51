/**
 * The seam between the DAG folder processor and the languages: one loader per file extension.
 * The YAML loader is built in (yaml/load.ts); the Python one runs the file in Pyodide (python/loader.ts). It sits
 * at the root of the lib so that discovery/, yaml/ and python/ all import it downwards.
 */
import type { FileParseResult } from './declaration.ts';

export interface DagFileLoader {
  /**
   * Parses one DAG file. `relPath` is the path relative to the DAG folder (with `/` separators),
   * `text` its content as UTF-8. A file the loader cannot accept resolves to `{ ok: false, error }`;
   * a rejected promise is also turned into an import error by the processor, but loaders should
   * keep that for their own bugs.
   */
  load(relPath: string, text: string): Promise<FileParseResult>;
}
