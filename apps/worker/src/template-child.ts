/**
 * The template process: a child started by templates.ts through SandboxProcess (empty environment, Node's
 * permission model, no code generation from strings). It boots Pyodide, loads the vendored Jinja2 and MarkupSafe
 * and windsock_render (apps/worker/python) into Pyodide's in-memory filesystem, renders samples to load every module
 * rendering and its errors need, then shuts the doors: the Python audit hook (windsock_render/hook.py) and the parser's
 * JavaScript host lockdown (no processes, sockets, mounts or `require`; no Function constructor). Each request is
 * a JSON string handed to windsock_render.render.render_request; its reply goes back as it is.
 *
 * Imports only Node built-ins statically: Pyodide and the lockdown module come as absolute paths in argv, so the
 * child needs to read nothing but those and the Python folder.
 */
import { readdirSync, readFileSync, constants as fsConstants } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Pyodide from 'pyodide';
import type * as HostLockdown from '@windsock/dag-parser/host-lockdown';

const [pyodideModule, pyodideIndex, pythonDir, lockdownModule] = process.argv.slice(2) as [string, string, string, string];
const ROOT = '/windsock/render';

type Send = (m: unknown) => void;
const send: Send = (m) => process.send!(m);
process.on('disconnect', () => process.exit(0));

interface PyFS { mkdirTree(p: string): void; writeFile(p: string, data: string): void }

function copyTree(fs: PyFS, hostDir: string, target: string): void {
  for (const entry of readdirSync(hostDir, { withFileTypes: true })) {
    const host = join(hostDir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== '__pycache__') copyTree(fs, host, `${target}/${entry.name}`);
    } else if (entry.name.endsWith('.py')) {
      fs.mkdirTree(target);
      fs.writeFile(`${target}/${relative(hostDir, host)}`, readFileSync(host, 'utf8'));
    }
  }
}

async function boot(): Promise<(request: string) => string> {
  // Pyodide's NODEFS reads fs constants through process.binding, which the permission model refuses.
  (process as unknown as { binding: (name: string) => unknown }).binding = (name: string) => {
    if (name === 'constants') return { fs: fsConstants };
    throw new Error(`process.binding('${name}') is not available`);
  };
  const { loadPyodide } = await import(pathToFileURL(pyodideModule).href) as typeof Pyodide;
  const lockdown = await import(pathToFileURL(lockdownModule).href) as typeof HostLockdown;
  const pyodide = await loadPyodide({
    indexURL: pyodideIndex,
    jsglobals: Object.create(null) as object, // `import js` finds nothing of Node's globals
    env: { HOME: '/home/pyodide' },
    stdout: () => {},
    stderr: () => {},
  });
  phases.pyodideMs = performance.now() - started;
  const fs = pyodide.FS as unknown as PyFS;
  copyTree(fs, join(pythonDir, 'vendor'), `${ROOT}/vendor`);
  copyTree(fs, join(pythonDir, 'windsock_render'), `${ROOT}/windsock_render`);
  pyodide.runPython(`
import sys
sys.path[:0] = ['${ROOT}', '${ROOT}/vendor']
for _name in [m for m in sys.modules if m == 'js' or m.startswith(('pyodide', '_pyodide'))]:
    del sys.modules[_name]
for _finder in [f for f in sys.meta_path if type(f).__name__ == 'JsFinder']:
    getattr(_finder, 'js_modules', {}).clear()  # it holds the js and pyodide_js modules
    sys.meta_path.remove(_finder)
from windsock_render.render import render_request, warm_up
from windsock_render import hook
`);
  phases.importMs = performance.now() - started - phases.pyodideMs;
  const render = pyodide.runPython(`
warm_up()
hook.install()
del hook, warm_up
for _g in ('_name', '_finder', '_g'): globals().pop(_g, None)
render_request
`) as (request: string) => string;
  const module = (pyodide as unknown as { _module: Parameters<typeof lockdown.shutHostDoors>[0] })._module;
  lockdown.shutHostDoors(module, pyodide as unknown as Record<string, unknown>);
  return render;
}

const started = performance.now();
/** Where the boot's time went, for the parent's stats. */
const phases: Record<string, number> = {};
let render: (request: string) => string;
try {
  render = await boot();
} catch (err) {
  send({ type: 'failed', message: err instanceof Error ? err.message.split('\n').slice(-3).join(' ') : String(err) });
  process.exit(1);
}
send({ type: 'ready', bootMs: performance.now() - started, phases });

process.on('message', (m: { id: number; body: string }) => {
  let body: string;
  try {
    body = render(m.body);
  } catch (err) {
    // render_request answers every template error itself; this is the interpreter failing.
    body = JSON.stringify({ ok: false, field: null, error: `the template renderer failed: ${err instanceof Error ? err.message.split('\n').slice(-2).join(' ') : String(err)}` });
  }
  send({ type: 'reply', id: m.id, body });
});
