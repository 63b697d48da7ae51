/**
 * What a Python DAG file that could not be loaded becomes: an ImportErrorRecord with the file, the
 * 1-based line in it (when known), a one-line message and the Python traceback (paths relative to
 * the DAG folder). `code` is stable: callers branch on it, never on the message.
 */
import type { ImportErrorRecord } from '../declaration.ts';
import type { RunnerError } from './protocol.ts';

export const PYTHON_IMPORT_ERROR_CODES = [
  /** The file does not compile. */
  'PYTHON_SYNTAX',
  /** The file raised while it ran (any exception not listed below). */
  'PYTHON_EXCEPTION',
  /** It imports a module that is not there at parse time (pandas, a company library). */
  'MISSING_MODULE',
  /** It imports an airflow/kubernetes/pendulum module the shim does not provide. */
  'UNSUPPORTED_MODULE',
  /** The sandbox refused something it did (network, a process, a host file, the JS host). */
  'SANDBOX_REFUSED',
  /** It ran past dagbag_import_timeout and was stopped. */
  'TIMEOUT',
  /** It called sys.exit(). */
  'PYTHON_EXIT',
  /** The interpreter itself failed while running it. */
  'PARSER_CRASHED',
] as const;
export type PythonImportErrorCode = (typeof PYTHON_IMPORT_ERROR_CODES)[number];

const CODE_OF_KIND: Record<string, PythonImportErrorCode> = {
  syntax: 'PYTHON_SYNTAX',
  exception: 'PYTHON_EXCEPTION',
  interrupted: 'PYTHON_EXCEPTION', // a KeyboardInterrupt the file raised itself (no time limit hit)
  missing_module: 'MISSING_MODULE',
  unsupported_module: 'UNSUPPORTED_MODULE',
  refused: 'SANDBOX_REFUSED',
  exit: 'PYTHON_EXIT',
};

export function fromRunnerError(filename: string, error: RunnerError): ImportErrorRecord {
  return {
    filename,
    line: error.line,
    message: error.message,
    stacktrace: error.traceback || error.message,
    code: CODE_OF_KIND[error.kind] ?? 'PYTHON_EXCEPTION',
  };
}

/** `stopped`: the runner's report when Python stopped at the interrupt (it knows the line). */
export function timeoutError(filename: string, timeoutMs: number, stopped: RunnerError | null): ImportErrorRecord {
  const seconds = timeoutMs / 1000;
  const where = stopped?.line ? ` It was stopped at line ${stopped.line}.` : '';
  const message = `Timeout: parsing ${filename} took longer than ${seconds} s (dagbag_import_timeout) and was `
    + `stopped.${where} Keep top-level code of DAG files light: no loops waiting on something, no heavy work.`;
  return {
    filename,
    line: stopped?.line ?? null,
    message,
    stacktrace: stopped?.traceback ? `${stopped.traceback}\n${message}` : message,
    code: 'TIMEOUT',
  };
}

export function crashError(filename: string, detail: string): ImportErrorRecord {
  const message = `The Python parser failed while running ${filename}: ${detail}`;
  return { filename, line: null, message, stacktrace: message, code: 'PARSER_CRASHED' };
}
