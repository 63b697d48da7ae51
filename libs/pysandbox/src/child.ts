/**
 * The sandbox's child process: one Pyodide interpreter, started by sandbox.ts with an empty
 * environment under Node's permission model. Protocol: protocol.ts, over the IPC channel.
 *
 * Boot: cap the heap and shut the network (lockdown.ts), load Pyodide from its package folder (or from
 * an interpreter snapshot, snapshot.ts), copy the Python folders into memory, mount the host folders
 * read-only, run the snapshot setup (unless the snapshot holds it) and the setup, shut the JavaScript
 * doors, warm up, take the clean state (memory.ts), say ready. Each call then runs the
 * named Python function with a deadline (a KeyboardInterrupt at the time limit, through Pyodide's
 * interrupt check) and restores the clean state after replying.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runInThisContext } from 'node:vm';
import { mountReadOnly, prepareHost, shutHostDoors, type EmscriptenModule } from './lockdown.ts';
import { restoreCleanState, takeCleanState } from './memory.ts';
import type { ChildInit, ChildMessage, ChildStats, ParentMessage } from './protocol.ts';

interface PyodideLike {
  _module: EmscriptenModule;
  _api: { config: Record<string, unknown> };
  makeMemorySnapshot(): Uint8Array;
  FS: EmscriptenModule['FS'];
  globals: { get(name: string): unknown };
  runPython(code: string): unknown;
  setInterruptBuffer(buffer: unknown): void;
}

type Trampoline = (name: string, argsJson: string) => string;

/**
 * Calls an exported function. Bound at setup: json's functions are captured here, so a call that
 * monkeypatches the json module cannot change how its own result is reported.
 */
const TRAMPOLINE = `
def __sandbox_make_call__():
    import json
    dumps, loads, exports = json.dumps, json.loads, __sandbox_exports__

    def call(name, args_json):
        try:
            fn = exports[name]
        except KeyError:
            return dumps({'ok': False, 'error': f'no exported function {name!r}', 'interrupted': False})
        try:
            value = fn(*loads(args_json))
            return '{"ok":true,"value":' + dumps(value, separators=(',', ':')) + '}'
        except BaseException as exc:  # noqa: B036 - the time limit is a KeyboardInterrupt
            try:
                text = f'{type(exc).__name__}: {exc}'[:10000]
            except BaseException:  # noqa: B036 - an exception whose str() raises
                text = type(exc).__name__
            return dumps({'ok': False, 'error': text, 'interrupted': isinstance(exc, KeyboardInterrupt)})
    return call
__sandbox_call__ = __sandbox_make_call__()
del __sandbox_make_call__
`;

const init = JSON.parse(process.argv[2]!) as ChildInit;
/** Heap growth past the clean state after which a child leaves rather than zero the growth at every restore. */
const GROWN_HEAP_RETIRE_BYTES = 128 * 1024 * 1024;
// The parent is gone (it exited, even by kill -9): nobody will ask for anything again.
process.on('disconnect', () => process.exit(0));
const send = (message: ChildMessage, then?: () => void): void => {
  process.send!(message, undefined, {}, () => then?.());
};

/** Pyodide asks this at its interrupt checks: SIGINT (2) once the call's deadline has passed. */
const deadline = { at: Infinity, fired: false };
const interruptBuffer = {
  get 0(): number {
    if (deadline.fired || performance.now() < deadline.at) return 0;
    deadline.fired = true;
    return 2;
  },
  set 0(_v: number) { /* Pyodide clears the signal after reading it */ },
};

function copyFolder(fs: EmscriptenModule['FS'], hostDir: string, target: string): void {
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const host = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== '__pycache__') walk(host);
      } else if (entry.name.endsWith('.py')) {
        const to = `${target}/${relative(hostDir, host).split('\\').join('/')}`;
        fs.mkdirTree(to.slice(0, to.lastIndexOf('/')));
        fs.writeFile(to, readFileSync(host, 'utf8'));
      }
    }
  };
  walk(hostDir);
}

const started = performance.now();
/** Where a boot's time went (ms per phase), reported with `ready`. */
const phases: Record<string, number> = {};
let lastMark = started;
function mark(phase: string): void {
  const now = performance.now();
  phases[phase] = Math.round(now - lastMark);
  lastMark = now;
}

function stats(heapBytes: number, restoreMs: number): ChildStats {
  return { rssBytes: process.memoryUsage.rss(), heapBytes, restoreMs };
}

/** The snapshot's bytes, checked against the size and SHA-256 its builder recorded. */
function readSnapshot(snap: { path: string; sha256: string; size: number }): Uint8Array {
  const bytes = readFileSync(snap.path);
  if (bytes.length !== snap.size || createHash('sha256').update(bytes).digest('hex') !== snap.sha256) {
    throw new Error(`the interpreter snapshot ${snap.path} is damaged (size or SHA-256 differs)`);
  }
  return bytes;
}

/** Build mode: the interpreter after snapshotSetup, written atomically beside its sidecar (size, SHA-256). */
function writeSnapshot(pyodide: PyodideLike, path: string): { sha256: string; size: number } {
  pyodide.runPython('import gc\ngc.collect()');
  const bytes = pyodide.makeMemorySnapshot();
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, path);
  writeFileSync(`${tmp}.json`, JSON.stringify({ sha256, size: bytes.length }));
  renameSync(`${tmp}.json`, `${path}.json`);
  return { sha256, size: bytes.length };
}

async function boot(): Promise<{ module: EmscriptenModule; call: Trampoline } | { sha256: string; size: number }> {
  prepareHost(init.heapLimitBytes);
  const { loadPyodide } = await import(pathToFileURL(`${init.indexURL}pyodide.mjs`).href) as {
    loadPyodide(opts: Record<string, unknown>): Promise<PyodideLike>;
  };
  const snap = init.snapshot;
  mark('import');
  const pyodide = await loadPyodide({
    indexURL: init.indexURL,
    jsglobals: Object.create(null) as object, // `import js` finds nothing of Node's globals
    env: { ...init.pythonEnv },
    stdout: () => {},
    stderr: () => {},
    ...(snap?.mode === 'build' ? { _makeSnapshot: true } : {}),
    ...(snap?.mode === 'load' ? { _loadSnapshot: readSnapshot(snap) } : {}),
  });
  delete pyodide._api.config._loadSnapshot; // 30 MB this process no longer needs
  // Each load puts '' first on sys.path; the snapshot already has the builder's: keep one, where a cold boot has it
  // (a second '' ahead of snapshotSetup's entries made every import search the working folder first).
  if (snap?.mode === 'load') pyodide.runPython("import sys\nif sys.path[:1] == [''] and '' in sys.path[1:]:\n    del sys.path[0]");
  mark('loadPyodide');
  const module = pyodide._module;
  // In-memory folders and mounts are JavaScript objects: a snapshot does not hold them.
  for (const c of init.copies) copyFolder(module.FS, c.hostPath, c.target);
  if (snap?.mode === 'build') {
    pyodide.runPython(init.snapshotSetup);
    return writeSnapshot(pyodide, snap.path);
  }
  for (const m of init.mounts) mountReadOnly(module, m.hostPath, m.mountPoint);
  if (snap?.mode !== 'load') pyodide.runPython(init.snapshotSetup);
  mark('snapshotSetup');
  pyodide.setInterruptBuffer(interruptBuffer);
  pyodide.runPython(init.setup);
  mark('setup');
  pyodide.runPython(TRAMPOLINE);
  const call = pyodide.globals.get('__sandbox_call__') as Trampoline;
  shutHostDoors(module, pyodide as unknown as Record<string, unknown>);
  // The JavaScript modules are unregistered; drop the copies Python already imported at boot.
  pyodide.runPython(`
import sys
for _name in ('js', 'pyodide_js'):
    sys.modules.pop(_name, None)
if '__sandbox_warmup__' in globals():
    __sandbox_warmup__()
import gc
gc.collect()
`);
  mark('warmup');
  return { module, call };
}

let booted: { module: EmscriptenModule; call: Trampoline };
try {
  const b = await boot();
  if (!('module' in b)) {
    send({ type: 'built', sha256: b.sha256, size: b.size, bootMs: performance.now() - started }, () => process.exit(0));
    await new Promise(() => {});
  }
  booted = b as typeof booted;
} catch (err) {
  send({ type: 'failed', message: err instanceof Error ? err.message : String(err) }, () => process.exit(1));
  await new Promise(() => {});
}
const { module, call } = booted!;
const clean = init.restoreAfterCall ? takeCleanState(module) : null;
let lastRestoreMs = 0;
let restorePending = false;

function restoreNow(): void {
  if (!restorePending || !clean) return;
  restorePending = false;
  const r0 = performance.now();
  restoreCleanState(module, clean);
  lastRestoreMs = performance.now() - r0;
}
send({ type: 'ready', bootMs: performance.now() - started, stats: stats(module.HEAPU8.length, 0), fromSnapshot: init.snapshot?.mode === 'load', phases });

process.on('message', (msg: ParentMessage) => {
  if (msg.type === 'eval-js') {
    if (!init.testHooks) return;
    let value: string;
    try {
      value = String(runInThisContext(`(() => {${msg.code}\n})()`));
    } catch (err) {
      value = `threw: ${err instanceof Error ? err.message : String(err)}`;
    }
    send({ type: 'eval-result', id: msg.id, value });
    return;
  }
  restoreNow();
  const t0 = performance.now();
  deadline.fired = false;
  deadline.at = msg.timeoutMs > 0 ? t0 + msg.timeoutMs : Infinity;
  let json: string;
  try {
    json = call(msg.fn, msg.args);
  } catch (err) {
    // The trampoline catches everything Python raises: reaching here means the interpreter itself
    // failed (or an interrupt landed outside the call). Its state is unknown: this child is done.
    send({ type: 'error', id: msg.id, message: err instanceof Error ? err.message : String(err),
      interrupted: deadline.fired, stats: stats(module.HEAPU8.length, 0), retiring: true }, () => process.exit(1));
    return;
  }
  const callMs = performance.now() - t0;
  const interrupted = deadline.fired;
  deadline.at = Infinity;
  const after = stats(module.HEAPU8.length, lastRestoreMs);
  // Above the ceiling: this process's memory cannot shrink (a WebAssembly heap never does). Leave.
  // So too when the heap grew far past the clean state: each restore would zero the grown part again.
  const retiring = after.rssBytes > init.maxRssBytes || (clean !== null && after.heapBytes - clean.heap.length > GROWN_HEAP_RETIRE_BYTES);
  const OK = '{"ok":true,"value":';
  let reply: ChildMessage;
  if (json.startsWith(OK)) {
    reply = { type: 'result', id: msg.id, json: json.slice(OK.length, -1), callMs, interrupted, stats: after, retiring };
  } else {
    const failed = JSON.parse(json) as { error: string };
    reply = { type: 'error', id: msg.id, message: failed.error, interrupted, stats: after, retiring };
  }
  if (retiring) {
    send(reply, () => process.exit(0));
    return;
  }
  // Restore once the reply is written, off the caller's path; a call arriving first restores before it runs.
  restorePending = clean !== null;
  send(reply, restoreNow);
});
