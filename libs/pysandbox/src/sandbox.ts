/**
 * PySandbox: one Pyodide interpreter in a child process that has nothing worth stealing.
 *
 * The child is started with an EMPTY environment (no database URL, keys or tokens), under Node's
 * permission model with read access to Pyodide's package folder, this library and the folders the
 * caller names only (no writes, no child processes, no workers, no addons, no WASI), with code
 * generation from strings disallowed, and, where Linux lets us (root or user namespaces), in a
 * network namespace of its own with no interface but a downed loopback. Results come back as JSON
 * over the IPC channel. See child.ts for what runs inside.
 *
 *   const sb = await PySandbox.start(options);
 *   const out = await sb.call('parse', [relPath, text], { timeoutMs: 30_000 });
 *   sb.stats?.rssBytes; await sb.kill();
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PySandboxError } from './errors.ts';
import type { ChildInit, ChildMessage, ChildStats, ParentMessage } from './protocol.ts';
import { ensureDir, findSnapshot, removeSnapshot, snapshotPaths, type SnapshotFile, type SnapshotSpec } from './snapshot.ts';

export interface PySandboxOptions {
  /** Python run once at start; it must define `__sandbox_exports__` (name -> callable). See ChildInit.setup. */
  setup: string;
  /** Host folders mounted read-only in the interpreter (and readable by the child process). */
  mounts?: { hostPath: string; mountPoint: string }[];
  /** Host folders of .py files copied into the interpreter's memory (readable by the child process). */
  copies?: { hostPath: string; target: string }[];
  /** os.environ inside Python. Default: HOME and PYTHONHASHSEED=0 only. */
  pythonEnv?: Record<string, string>;
  /** Memory ceiling of the child (MiB): the heap cannot grow past it, and a child above it after a call leaves. */
  maxMemoryMb?: number;
  /** Restore a clean interpreter after every call. Default true. */
  restoreAfterCall?: boolean;
  /**
   * `auto` (default): a network namespace of its own when `unshare --net` works here, else only
   * the JavaScript-level refusals. `required`: fail to start without one. `off`: never.
   */
  networkIsolation?: 'auto' | 'required' | 'off';
  /** Test only: allow evalJs(), to check what JavaScript inside the child can reach. */
  testHooks?: boolean;
  /**
   * Trusted Python run after the copies and before `setup`: imports of the copied modules, no audit hooks (Pyodide's
   * own bootstrap runs again after a snapshot is loaded). With `snapshotDir` it runs once, in the snapshot.
   */
  snapshotSetup?: string;
  /**
   * A folder where the interpreter's snapshot after `snapshotSetup` is kept (built on first use, see snapshot.ts):
   * boots copy it instead of starting CPython. Unset: every boot starts from nothing.
   */
  snapshotDir?: string;
}

export type CallOutcome =
  | { kind: 'ok'; value: unknown; callMs: number; interrupted: boolean }
  /** The function raised; `interrupted` when it was stopped at its time limit. */
  | { kind: 'error'; message: string; interrupted: boolean }
  /** It ran past timeout + grace and the child was killed. */
  | { kind: 'killed' }
  /** The child died or the interpreter failed during the call. */
  | { kind: 'crashed'; message: string };

const CHILD_ENTRY = fileURLToPath(new URL('./child.ts', import.meta.url));
const LIB_ROOT = fileURLToPath(new URL('../', import.meta.url));
const DEFAULT_MAX_MEMORY_MB = 1024;
let unshareProbe: string | null | undefined;

/** `unshare` when it can give a child a network namespace of its own here (probed once), else null. */
function unshareCommand(): string | null {
  if (unshareProbe !== undefined) return unshareProbe;
  unshareProbe = null;
  for (const cand of ['/usr/bin/unshare', '/bin/unshare']) {
    if (!existsSync(cand)) continue;
    for (const args of [['--net'], ['--map-root-user', '--net']]) {
      if (spawnSync(cand, [...args, '--', '/bin/true'], { env: {}, stdio: 'ignore', timeout: 5000 }).status === 0) {
        unshareProbe = `${cand}\0${args.join('\0')}`;
        return unshareProbe;
      }
    }
  }
  return unshareProbe;
}

export function pyodideDir(): string {
  return dirname(fileURLToPath(import.meta.resolve('pyodide'))) + sep;
}

/** The command line of a child: [command, ...args] (exported for tests that check the walls). */
export function childCommand(opts: PySandboxOptions, init: ChildInit): { command: string; args: string[]; netIsolated: boolean } {
  const maxMb = opts.maxMemoryMb ?? DEFAULT_MAX_MEMORY_MB;
  const reads = [init.indexURL, LIB_ROOT, ...init.mounts.map((m) => m.hostPath), ...init.copies.map((c) => c.hostPath)];
  // A snapshot is read by its own path only; the builder (which runs no caller code but snapshotSetup) may write its folder.
  if (init.snapshot) reads.push(init.snapshot.mode === 'load' ? init.snapshot.path : dirname(init.snapshot.path));
  const writes = init.snapshot?.mode === 'build' ? [`--allow-fs-write=${dirname(init.snapshot.path)}`] : [];
  const nodeArgs = [
    '--permission', ...[...new Set(reads)].map((p) => `--allow-fs-read=${p}`), ...writes,
    '--disallow-code-generation-from-strings',
    // A short-lived parent (`dags test`) runs V8 with Liftoff only: its children too, which then skip TurboFan's
    // compile of the interpreter (seconds of CPU a few calls never pay back; see apps/cli/bin/windsock.js).
    ...(process.execArgv.includes('--liftoff-only') ? ['--liftoff-only'] : []),
    `--max-old-space-size=${Math.max(64, Math.round(maxMb / 2))}`,
    '--no-warnings',
    CHILD_ENTRY, JSON.stringify(init),
  ];
  const mode = opts.networkIsolation ?? 'auto';
  const unshare = mode === 'off' ? null : unshareCommand();
  if (mode === 'required' && !unshare) {
    throw new PySandboxError('NO_NETWORK_ISOLATION', 'networkIsolation is "required" but `unshare --net` does not work on this host');
  }
  if (!unshare) return { command: process.execPath, args: nodeArgs, netIsolated: false };
  const [cmd, ...flags] = unshare.split('\0');
  return { command: cmd!, args: [...flags, '--', process.execPath, ...nodeArgs], netIsolated: true };
}

export class PySandbox {
  readonly #child: ChildProcess;
  readonly netIsolated: boolean;
  #stats: ChildStats | null = null;
  #nextId = 1;
  #pending: { id: number; resolve: (o: CallOutcome) => void; timer: NodeJS.Timeout | null } | null = null;
  #evals = new Map<number, (v: string) => void>();
  #exited = false;
  #retiring = false;
  #stderr = '';
  #exitListeners: (() => void)[] = [];
  bootMs = 0;
  /** Whether it booted from an interpreter snapshot. */
  fromSnapshot = false;
  /** Where its boot's time went (ms per phase). */
  bootPhases: Record<string, number> = {};

  private constructor(child: ChildProcess, netIsolated: boolean) {
    this.#child = child;
    this.netIsolated = netIsolated;
  }

  /**
   * Starts the child and resolves once its interpreter is set up and its clean state taken. With `snapshotDir`, from
   * the snapshot (built first when missing); a snapshot that fails to load is removed and the child boots without.
   */
  static async start(opts: PySandboxOptions): Promise<PySandbox> {
    const init = childInit(opts);
    const spec = snapshotSpec(opts, init);
    if (spec) {
      const file = findSnapshot(spec) ?? await buildSnapshot(opts, init, spec).catch(() => null);
      if (file) {
        try {
          return await PySandbox.#startChild(opts, { ...init, snapshot: { mode: 'load', ...file } });
        } catch {
          removeSnapshot(spec, { current: true, older: false });
        }
      }
    }
    return PySandbox.#startChild(opts, init);
  }

  static #startChild(opts: PySandboxOptions, init: ChildInit): Promise<PySandbox> {
    const { command, args, netIsolated } = childCommand(opts, init);
    const child = spawn(command, args, { env: {}, stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'json' });
    const sandbox = new PySandbox(child, netIsolated);
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (d: string) => {
      sandbox.#stderr = (sandbox.#stderr + d).slice(-4000);
    });
    return new Promise((resolve, reject) => {
      let ready = false;
      child.on('message', (msg: ChildMessage) => {
        if (msg.type === 'ready') {
          ready = true;
          sandbox.#stats = msg.stats;
          sandbox.bootMs = msg.bootMs;
          sandbox.fromSnapshot = msg.fromSnapshot;
          sandbox.bootPhases = msg.phases;
          sandbox.#ref(false);
          resolve(sandbox);
        } else if (msg.type === 'failed') {
          reject(new PySandboxError('START_FAILED', `the Python sandbox could not start: ${msg.message}`));
        } else {
          sandbox.#onMessage(msg);
        }
      });
      child.on('error', (err) => {
        if (!ready) reject(new PySandboxError('START_FAILED', `the Python sandbox could not start: ${err.message}`, { cause: err }));
      });
      child.on('exit', (code, signal) => {
        sandbox.#onExit();
        if (!ready) {
          reject(new PySandboxError('START_FAILED', `the Python sandbox exited while starting (${signal ?? code}): ${sandbox.#stderr.trim().split('\n').slice(-3).join(' | ')}`));
        }
      });
    });
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** Memory after the last call (or after start). */
  get stats(): ChildStats | null {
    return this.#stats;
  }

  get alive(): boolean {
    return !this.#exited;
  }

  /** The child said it is above its memory ceiling and is leaving. */
  get retiring(): boolean {
    return this.#retiring;
  }

  get busy(): boolean {
    return this.#pending !== null;
  }

  onExit(listener: () => void): void {
    this.#exitListeners.push(listener);
  }

  /**
   * Calls the exported Python function `fn` with JSON `args`. At `timeoutMs` Python is interrupted
   * (KeyboardInterrupt where it stands); if it has not returned `graceMs` later the child is killed.
   */
  call(fn: string, args: unknown[], limits: { timeoutMs: number; graceMs: number }): Promise<CallOutcome> {
    if (this.#exited) return Promise.resolve({ kind: 'crashed', message: 'the Python sandbox has exited' });
    if (this.#pending) throw new PySandboxError('BUSY', 'one call at a time per sandbox');
    const id = this.#nextId++;
    return new Promise((resolve) => {
      const timer = limits.timeoutMs > 0
        ? setTimeout(() => this.#killPending(), limits.timeoutMs + limits.graceMs)
        : null;
      this.#pending = { id, resolve, timer };
      this.#ref(true);
      this.#child.send({ type: 'call', id, fn, args: JSON.stringify(args), timeoutMs: limits.timeoutMs } satisfies ParentMessage);
    });
  }

  /** Test only (testHooks): runs `code` as a function body in the child; its return value as a string. */
  evalJs(code: string): Promise<string> {
    const id = this.#nextId++;
    return new Promise((resolve) => {
      this.#evals.set(id, resolve);
      this.#child.send({ type: 'eval-js', id, code } satisfies ParentMessage);
    });
  }

  kill(): Promise<void> {
    if (this.#exited) return Promise.resolve();
    return new Promise((resolve) => {
      this.#exitListeners.push(resolve);
      this.#ref(true); // until its exit is seen
      this.#child.kill('SIGKILL');
    });
  }

  /** A child holds the parent's event loop open only while it works (or boots, see start()). */
  #ref(on: boolean): void {
    if (this.#exited) return;
    const channel = this.#child.channel as { ref?(): void; unref?(): void } | null | undefined;
    if (on) {
      this.#child.ref();
      channel?.ref?.();
    } else {
      this.#child.unref();
      channel?.unref?.();
    }
  }

  #onMessage(msg: ChildMessage): void {
    if (msg.type === 'eval-result') {
      this.#evals.get(msg.id)?.(msg.value);
      this.#evals.delete(msg.id);
      return;
    }
    if (msg.type !== 'result' && msg.type !== 'error') return;
    this.#stats = msg.stats;
    if (msg.retiring) this.#retiring = true;
    const pending = this.#pending;
    if (!pending || pending.id !== msg.id) return;
    this.#settle(msg.type === 'result'
      ? { kind: 'ok', value: JSON.parse(msg.json) as unknown, callMs: msg.callMs, interrupted: msg.interrupted }
      : { kind: 'error', message: msg.message, interrupted: msg.interrupted });
  }

  #killPending(): void {
    if (!this.#pending) return;
    this.#settle({ kind: 'killed' });
    this.#child.kill('SIGKILL');
  }

  #settle(outcome: CallOutcome): void {
    const pending = this.#pending;
    if (!pending) return;
    if (pending.timer) clearTimeout(pending.timer);
    this.#pending = null;
    this.#ref(false);
    pending.resolve(outcome);
  }

  #onExit(): void {
    this.#exited = true;
    const detail = this.#stderr.trim().split('\n').slice(-2).join(' | ');
    this.#settle({ kind: 'crashed', message: `the Python sandbox process exited${detail ? `: ${detail}` : ''}` });
    for (const resolve of this.#evals.values()) resolve('exited');
    this.#evals.clear();
    for (const listener of this.#exitListeners.splice(0)) listener();
  }
}

function childInit(opts: PySandboxOptions): ChildInit {
  const maxMb = opts.maxMemoryMb ?? DEFAULT_MAX_MEMORY_MB;
  return {
    indexURL: pyodideDir(),
    mounts: opts.mounts ?? [],
    copies: opts.copies ?? [],
    setup: opts.setup,
    pythonEnv: opts.pythonEnv ?? { HOME: '/home/pyodide', PYTHONHASHSEED: '0' },
    heapLimitBytes: Math.min(4 * 1024 ** 3 - 65536, maxMb * 1024 * 1024),
    maxRssBytes: maxMb * 1024 * 1024,
    restoreAfterCall: opts.restoreAfterCall ?? true,
    testHooks: opts.testHooks ?? false,
    snapshotSetup: opts.snapshotSetup ?? '',
    snapshot: null,
  };
}

function snapshotSpec(opts: PySandboxOptions, init: ChildInit): SnapshotSpec | null {
  if (!opts.snapshotDir) return null;
  return { dir: opts.snapshotDir, setup: init.snapshotSetup, pythonEnv: init.pythonEnv, copies: init.copies, indexURL: init.indexURL };
}

/** Builds in flight, by snapshot path: the processes a pool starts at once wait for one build. */
const building = new Map<string, Promise<SnapshotFile>>();

/** Runs a child in build mode (snapshot.ts) and resolves with the snapshot it wrote. */
function buildSnapshot(opts: PySandboxOptions, init: ChildInit, spec: SnapshotSpec): Promise<SnapshotFile> {
  const { bin } = snapshotPaths(spec);
  let pending = building.get(bin);
  if (pending) return pending;
  pending = new Promise<SnapshotFile>((resolve, reject) => {
    ensureDir(spec.dir);
    const { command, args } = childCommand(opts, { ...init, mounts: [], snapshot: { mode: 'build', path: bin } });
    const child = spawn(command, args, { env: {}, stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'json' });
    let stderr = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (d: string) => { stderr = (stderr + d).slice(-2000); });
    child.on('message', (msg: ChildMessage) => {
      if (msg.type === 'built') resolve({ path: bin, sha256: msg.sha256, size: msg.size });
      else if (msg.type === 'failed') reject(new PySandboxError('START_FAILED', `could not build the interpreter snapshot: ${msg.message}`));
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new PySandboxError('START_FAILED', `the snapshot builder exited (${code}): ${stderr.trim().split('\n').slice(-2).join(' | ')}`)));
  }).then((file) => {
    removeSnapshot(spec, { current: false, older: true });
    return file;
  }).finally(() => building.delete(bin));
  building.set(bin, pending);
  return pending;
}
