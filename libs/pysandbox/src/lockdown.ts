/**
 * The JavaScript side of the sandbox, applied inside the child process (child.ts). It is the first
 * wall's JavaScript half: the Python side (an audit hook, or whatever the setup installs) refuses
 * with clear messages; this takes the doors away one level down, so Python that slips past still
 * finds them shut. The second wall is the process itself (sandbox.ts): no environment, Node's
 * permission model, no code generation from strings, no network namespace where Linux allows it.
 */
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { constants as fsConstants } from 'node:fs';
import { constants as osConstants } from 'node:os';

/** The few Emscripten internals we touch, typed loosely: Pyodide does not type them. */
export interface EmscriptenModule {
  FS: EmscriptenFS;
  SOCKFS?: { createSocket?: (...args: unknown[]) => unknown };
  ERRNO_CODES: Record<string, number>;
  HEAPU8: Uint8Array;
  [key: string]: unknown;
}

export interface EmscriptenFS {
  filesystems: Record<string, { node_ops: Record<string, unknown>; stream_ops: Record<string, unknown> }>;
  ErrnoError: new (errno: number) => Error;
  mount: (...args: unknown[]) => unknown;
  mkdirTree: (path: string) => void;
  writeFile: (path: string, data: string) => void;
  readdir: (path: string) => string[];
  lookupPath: (path: string) => { node: { mount: { opts: unknown } } };
  stat: (path: string) => { mode: number };
  isDir: (mode: number) => boolean;
  unlink: (path: string) => void;
  rmdir: (path: string) => void;
  chdir: (path: string) => void;
  cwd: () => string;
  streams: ({ fd: number } | null | undefined)[];
  close: (stream: unknown) => void;
}

const CHILD_PROCESS_FUNCTIONS = ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork'];
const O_ACCMODE = 3;
const O_CREAT = 0o100;
const O_TRUNC = 0o1000;
const O_APPEND = 0o2000;

function refuser(what: string): () => never {
  return () => {
    throw new Error(`Windsock's Python sandbox refused ${what}`);
  };
}

/**
 * Before Pyodide loads. process.binding is denied under the permission model, but Emscripten's
 * NODEFS reads its flag constants through it: answer that one question from the public constants.
 * The WebAssembly heap is capped at `heapLimitBytes` (Python's allocations past it fail with
 * MemoryError instead of growing the process to 4 GB). Network modules lose their functions.
 */
export function prepareHost(heapLimitBytes: number): void {
  const proc = process as unknown as { binding(name: string): unknown };
  const binding = proc.binding.bind(process);
  proc.binding = (name: string) => (name === 'constants' ? { fs: fsConstants, os: osConstants } : binding(name));
  const instantiate = WebAssembly.instantiate.bind(WebAssembly) as (...args: unknown[]) => Promise<unknown>;
  (WebAssembly as { instantiate: unknown }).instantiate = (source: unknown, imports?: Record<string, Record<string, unknown>>) => {
    const env = imports?.env;
    const resize = env?.emscripten_resize_heap as ((size: number) => boolean) | undefined;
    if (env && typeof resize === 'function') {
      env.emscripten_resize_heap = (requested: number) => ((requested >>> 0) > heapLimitBytes ? false : resize(requested));
    }
    return instantiate(source, imports);
  };
  shutNetwork();
  shutChildProcess();
}

/**
 * Node's network entry points (Pyodide's NodeSockFS, fetch, WebSocket reach the host through them).
 * Only the functions that open a connection, a listener or a lookup: the classes stay, because
 * Node's own stdio and IPC streams are built from them.
 */
function shutNetwork(): void {
  void process.stderr; // created now, before net.Socket's connect is taken away
  const require = createRequire(import.meta.url);
  const take = (name: string, keys: string[]): void => {
    const mod = require(name) as Record<string, unknown>;
    for (const key of keys) if (typeof mod[key] === 'function') mod[key] = refuser(`the network (${name} ${key})`);
  };
  take('node:net', ['connect', 'createConnection', 'createServer']);
  take('node:tls', ['connect', 'createServer']);
  take('node:dgram', ['createSocket']);
  take('node:dns', ['lookup', 'lookupService', 'resolve', 'resolve4', 'resolve6', 'resolveAny', 'reverse']);
  take('node:http', ['request', 'get', 'createServer']);
  take('node:https', ['request', 'get', 'createServer']);
  take('node:http2', ['connect', 'createServer', 'createSecureServer']);
  const net = require('node:net') as { Socket: { prototype: Record<string, unknown> }; Server: { prototype: Record<string, unknown> } };
  net.Socket.prototype.connect = refuser('the network (net.Socket connect)');
  net.Server.prototype.listen = refuser('the network (net.Server listen)');
  for (const key of ['fetch', 'WebSocket', 'EventSource']) {
    Object.defineProperty(globalThis, key, { value: refuser(`the network (${key})`), writable: false, configurable: false });
  }
  syncBuiltinESMExports();
}

function shutChildProcess(): void {
  const require = createRequire(import.meta.url);
  const childProcess = require('node:child_process') as Record<string, unknown>;
  for (const name of CHILD_PROCESS_FUNCTIONS) childProcess[name] = refuser('starting a process');
  // Emscripten's system() reads spawnSync's result; a throw there is a fatal error of the interpreter.
  // Answer as a shell that could not run the command: exit status 127.
  childProcess.spawnSync = () => ({ pid: 0, status: 127, signal: null, output: [null, '', ''], stdout: '', stderr: '' });
  syncBuiltinESMExports();
}

/** NODEFS has no read-only mode: take away every operation that changes the host, then mount. */
export function mountReadOnly(module: EmscriptenModule, hostPath: string, mountPoint: string): void {
  const { FS } = module;
  const nodefs = FS.filesystems.NODEFS;
  if (!nodefs) throw new Error('Pyodide has no NODEFS: host folders cannot be mounted');
  const erofs = module.ERRNO_CODES.EROFS ?? 69;
  const refuse = (): never => {
    throw new FS.ErrnoError(erofs);
  };
  for (const op of ['mknod', 'rename', 'unlink', 'rmdir', 'symlink', 'setattr']) nodefs.node_ops[op] = refuse;
  const open = nodefs.stream_ops.open as (stream: { flags: number }) => unknown;
  nodefs.stream_ops.open = (stream: { flags: number }) => {
    if ((stream.flags & O_ACCMODE) !== 0 || stream.flags & (O_CREAT | O_TRUNC | O_APPEND)) refuse();
    return open(stream);
  };
  nodefs.stream_ops.write = refuse;
  FS.mkdirTree(mountPoint);
  FS.mount(nodefs, { root: hostPath }, mountPoint);
  // The mount's options decide which host folder it shows: nobody may point it elsewhere.
  deepFreeze(FS.lookupPath(mountPoint).node.mount.opts);
}

/**
 * After setup: no more mounts, no JavaScript modules for Python (`js`, `pyodide_js`), no script
 * evaluation through Emscripten, no `require`, no Function constructors. (The child also runs
 * with --disallow-code-generation-from-strings, so eval and new Function fail in V8 itself.)
 */
export function shutHostDoors(module: EmscriptenModule, pyodide: Record<string, unknown>): void {
  const { FS } = module;
  const eacces = module.ERRNO_CODES.EACCES ?? 2;
  if (module.SOCKFS) module.SOCKFS.createSocket = () => {
    throw new FS.ErrnoError(eacces);
  };
  FS.mount = () => {
    throw new FS.ErrnoError(eacces);
  };
  pyodide.mountNodeFS = refuser('mounting host folders');
  const unregister = pyodide.unregisterJsModule as ((name: string) => void) | undefined;
  for (const name of ['js', 'pyodide_js']) {
    try {
      unregister?.call(pyodide, name);
    } catch { /* not registered */ }
  }
  for (const key of Object.keys(module)) {
    if (key.startsWith('_emscripten_run_script')) module[key] = refuser('evaluating JavaScript');
  }
  delete (globalThis as { require?: unknown }).require;
  shutFunctionConstructors();
}

function shutFunctionConstructors(): void {
  const refuse = refuser('creating JavaScript code');
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

function deepFreeze(value: unknown): void {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const v of Object.values(value)) deepFreeze(v);
}
