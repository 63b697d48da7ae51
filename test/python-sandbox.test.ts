/**
 * The parse sandbox: a DAG file sees the DAG folder read-only and nothing else of the host, has no
 * network, cannot start processes or reach the JavaScript host, cannot leave state for the next
 * file, and is stopped at its time limit while the other files go on. Each door is checked from a
 * DAG file (Python audit hook + JavaScript lockdown together), and the JavaScript wall alone is
 * checked again without the Python one.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImportErrorRecord } from '../libs/dag-parser/src/declaration.ts';
import { PythonDagLoader, PythonParserError } from '../libs/dag-parser/src/python/index.ts';
import { PySandbox } from '../libs/pysandbox/src/index.ts';
import { TEST_SNAPSHOT_DIR } from './support/snapshots.ts';

/** A scratch root of this test file only: <root>/dags is the DAG folder, <root>/secret.txt is outside it. */
const root = mkdtempSync(join(tmpdir(), 'windsock-sandbox-'));
const dagFolder = join(root, 'dags');
const secretFile = join(root, 'secret.txt');
const canary = join(root, 'canary');
/** A real host file outside the DAG folder (and outside /tmp). */
// A real host file outside the DAG folder and outside /tmp (the sandbox has a /tmp of its own, so a repository
// checked out under /tmp would be "not found" rather than refused).
const repoFile = fileURLToPath(new URL('../package.json', import.meta.url)).startsWith('/tmp/') ? '/etc/os-release' : fileURLToPath(new URL('../package.json', import.meta.url));
let loader: PythonDagLoader;

const DAG_TAIL = '\nfrom airflow import DAG\nwith DAG("ok", schedule=None) as dag:\n    pass\n';

beforeAll(async () => {
  mkdirSync(dagFolder);
  writeFileSync(secretFile, 'host secret');
  writeFileSync(join(dagFolder, 'data.txt'), 'inside the folder');
  loader = new PythonDagLoader({ dagFolder, poolSize: 2, timeoutSeconds: 1, snapshotDir: TEST_SNAPSHOT_DIR });
  await loader.warmUp();
}, 120_000);

afterAll(async () => {
  await loader?.close();
  rmSync(root, { recursive: true, force: true });
});

/** Writes the file into the DAG folder and parses it. */
async function run(rel: string, text: string) {
  writeFileSync(join(dagFolder, rel), text);
  return loader.load(rel, text);
}

async function refused(rel: string, text: string): Promise<ImportErrorRecord> {
  const result = await run(rel, text);
  if (result.ok) throw new Error(`${rel} loaded; expected the sandbox to refuse it`);
  return result.error;
}

describe('doors a DAG file finds shut', () => {
  it('opening a socket, a DNS lookup, an HTTP client', async () => {
    const socket = await refused('socket_dag.py',
      "import socket\n\ns = socket.socket()\ns.connect(('127.0.0.1', 6379))\n");
    expect(socket).toMatchObject({ code: 'SANDBOX_REFUSED', line: 3 });
    expect(socket.message).toBe('Refused: Windsock refused opening a socket while parsing DAG files: '
      + 'a DAG file cannot use the network while it is parsed; do network calls inside the task');
    const dns = await refused('dns_dag.py', "import socket\nsocket.gethostbyname('example.com')\n");
    expect(dns.message).toContain('refused a DNS lookup');
    for (const module of ['urllib.request', 'http.client']) {
      const err = await refused('http_dag.py', `import ${module}\n`);
      expect(err).toMatchObject({ code: 'SANDBOX_REFUSED', line: 1 });
      expect(err.message).toContain(`refused to import '${module}'`);
      expect(err.message).toContain('cannot use the network');
    }
  });

  it('reading a host file outside the DAG folder, by absolute or relative path', async () => {
    const passwd = await refused('passwd_dag.py', "open('/etc/passwd').read()\n");
    expect(passwd).toMatchObject({ code: 'SANDBOX_REFUSED', line: 1 });
    expect(passwd.message).toContain("refused reading '/etc/passwd'");
    expect(passwd.message).toContain('a DAG file may read only the files of the DAG folder');
    const host = await refused('host_dag.py', `open(${JSON.stringify(repoFile)}).read()\n`);
    expect(host.message).toContain(`refused reading '${repoFile}'`);
    const relative = await refused('relative_dag.py', "open('../secret.txt').read()\n");
    expect(relative.message).toContain("refused reading '/opt/airflow/secret.txt'");
    // The host's /tmp is not the sandbox's /tmp (an in-memory folder of the interpreter's own).
    const hostTmp = await refused('host_tmp_dag.py', `print(open(${JSON.stringify(secretFile)}).read())\n`);
    expect(hostTmp.message).toMatch(/^FileNotFoundError/);
    expect(hostTmp.message).not.toContain('host secret');
  });

  it('reads inside the DAG folder are allowed; writes are not', async () => {
    const ok = await run('read_dag.py', `assert open('data.txt').read() == 'inside the folder'${DAG_TAIL}`);
    expect(ok.ok).toBe(true);
    const write = await refused('write_dag.py', "open('/opt/airflow/dags/new.txt', 'w').write('x')\n");
    expect(write.message).toContain("refused writing '/opt/airflow/dags/new.txt'");
    expect(write.message).toContain('the DAG folder is read-only');
    const remove = await refused('remove_dag.py', "import os\nos.remove('data.txt')\n");
    expect(remove).toMatchObject({ code: 'SANDBOX_REFUSED', line: 2 });
    expect(existsSync(join(dagFolder, 'new.txt'))).toBe(false);
    expect(readFileSync(join(dagFolder, 'data.txt'), 'utf8')).toBe('inside the folder');
  });

  it('spawning a process: os.system, subprocess, os.fork, os.exec*', async () => {
    const system = await refused('system_dag.py', `import os\nos.system('touch ${canary}')\n`);
    expect(system).toMatchObject({ code: 'SANDBOX_REFUSED', line: 2 });
    expect(system.message).toContain('refused os.system()');
    expect(system.message).toContain('cannot start or signal processes');
    const sub = await refused('subprocess_dag.py', `import subprocess\nsubprocess.run(['touch', '${canary}'])\n`);
    expect(sub.message).toContain('refused starting a process (subprocess)');
    expect((await refused('fork_dag.py', 'import os\nos.fork()\n')).message).toContain('refused os.fork()');
    expect((await refused('exec_dag.py', "import os\nos.execv('/bin/sh', ['sh'])\n")).message)
      .toContain('refused os.exec*()');
    expect(existsSync(canary)).toBe(false);
  });

  it("the JavaScript host: import js; js.process, pyodide's modules, ctypes", async () => {
    const js = await refused('js_dag.py', 'import js\njs.process\n');
    expect(js).toMatchObject({ code: 'SANDBOX_REFUSED', line: 1 });
    expect(js.message).toBe("RefusedImport: Windsock refused to import 'js' while parsing DAG files: "
      + 'DAG files cannot reach the JavaScript host of the parser');
    for (const stmt of ['import pyodide_js', 'from pyodide.ffi import to_js', 'import pyodide.http',
      'import _pyodide_core', 'import ctypes']) {
      const err = await refused('host_import_dag.py', `${stmt}\n`);
      expect(err.code).toBe('SANDBOX_REFUSED');
      expect(err.message).toMatch(/refused to import '(pyodide_js|pyodide\.ffi|pyodide\.http|_pyodide_core|ctypes)'/);
    }
    const gc = await refused('gc_dag.py', 'import gc\nobjs = gc.get_objects()\n');
    expect(gc.message).toContain('refused gc.get_objects()');
  });

  it("the host's environment variables", async () => {
    process.env.WINDSOCK_SANDBOX_PROBE = 'host value';
    try {
      const probe = new PythonDagLoader({ dagFolder, poolSize: 1 });
      try {
        const text = `import os\nassert 'WINDSOCK_SANDBOX_PROBE' not in os.environ, 'host env leaked'${DAG_TAIL}`;
        writeFileSync(join(dagFolder, 'env_dag.py'), text);
        const result = await probe.load('env_dag.py', text);
        expect(result.ok ? 'ok' : result.error.message).toBe('ok');
      } finally {
        await probe.close();
      }
    } finally {
      delete process.env.WINDSOCK_SANDBOX_PROBE;
    }
  }, 60_000);

  it('ending the interpreter: os._exit is refused, sys.exit is an import error', async () => {
    expect((await refused('exit_dag.py', 'import os\nos._exit(0)\n')).message).toContain('refused os._exit()');
    expect((await refused('sysexit_dag.py', "import sys\nsys.exit('bye')\n")).code).toBe('PYTHON_EXIT');
    // The parser survived both.
    expect((await run('after_exit_dag.py', DAG_TAIL)).ok).toBe(true);
  });
});

describe('files cannot see each other', () => {
  it('modules from the DAG folder, builtins, sys.path, the environment, the cwd and /tmp are reset', async () => {
    writeFileSync(join(dagFolder, 'shared_state.py'), 'COUNT = 0\n');
    const first = await run('leaky_dag.py', [
      'import builtins, os, sys', 'import shared_state', 'shared_state.COUNT += 1', 'builtins.LEAKED = True',
      "sys.path.insert(0, '/nowhere')", "os.environ['LEAK'] = '1'", "os.chdir('/tmp')",
      "open('/tmp/left-behind', 'w').write('x')", DAG_TAIL,
    ].join('\n'));
    expect(first.ok).toBe(true);
    // Both processes must be checked: parse the probe once per process.
    const probe = [
      'import builtins, os, sys', 'import shared_state', 'assert shared_state.COUNT == 0, shared_state.COUNT',
      "assert not hasattr(builtins, 'LEAKED')", "assert '/nowhere' not in sys.path", "assert 'LEAK' not in os.environ",
      "assert os.getcwd() == '/opt/airflow/dags', os.getcwd()", "assert os.listdir('/tmp') == [], os.listdir('/tmp')",
      DAG_TAIL,
    ].join('\n');
    const results = await Promise.all([run('probe_a_dag.py', probe), run('probe_b_dag.py', probe)]);
    for (const result of results) expect(result.ok ? 'ok' : result.error.message).toBe('ok');
  });

  it('a helper module changed on disk is read again by the next file', async () => {
    const text = `from helper_value import VALUE\nfrom airflow import DAG\nwith DAG(f"value_{VALUE}", schedule=None):\n    pass\n`;
    writeFileSync(join(dagFolder, 'helper_value.py'), 'VALUE = 1\n');
    const before = await run('value_dag.py', text);
    writeFileSync(join(dagFolder, 'helper_value.py'), 'VALUE = 2\n');
    const after = await run('value_dag.py', text);
    expect(before.ok && before.dags[0]!.dag_id).toBe('value_1');
    expect(after.ok && after.dags[0]!.dag_id).toBe('value_2');
  });

  it('variables come from the snapshot given with each file', async () => {
    let snapshot: Record<string, string> = { color: 'red' };
    const withVars = new PythonDagLoader({ dagFolder, poolSize: 1, variables: () => snapshot, snapshotDir: TEST_SNAPSHOT_DIR });
    try {
      const text = `from airflow.models import Variable\nfrom airflow import DAG\nwith DAG(Variable.get('color'), schedule=None):\n    pass\n`;
      writeFileSync(join(dagFolder, 'color_dag.py'), text);
      const red = await withVars.load('color_dag.py', text);
      snapshot = { color: 'blue' };
      const blue = await withVars.load('color_dag.py', text);
      expect(red.ok && red.dags[0]!.dag_id).toBe('red');
      expect(blue.ok && blue.dags[0]!.dag_id).toBe('blue');
    } finally {
      await withVars.close();
    }
  }, 60_000);
});

describe('the time limit', () => {
  it('stops a file that loops forever; another file parses meanwhile', async () => {
    const [loop, other] = await Promise.all([
      run('forever_dag.py', 'n = 0\nwhile True:\n    n += 1\n'),
      run('meanwhile_dag.py', DAG_TAIL),
    ]);
    expect(other.ok).toBe(true);
    if (loop.ok) throw new Error('the loop loaded');
    expect(loop.error).toMatchObject({ code: 'TIMEOUT', line: 3 });
    expect(loop.error.message).toContain('took longer than 1 s (dagbag_import_timeout) and was stopped');
  });

  it('kills the process of a file that swallows the interrupt, and starts a fresh one', async () => {
    const stubborn = 'while True:\n    try:\n        while True:\n            pass\n    except BaseException:\n        pass\n';
    const result = await run('stubborn_dag.py', stubborn);
    if (result.ok) throw new Error('the stubborn loop loaded');
    expect(result.error.code).toBe('TIMEOUT');
    expect(result.error.line).toBeNull(); // the process was killed: Python could not say where it was
    // The pool is whole again: both processes answer.
    const after = await Promise.all([run('after_a_dag.py', DAG_TAIL), run('after_b_dag.py', DAG_TAIL)]);
    expect(after.map((r) => r.ok)).toEqual([true, true]);
  }, 60_000);
});

describe('the loader', () => {
  it('refuses paths outside the DAG folder, and loads after close', async () => {
    await expect(loader.load('../escape.py', DAG_TAIL)).rejects.toMatchObject({ code: 'INVALID_PATH' });
    await expect(loader.load('/abs.py', DAG_TAIL)).rejects.toBeInstanceOf(PythonParserError);
    const closed = new PythonDagLoader({ dagFolder, poolSize: 1 });
    await closed.close();
    await expect(closed.load('x.py', DAG_TAIL)).rejects.toMatchObject({ code: 'PARSER_CLOSED' });
  });

  it('fails with WORKER_FAILED when a parser process cannot start (its DAG folder vanished)', async () => {
    const gone = join(root, 'gone');
    mkdirSync(gone);
    const broken = new PythonDagLoader({ dagFolder: gone, poolSize: 1 });
    rmSync(gone, { recursive: true });
    try {
      await expect(broken.warmUp()).rejects.toMatchObject({ code: 'WORKER_FAILED' });
      await expect(broken.load('x.py', DAG_TAIL)).rejects.toMatchObject({ code: 'WORKER_FAILED' });
    } finally {
      await broken.close();
    }
  }, 60_000);
});

describe('the JavaScript wall alone (no Python audit hook)', () => {
  /**
   * A sandbox process booted as the parser's are, but without the Python sandbox (no audit hook,
   * no import guard), so Python code goes straight to the doors the JavaScript side shut.
   */
  const python = `
import json, os, socket
def probe():
    out = {}
    out['system'] = os.system(${JSON.stringify(`touch ${canary}`)})
    try:
        socket.socket()
        out['socket'] = 'opened'
    except OSError as e:
        out['socket'] = e.errno
    try:
        open('/dags/written.txt', 'w')
        out['write'] = 'written'
    except OSError as e:
        out['write'] = e.errno
    out['read'] = open('/dags/data.txt').read()
    for name in ('js', 'pyodide_js'):
        try:
            __import__(name)
            out[name] = 'imported'
        except ImportError as e:
            out[name] = 'not found'
    from pyodide.ffi import to_js
    try:
        process = to_js({'a': 1}).constructor.constructor('return globalThis.process')()
        out['function'] = 'reached ' + str(process.pid)
    except Exception as e:
        out['function'] = str(e)
    import errno
    out['errno'] = {'EACCES': errno.EACCES, 'EROFS': errno.EROFS}
    return out
__sandbox_exports__ = {'probe': probe}
`;

  it('keeps processes, sockets, host writes and JavaScript shut even when Python code reaches them', async () => {
    const sandbox = await PySandbox.start({ setup: python, mounts: [{ hostPath: dagFolder, mountPoint: '/dags' }] });
    try {
      const result = await sandbox.call('probe', [], { timeoutMs: 10_000, graceMs: 1000 });
      if (result.kind !== 'ok') throw new Error(JSON.stringify(result));
      const out = result.value as Record<string, unknown>;
      const errno = out.errno as Record<string, number>;
      expect(out.system).toBe(127 << 8); // "the shell could not run it": nothing ran
      expect(out.socket).toBe(errno.EACCES);
      expect(out.write).toBe(errno.EROFS);
      expect(out.read).toBe('inside the folder');
      expect([out.js, out.pyodide_js]).toEqual(['not found', 'not found']);
      // A JS object in Python's hands does not lead to the Function constructor (and so to process).
      expect(out.function).toMatch(/refused creating JavaScript code/);
      expect(existsSync(canary)).toBe(false);
      expect(existsSync(join(dagFolder, 'written.txt'))).toBe(false);
    } finally {
      await sandbox.kill();
    }
  }, 60_000);
});
