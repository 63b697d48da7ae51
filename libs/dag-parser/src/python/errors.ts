/**
 * Failures of the Python parser itself (not of a DAG file: those are import errors). Closed set,
 * stable codes; callers branch on `code`.
 */
export const PYTHON_PARSER_ERROR_CODES = [
  /** load() after close(), or a load still waiting when close() was called. */
  'PARSER_CLOSED',
  /** A parser process could not start (Pyodide failed to load, the DAG folder could not be mounted). */
  'WORKER_FAILED',
  /** load() was given a path that is not relative to the DAG folder. */
  'INVALID_PATH',
] as const;
export type PythonParserErrorCode = (typeof PYTHON_PARSER_ERROR_CODES)[number];

export class PythonParserError extends Error {
  override readonly name = 'PythonParserError';
  readonly code: PythonParserErrorCode;
  constructor(code: PythonParserErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
