/**
 * The JavaScript side of the parse sandbox, applied inside a parser worker once its interpreter is
 * up. Pyodide on Node reaches the host through Emscripten: os.system spawns a host shell through
 * node:child_process, sockets become WebSocket connections (`ws`), NODEFS mounts read and write
 * host folders, and Pyodide puts a `require` on globalThis. The Python audit hook
 * (python/windsock/_sandbox.py) refuses these with clear messages; this shuts the same doors one
 * level down, so Python code that slipped past the hook still finds them shut.
 *
 * Everything here is thread-local: a worker has its own module instances and globals.
 */
import { createRequire } from 'node:module';

/** The few Emscripten internals we touch, typed loosely: Pyodide does not type them. */
interface EmscriptenModule {
  FS: {
    filesystems: Record<string, { node_ops: Record<string, unknown>; stream_ops: Record<string, unknown> }>;
    ErrnoError: new (errno: number) => Error;
    mount: (...args: unknown[]) => unknown;
    mkdirTree: (path: string) => void;
  };
  SOCKFS?: { createSocket?: (...args: unknown[]) => unknown };
  ERRNO_CODES: Record<string, number>;
}

const CHILD_PROCESS_FUNCTIONS = ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork'];

/** Emscripten's open() flags (the Linux values). */
const O_ACCMODE = 3;
const O_CREAT = 0o100;
const O_TRUNC = 0o1000;
const O_APPEND = 0o2000;

export function mountDagFolderReadOnly(module: EmscriptenModule, hostPath: string, mountPoint: string): void {
  const { FS } = module;
  const nodefs = FS.filesystems.NODEFS;
  if (!nodefs) throw new Error('Pyodide has no NODEFS: the DAG folder cannot be mounted');
  const erofs = module.ERRNO_CODES.EROFS ?? 69;
  const refuse = (): never => {
    throw new FS.ErrnoError(erofs);
  };
  // NODEFS has no read-only mode: take away every operation that changes the host.
  for (const op of ['mknod', 'rename', 'unlink', 'rmdir', 'symlink', 'setattr']) nodefs.node_ops[op] = refuse;
  const open = nodefs.stream_ops.open as (stream: { flags: number }) => unknown;
  nodefs.stream_ops.open = (stream: { flags: number }) => {
    if ((stream.flags & O_ACCMODE) !== 0 || stream.flags & (O_CREAT | O_TRUNC | O_APPEND)) refuse();
    return open(stream);
  };
  nodefs.stream_ops.write = refuse;
  FS.mkdirTree(mountPoint);
  FS.mount(nodefs, { root: hostPath }, mountPoint);
}

export function shutHostDoors(module: EmscriptenModule, pyodideApi: Record<string, unknown>): void {
  const { FS } = module;
  const eacces = module.ERRNO_CODES.EACCES ?? 2;
  // Processes: Emscripten's system() calls node:child_process through its own require.
  const require = createRequire(import.meta.url);
  const childProcess = require('node:child_process') as Record<string, unknown>;
  const refusal = 'Windsock refused starting a process while parsing DAG files';
  for (const name of CHILD_PROCESS_FUNCTIONS) {
    childProcess[name] = () => {
      throw new Error(refusal);
    };
  }
  // system() reads spawnSync's result; a throw there would be a fatal error of the interpreter.
  // Answer as a shell that could not run the command: exit status 127.
  childProcess.spawnSync = () => ({
    pid: 0, status: 127, signal: null, output: [null, '', ''], stdout: '', stderr: '', error: new Error(refusal),
  });
  // Network: every socket() goes through SOCKFS.createSocket.
  if (module.SOCKFS) {
    module.SOCKFS.createSocket = () => {
      throw new FS.ErrnoError(eacces);
    };
  }
  // No more mounts (the DAG folder is mounted), and no `require` for JavaScript reached from Python.
  FS.mount = () => {
    throw new FS.ErrnoError(eacces);
  };
  pyodideApi.mountNodeFS = () => {
    throw new Error('Windsock refused mounting host folders while parsing DAG files');
  };
  delete (globalThis as { require?: unknown }).require;
  shutFunctionConstructors();
}

/**
 * Any JavaScript object Python gets hold of (a JsProxy, however obtained) leads to the Function
 * constructor through `.constructor.constructor`, and from there to globalThis and `process`. Take
 * that step away in this thread: Pyodide does not build functions from strings after it has
 * loaded, and Node's own code uses its saved primordials, not these properties.
 */
function shutFunctionConstructors(): void {
  const refuse = function refusedFunctionConstructor(): never {
    throw new Error('Windsock refused creating JavaScript code while parsing DAG files');
  };
  const prototypes = [
    Function.prototype,
    Object.getPrototypeOf(async function () {}) as object,
    Object.getPrototypeOf(function* () {}) as object,
    Object.getPrototypeOf(async function* () {}) as object,
  ];
  for (const proto of prototypes) {
    Object.defineProperty(proto, 'constructor', { value: refuse, writable: false, configurable: false });
  }
}
