/**
 * Messages between a PySandbox (the parent, sandbox.ts) and its child process (child.ts), over the
 * child's IPC channel as JSON. One call at a time per child; replies carry the call's id.
 */

/** argv[2] of the child: everything it needs, as JSON (the child has no environment to read). */
export interface ChildInit {
  /** Pyodide's package folder, with a trailing separator. */
  indexURL: string;
  /** Host folders mounted read-only inside the interpreter (NODEFS, writes refused). */
  mounts: { hostPath: string; mountPoint: string }[];
  /** Host folders of .py files copied into the interpreter's memory (e.g. a shim package). */
  copies: { hostPath: string; target: string }[];
  /**
   * Python run once after boot. It must leave a dict named `__sandbox_exports__` in its globals:
   * name -> callable, the functions call() may name. It may also define `__sandbox_warmup__()`,
   * run once before the clean-state snapshot is taken.
   */
  setup: string;
  /** Environment of the interpreter (os.environ); never the host's. */
  pythonEnv: Record<string, string>;
  /** The WebAssembly heap may not grow past this: Python gets MemoryError instead. */
  heapLimitBytes: number;
  /** After a call, a child whose resident memory is above this says so and exits (its heap returns to the system). */
  maxRssBytes: number;
  /** Restore the interpreter's memory and writable folders after every call (each call starts clean). */
  restoreAfterCall: boolean;
  /** Test only: accept `eval-js` messages, to prove what JavaScript running in the child can reach. */
  testHooks: boolean;
  /** Trusted Python run after the copies and before `setup` (imports only, no hooks): what a snapshot holds. */
  snapshotSetup: string;
  /**
   * `build`: boot, run snapshotSetup, write the interpreter's memory to `path` (atomically, with a sidecar of its
   * size and SHA-256), say `built` and exit. `load`: boot from the snapshot at `path` (checked against `sha256`)
   * instead of initialising the interpreter and running snapshotSetup. null: boot cold. See snapshot.ts.
   */
  snapshot: null | { mode: 'build'; path: string } | { mode: 'load'; path: string; sha256: string; size: number };
}

export interface CallRequest {
  type: 'call';
  id: number;
  fn: string;
  /** JSON text of the positional arguments array. */
  args: string;
  /** Python is interrupted (KeyboardInterrupt) after this many ms; 0 = no limit. */
  timeoutMs: number;
}

/** Test only (ChildInit.testHooks): run `code` as a JavaScript function body in the child. */
export interface EvalJsRequest {
  type: 'eval-js';
  id: number;
  code: string;
}

export type ParentMessage = CallRequest | EvalJsRequest;

export interface ChildStats {
  /** process.memoryUsage().rss of the child at the end of the call. */
  rssBytes: number;
  /** Size of the interpreter's linear memory at the end of the call. */
  heapBytes: number;
  /** Time the last clean-state restore took (it runs after each reply; 0 when restoreAfterCall is off). */
  restoreMs: number;
}

export type ChildMessage =
  | { type: 'ready'; bootMs: number; stats: ChildStats; fromSnapshot: boolean; phases: Record<string, number> }
  /** A snapshot was written (build mode); the child exits after sending this. */
  | { type: 'built'; sha256: string; size: number; bootMs: number }
  /** `json`: the function's return value as JSON text. `interrupted`: the time limit stopped Python. */
  | { type: 'result'; id: number; json: string; callMs: number; interrupted: boolean; stats: ChildStats; retiring: boolean }
  /** The Python function raised (the message is Python's, formatted); the child goes on. */
  | { type: 'error'; id: number; message: string; interrupted: boolean; stats: ChildStats; retiring: boolean }
  | { type: 'eval-result'; id: number; value: string }
  /** Setup failed: the child exits after sending this. */
  | { type: 'failed'; message: string };
