/**
 * A parser worker thread: one Pyodide interpreter, booted once and reused for every file it is
 * given (python/windsock/_runner.py resets module state between files). Started by pool.ts.
 *
 * Boot: load Pyodide with an empty `js` module, mount the DAG folder read-only, copy the shim into
 * memory, import it, install the sandbox (Python audit hook + host-lockdown.ts), then say ready.
 * A file that runs past its time limit is interrupted through the shared interrupt buffer; a file
 * that ignores the interrupt gets the whole thread terminated by the pool.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import { loadPyodide } from 'pyodide';
import { mountDagFolderReadOnly, shutHostDoors } from './host-lockdown.ts';
import type { ParseRequest, WorkerInit, WorkerMessage } from './protocol.ts';

const SHIM_ROOT = '/windsock/shim';

type ParseFile = (relPath: string, text: string, variablesJson: string | undefined) => string;

function send(message: WorkerMessage): void {
  parentPort!.postMessage(message);
}

function copyShim(fs: { mkdirTree(p: string): void; writeFile(p: string, data: string): void }, shimDir: string): void {
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const host = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== '__pycache__') walk(host);
      } else if (entry.name.endsWith('.py')) {
        const target = `${SHIM_ROOT}/${relative(shimDir, host).split('\\').join('/')}`;
        fs.mkdirTree(target.slice(0, target.lastIndexOf('/')));
        fs.writeFile(target, readFileSync(host, 'utf8'));
      }
    }
  };
  walk(shimDir);
}

async function boot(init: WorkerInit): Promise<ParseFile> {
  const pyodide = await loadPyodide({
    // Pyodide ships its interpreter and standard library: load them from the package, never a CDN.
    indexURL: dirname(fileURLToPath(import.meta.resolve('pyodide'))) + sep,
    jsglobals: Object.create(null) as object, // `import js` finds nothing of Node's globals
    env: { HOME: '/home/pyodide', PYTHONHASHSEED: '0' },
    stdout: () => {},
    stderr: () => {},
  });
  const module = (pyodide as unknown as { _module: Parameters<typeof shutHostDoors>[0] })._module;
  pyodide.setInterruptBuffer(new Int32Array(init.interruptBuffer));
  mountDagFolderReadOnly(module, init.dagFolder, init.mountPoint);
  copyShim(pyodide.FS as unknown as Parameters<typeof copyShim>[0], init.shimDir);
  pyodide.globals.set('__windsock_config', JSON.stringify({
    dag_folder: init.mountPoint,
    shim_root: SHIM_ROOT,
    operator_aliases: init.operatorAliases,
    sandbox: true,
    readable_roots: ['/lib'],
  }));
  const parseFile = pyodide.runPython(`
import sys
sys.path.insert(0, ${JSON.stringify(SHIM_ROOT)})
from windsock import _runner
_runner.bootstrap(__windsock_config)
del __windsock_config
_runner.parse_file
`) as ParseFile;
  shutHostDoors(module, pyodide as unknown as Record<string, unknown>);
  return parseFile;
}

const started = performance.now();
const parseFile = await boot(workerData as WorkerInit);
send({ type: 'ready', bootMs: performance.now() - started });

parentPort!.on('message', (req: ParseRequest) => {
  const t0 = performance.now();
  let json: string;
  try {
    json = parseFile(req.relPath, req.text, req.variables ? JSON.stringify(req.variables) : undefined);
  } catch (err) {
    // parse_file catches everything the file raises; reaching here means the interpreter itself
    // failed (a fatal Pyodide error, an interrupt outside the file): this worker is done.
    send({ type: 'crashed', id: req.id, message: err instanceof Error ? err.message : String(err) });
    process.exit(1);
  }
  send({ type: 'result', id: req.id, json, parseMs: performance.now() - t0 });
});
