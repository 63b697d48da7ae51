/**
 * Hostile DAG files (test/fixtures/hostile-dags/, one attack per file) against the real parser and
 * DAG processor, with canary secrets in the scheduler's environment and a canary file on disk
 * outside the DAG folder. Nothing a file does may bring a canary into any output (serialized DAGs,
 * import errors, the code view), leave a marker file on the host, reach another file, stop the
 * processor, or keep a parser process big or busy; a normal DAG in the same folder still parses.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DagFolderProcessor, PythonDagLoader } from '@windsock/dag-parser';
import { migrateToLatest, openMetastore, type Metastore } from '@windsock/metastore';
import { LocalEventBus } from '@windsock/queue';
import { DagProcessorService } from '@windsock/scheduler';
import { PySandbox } from '@windsock/pysandbox';
import { parserPoolOptions } from '../libs/dag-parser/src/python/loader.ts';
import { compilePythonLoaderOptions } from '../libs/dag-parser/src/python/options.ts';
import { parserSandboxOptions } from '../libs/dag-parser/src/python/pool.ts';
import { TEST_SNAPSHOT_DIR } from './support/snapshots.ts';

const FIXTURES = new URL('./fixtures/hostile-dags/', import.meta.url);
const root = mkdtempSync(join(tmpdir(), 'windsock-hostile-'));
const dagFolder = join(root, 'dags');
const canaryFile = join(root, 'host-secret.txt');
const marker = join(root, 'marker');
const CANARIES = {
  WINDSOCK__CORE__FERNET_KEY: 'canary-fernet-5f1c',
  WINDSOCK__DATABASE__SQL_ALCHEMY_CONN: 'postgresql://canary-user:canary-db-pass@db/windsock',
  WINDSOCK__API__SECRET_KEY: 'canary-jwt-9e2a',
};
const DISK_CANARY = 'canary-on-disk-77b3';
const ALL_CANARIES = [...Object.values(CANARIES), DISK_CANARY];
const TIMEOUT_S = 2;
const MAX_MEMORY_MB = 512;
let store: Metastore;
let loader: PythonDagLoader;
const saved: Record<string, string | undefined> = {};

function fixture(name: string): string {
  return readFileSync(new URL(name, FIXTURES), 'utf8').replaceAll('{{CANARY_FILE}}', canaryFile).replaceAll('{{MARKER}}', marker);
}

function expectNoCanary(what: string, text: string): void {
  for (const canary of ALL_CANARIES) {
    if (text.includes(canary)) throw new Error(`${what} carries the canary '${canary}'`);
  }
}

beforeAll(async () => {
  for (const [k, v] of Object.entries(CANARIES)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  mkdirSync(dagFolder);
  writeFileSync(canaryFile, DISK_CANARY);
  for (const name of readdirSync(FIXTURES)) writeFileSync(join(dagFolder, name), fixture(name));
  symlinkSync(canaryFile, join(dagFolder, 'symlink_out.py'));
  symlinkSync(canaryFile, join(dagFolder, 'symlink_out.yaml'));
  store = await openMetastore({ kind: 'pglite', dataDir: null });
  await migrateToLatest(store.db);
  loader = new PythonDagLoader({ dagFolder, poolSize: 2, timeoutSeconds: TIMEOUT_S, maxMemoryMb: MAX_MEMORY_MB, snapshotDir: TEST_SNAPSHOT_DIR });
}, 120_000);

afterAll(async () => {
  await loader?.close();
  await store?.close();
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  rmSync(root, { recursive: true, force: true });
});

describe('the whole hostile folder through the DAG processor', () => {
  it('stores every file as a DAG or a clean import error, leaks nothing and leaves no marker', async () => {
    const processor = new DagFolderProcessor({ folder: dagFolder, loaders: { '.py': loader }, safeMode: false });
    const service = new DagProcessorService({ db: store.db, events: new LocalEventBus(), processor, dagsFolder: dagFolder, options: { pausedAtCreation: true } });
    const { scan } = await service.syncOnce(); // resolves: no file stops the processor
    const byFile = Object.fromEntries(scan.changed.map((r) => [r.fileloc, r.ok ? 'ok' : r.error.code]));
    expect(byFile).toMatchObject({
      'normal_dag.py': 'ok',
      'env_dump.py': 'ok',
      'dag_nul_fields.py': 'ok',
      'js_importlib_pyodide_js.py': 'SANDBOX_REFUSED',
      'js_pyodide_code_run_js.py': 'SANDBOX_REFUSED',
      'raise_nul.py': 'PYTHON_EXCEPTION',
      'raise_surrogate.py': 'PYTHON_EXCEPTION',
      'raise_huge.py': 'PYTHON_EXCEPTION',
      'cpu_loop.py': 'TIMEOUT',
      'cpu_loop_stubborn.py': 'TIMEOUT',
      'symlink_out.py': 'OUTSIDE_DAG_FOLDER',
      'symlink_out.yaml': 'OUTSIDE_DAG_FOLDER',
    });
    expect(['PYTHON_EXCEPTION', 'PARSER_CRASHED', 'TIMEOUT']).toContain(byFile['memory_bomb.py']);

    const dags = await store.db.selectFrom('serialized_dag').select(['dag_id', 'data']).execute();
    const errors = await store.db.selectFrom('import_error').selectAll().execute();
    const code = await store.db.selectFrom('dag_code').selectAll().execute();
    expect(dags.map((d) => d.dag_id)).toContain('normal_dag');
    expectNoCanary('serialized DAGs', JSON.stringify(dags));
    expectNoCanary('import errors', JSON.stringify(errors));
    expectNoCanary('the code view', JSON.stringify(code));
    expect(existsSync(marker)).toBe(false);

    const error = (file: string) => errors.find((e) => e.filename === file)!;
    expect(error('raise_nul.py').message).toBe('ValueError: before\\x00after');
    expect(error('raise_surrogate.py').message).toBe('ValueError: lone \uFFFD surrogate \uFFFD');
    expect(error('raise_huge.py').message.length).toBeLessThan(5_000);
    expect(error('raise_huge.py').message).toContain('truncated');
    expect(error('symlink_out.py').message).not.toContain(root);
    expect(code.map((c) => c.fileloc)).not.toContain('symlink_out.py');
    const nul = dags.find((d) => d.dag_id === 'dag_nul_fields')!.data;
    expect(nul.doc_md).toBe('doc\\x00with nul \uFFFD');
    // The environment Python sees is the interpreter's own, not the scheduler's.
    expect(dags.find((d) => d.dag_id === 'env_dump')!.data.doc_md).not.toContain('WINDSOCK');
  }, 180_000);
});

describe('each file in a clean interpreter', () => {
  it("a file's monkeypatches of the shim and the standard library never reach the next file", async () => {
    const one = new PythonDagLoader({ dagFolder, poolSize: 1, snapshotDir: TEST_SNAPSHOT_DIR }); // one process: both files run in it
    try {
      const patch = await one.load('a_monkeypatch_operator.py', fixture('a_monkeypatch_operator.py'));
      expect(patch).toMatchObject({ ok: true, dags: [] });
      const victim = await one.load('b_victim_bash.py', fixture('b_victim_bash.py'));
      if (!victim.ok) throw new Error(victim.error.message);
      expect(victim.dags[0]!.tasks[0]).toMatchObject({ task_id: 'hello', args: { bash_command: 'echo hello' } });
      expect(one.processes).toHaveLength(1);
    } finally {
      await one.close();
    }
  }, 120_000);
});

describe('bounded parsing', () => {
  it('a memory bomb gets an import error and its process is replaced: parser memory back under the ceiling', async () => {
    const result = await loader.load('memory_bomb.py', fixture('memory_bomb.py'));
    expect(result.ok).toBe(false);
    const after = await loader.load('normal_dag.py', fixture('normal_dag.py'));
    expect(after.ok).toBe(true);
    for (const p of loader.processes) {
      if (p.pid === undefined) continue;
      const rss = residentBytes(p.pid);
      if (rss !== null) expect(rss).toBeLessThan(MAX_MEMORY_MB * 1024 * 1024);
    }
  }, 120_000);

  it('looping files hold another file back by about their own timeout at most; known loopers never take every process', async () => {
    const normal = async (delayMs: number, since: number) => {
      await new Promise((r) => setTimeout(r, delayMs)); // queued behind the loops
      const r = await loader.load('normal_dag.py', fixture('normal_dag.py'));
      return { ok: r.ok, ms: performance.now() - since };
    };
    // Two warm processes (the pool grows while files wait; a boot is not what is measured here).
    const warmBoth = async () => {
      while (loader.processes.filter((p) => !p.starting).length < 2) {
        await Promise.all([0, 1, 2].map(() => loader.load('normal_dag.py', fixture('normal_dag.py'))));
        await new Promise((r) => setTimeout(r, 200));
      }
    };
    await warmBoth();
    const t0 = performance.now();
    const [loopA, loopB, first] = await Promise.all([
      loader.load('cpu_loop.py', fixture('cpu_loop.py')),
      loader.load('cpu_loop_stubborn.py', fixture('cpu_loop_stubborn.py')),
      normal(50, t0),
    ]);
    expect([loopA.ok, loopB.ok, first.ok]).toEqual([false, false, true]);
    expect(first.ms).toBeLessThan(TIMEOUT_S * 1000 + 2_500);
    // Both loops are known slow now: together they may hold size - 1 processes, so the normal file
    // finds the other one at once instead of waiting for a loop's timeout.
    await warmBoth();
    const t1 = performance.now();
    const again = await Promise.all([
      loader.load('cpu_loop.py', fixture('cpu_loop.py')),
      loader.load('cpu_loop_stubborn.py', fixture('cpu_loop_stubborn.py')),
      normal(50, t1),
    ]);
    expect(again[2].ok).toBe(true);
    expect(again[2].ms).toBeLessThan(TIMEOUT_S * 1000);
  }, 300_000);
});

describe('the second wall: JavaScript running inside a parser process (a full escape, simulated)', () => {
  it('finds no secrets, cannot read host files, spawn, start workers, write, or reach the network', async () => {
    const options = parserSandboxOptions(parserPoolOptions(compilePythonLoaderOptions({ dagFolder })));
    const sandbox = await PySandbox.start({ ...options, testHooks: true });
    try {
      const js = (code: string) => sandbox.evalJs(code);
      expect(await js('return JSON.stringify(process.env)')).toBe('{}');
      const fs = 'process.getBuiltinModule("node:fs")';
      expect(await js(`return ${fs}.readFileSync(${JSON.stringify(canaryFile)}, "utf8")`)).toMatch(/^threw: Access to this API has been restricted/);
      expect(await js(`return ${fs}.readFileSync("/etc/passwd", "utf8")`)).toMatch(/^threw: Access to this API has been restricted/);
      expect(await js(`return ${fs}.readFileSync("/proc/${process.pid}/environ", "utf8")`)).toMatch(/^threw: Access to this API has been restricted/);
      expect(await js(`return ${fs}.writeFileSync(${JSON.stringify(marker)}, "x")`)).toMatch(/^threw: Access to this API has been restricted/);
      expect(await js(`return ${fs}.readFileSync(${JSON.stringify(join(dagFolder, 'normal_dag.py'))}, "utf8").length > 0`)).toBe('true');
      expect(await js('return [process.permission.has("child"), process.permission.has("worker"), process.permission.has("fs.write")].join()'))
        .toBe('false,false,false');
      expect(await js('const { Worker } = process.getBuiltinModule("node:worker_threads"); new Worker("1", { eval: true }); return "started"'))
        .toMatch(/^threw: Access to this API has been restricted/);
      const cp = 'process.getBuiltinModule("node:child_process")';
      expect(await js(`return ${cp}.spawnSync("/bin/sh", ["-c", "touch ${marker}"]).status`)).toBe('127');
      expect(await js(`return ${cp}.exec("touch ${marker}")`)).toMatch(/^threw: /);
      expect(await js('return eval("1 + 1")')).toMatch(/^threw: Code generation from strings disallowed/);
      expect(await js('return process.getBuiltinModule("node:net").connect(5432, "127.0.0.1")')).toMatch(/^threw: .*refused the network/);
      expect(await js('return typeof fetch("http://127.0.0.1:5432")')).toMatch(/^threw: .*refused the network/);
      if (sandbox.netIsolated) {
        // In its own network namespace: not even the host's loopback is there.
        expect(await js('return JSON.stringify(Object.keys(process.getBuiltinModule("node:os").networkInterfaces()))')).toBe('[]');
      }
      expect(existsSync(marker)).toBe(false);
    } finally {
      await sandbox.kill();
    }
  }, 120_000);
});

/** VmRSS of a live process, from /proc (Linux); null elsewhere or once it has gone. */
function residentBytes(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}
