/**
 * @windsock/pysandbox: Python (Pyodide) in a child process that has nothing worth stealing, for
 * untrusted code (DAG files today, templates next).
 *
 *   const sb = await PySandbox.start({ setup, mounts, copies, maxMemoryMb });   // one process
 *   await sb.call('fn', [jsonArgs...], { timeoutMs, graceMs });                // -> CallOutcome
 *   sb.stats;   // { rssBytes, heapBytes, restoreMs } after the last call
 *   await sb.kill();
 *
 *   const pool = new SandboxPool({ sandbox, size, timeoutMs, graceMs, idleReleaseMs });
 *   await pool.call('fn', args, { key });   // one process at first, grows while calls wait, idle ones released,
 *   pool.processes; await pool.close();     // killed/replaced on timeouts and memory, slow keys in a slow lane
 *
 * `setup` is Python run once in each process; it defines `__sandbox_exports__` (name -> callable)
 * and optionally `__sandbox_warmup__()`. Calls pass JSON-able positional arguments and get the
 * function's JSON-able return value back; every call starts from the state setup left.
 */
export { PySandbox, childCommand, pyodideDir, type CallOutcome, type PySandboxOptions } from './sandbox.ts';
export { SandboxPool, type PoolEvent, type SandboxPoolOptions } from './pool.ts';
export { PySandboxError, PY_SANDBOX_ERROR_CODES, type PySandboxErrorCode } from './errors.ts';
export type { ChildStats } from './protocol.ts';
