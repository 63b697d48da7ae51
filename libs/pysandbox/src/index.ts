export { PySandbox, childCommand, pyodideDir, type CallOutcome, type PySandboxOptions } from './sandbox.ts';
export { SandboxPool, type PoolEvent, type SandboxPoolOptions } from './pool.ts';
export { PySandboxError, PY_SANDBOX_ERROR_CODES, type PySandboxErrorCode } from './errors.ts';
export type { ChildStats } from './protocol.ts';
