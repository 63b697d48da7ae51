/** Failures of the sandbox itself (not of the Python it runs). Closed set, stable codes. */
export const PY_SANDBOX_ERROR_CODES = [
  /** The child could not boot (Pyodide missing, setup raised, a folder not readable). */
  'START_FAILED',
  /** call() while a call is running on the same sandbox. */
  'BUSY',
  /** networkIsolation "required" on a host where `unshare --net` does not work. */
  'NO_NETWORK_ISOLATION',
  /** call() on a closed pool, or a call still waiting when it closed. */
  'CLOSED',
  /** Invalid options. */
  'INVALID_OPTION',
] as const;
export type PySandboxErrorCode = (typeof PY_SANDBOX_ERROR_CODES)[number];

export class PySandboxError extends Error {
  override readonly name = 'PySandboxError';
  readonly code: PySandboxErrorCode;
  constructor(code: PySandboxErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
