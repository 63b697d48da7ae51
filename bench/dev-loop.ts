/**
 * The dev loop, as a user waits for and pays for it: `windsock --help`; `dags test` of a 10-task chain of `true`
 * bash tasks in a Python file and in a YAML file (wall, peak RSS of the process tree; the first run on a new
 * $WINDSOCK_HOME builds the store image, the next ones load it); `standalone --dags examples/dags` from start to
 * ready and its memory after idling (RSS, PSS and the parts, through bench/mem-probe.ts), also with the Python
 * files removed (the interpreters' share). Each figure is printed beside its target and Airflow 2.10's own on the
 * same class of machine (issue 12). Usage: node bench/dev-loop.ts [--tiny] [--idle 30] [--cli path/to/windsock.js]
 */
import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { nodePid, startMeasured, treeMemory, treeProcesses, type Measured } from './proc-tree.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PROBE = fileURLToPath(new URL('./mem-probe.ts', import.meta.url));

const PY_CHAIN = `from datetime import datetime
from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("dev_loop_py", schedule=None, start_date=datetime(2024, 1, 1), catchup=False) as dag:
    prev = None
    for i in range(10):
        t = BashOperator(task_id=f"t{i}", bash_command="true")
        if prev is not None:
            prev >> t
        prev = t
`;
const YAML_CHAIN = `dev_loop_yaml:\n  schedule: null\n  catchup: false\n  default_args:\n    start_date: 2024-01-01\n  tasks:\n${
  Array.from({ length: 10 }, (_, i) => `    - task_id: t${i}\n      operator: airflow.operators.bash.BashOperator\n      bash_command: "true"\n${i ? `      dependencies: [t${i - 1}]\n` : ''}`).join('')}`;

export interface DevLoopOptions { tiny: boolean; idleSeconds: number; cli: string }
export interface StandaloneFigures {
  readyMs: number; idleRssMiB: number; idlePssMiB: number; peakRssMiB: number; parts: Record<string, unknown> | null;
  /** Each process after idling: the standalone process first, then its children (parser and template interpreters). */
  processes: { pid: number; rssMiB: number; pssMiB: number }[];
}
export interface DevLoopResult {
  help: Measured[]; pyFirst: Measured; py: Measured[]; yaml: Measured[];
  standalone: StandaloneFigures; standaloneYaml: StandaloneFigures | null;
  /** The same with WINDSOCK_LOW_MEMORY=1 (V8 with Liftoff only; see apps/cli/bin/windsock.js). */
  standaloneLowMemory: StandaloneFigures | null;
}

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor((s.length - 1) / 2)]!; };

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => { const a = s.address(); s.close(() => resolve(typeof a === 'object' && a ? a.port : 0)); });
    s.on('error', reject);
  });
}

function baseEnv(home: string): NodeJS.ProcessEnv {
  return { ...process.env, WINDSOCK_HOME: home, WINDSOCK__LOGGING__LEVEL: 'warn' };
}

async function cli(opts: DevLoopOptions, args: string[], home: string): Promise<Measured> {
  const r = await startMeasured([opts.cli, ...args], baseEnv(home), ROOT).done;
  if (r.code !== 0) throw new Error(`windsock ${args.join(' ')} exited ${r.code}: ${r.stderr.slice(-2000)}`);
  return r;
}

export async function standalone(opts: DevLoopOptions, dags: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<StandaloneFigures> {
  const home = await mkdtemp(join(tmpdir(), 'ws-devloop-home-'));
  const probeOut = join(home, 'mem.json');
  const env = { ...baseEnv(home), WS_MEM_PROBE_OUT: probeOut, ...extraEnv };
  const run = startMeasured(['--import', PROBE, opts.cli, 'standalone', '--dags', dags, '--port', String(await freePort())], env, ROOT);
  try {
    const readyMs = await new Promise<number>((resolve, reject) => {
      const timer = setInterval(() => {
        if (run.stdout().includes('Windsock standalone is running')) { clearInterval(timer); resolve(performance.now() - run.started); }
      }, 20);
      void run.done.then((r) => { clearInterval(timer); reject(new Error(`standalone exited ${r.code}: ${r.stderr.slice(-2000)}`)); });
    });
    await new Promise((r) => setTimeout(r, opts.idleSeconds * 1000));
    const pid = nodePid(run)!;
    const mem = treeMemory(pid);
    const processes = treeProcesses(pid);
    process.kill(pid, 'SIGUSR2');
    let parts: Record<string, unknown> | null = null;
    for (let i = 0; i < 100 && !parts; i++) {
      await new Promise((r) => setTimeout(r, 50));
      parts = await readFile(probeOut, 'utf8').then((t) => JSON.parse(t) as Record<string, unknown>, () => null);
    }
    const peak = run.peakKb() / 1024;
    process.kill(pid, 'SIGTERM');
    await run.done;
    return { readyMs, idleRssMiB: mem.rssKb / 1024, idlePssMiB: mem.pssKb / 1024, peakRssMiB: peak, parts, processes };
  } finally {
    if (run.child.exitCode === null) run.child.kill('SIGKILL');
    await rm(home, { recursive: true, force: true });
  }
}

export async function devLoop(opts: DevLoopOptions): Promise<DevLoopResult> {
  const work = await mkdtemp(join(tmpdir(), 'ws-devloop-'));
  try {
    const home = join(work, 'home');
    const dags = join(work, 'dags');
    await mkdir(dags, { recursive: true });
    // Both chains in one folder: each `dags test` should parse only its own file.
    await writeFile(join(dags, 'dev_loop_py.py'), PY_CHAIN);
    await writeFile(join(dags, 'dev_loop_yaml.yaml'), YAML_CHAIN);
    const reps = opts.tiny ? 1 : 3;
    const help: Measured[] = [];
    for (let i = 0; i < reps; i++) help.push(await cli(opts, ['--help'], home));
    const pyFirst = await cli(opts, ['dags', 'test', 'dev_loop_py', '-S', dags, '--tail', '0'], home);
    const py: Measured[] = [];
    for (let i = 0; i < reps; i++) py.push(await cli(opts, ['dags', 'test', 'dev_loop_py', '-S', dags, '--tail', '0'], home));
    const yaml: Measured[] = [];
    for (let i = 0; i < reps; i++) yaml.push(await cli(opts, ['dags', 'test', 'dev_loop_yaml', '-S', dags, '--tail', '0'], home));
    const examples = join(ROOT, 'examples/dags');
    const sa = await standalone(opts, examples);
    let saYaml: StandaloneFigures | null = null;
    let saLow: StandaloneFigures | null = null;
    if (!opts.tiny) {
      saLow = await standalone(opts, examples, { WINDSOCK_LOW_MEMORY: '1' });
      const yamlOnly = join(work, 'examples-yaml');
      await mkdir(yamlOnly);
      for (const f of await readdir(examples)) if (!f.endsWith('.py')) await cp(join(examples, f), join(yamlOnly, f), { recursive: true });
      saYaml = await standalone(opts, yamlOnly);
    }
    return { help, pyFirst, py, yaml, standalone: sa, standaloneYaml: saYaml, standaloneLowMemory: saLow };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const mib = (m: number) => `${Math.round(m)} MiB`;
const worst = (ms: Measured[]) => ({ wall: median(ms.map((m) => m.wallMs)), rss: Math.max(...ms.map((m) => m.peakRssMiB)) });

export function printDevLoop(r: DevLoopResult, idleSeconds: number): void {
  const h = worst(r.help); const p = worst(r.py); const y = worst(r.yaml);
  console.log(`dev loop: windsock --help ${s(h.wall)}, peak ${mib(h.rss)} (target <= 0.3 s)`);
  console.log(`dev loop: dags test, 10-task Python chain: ${s(p.wall)}, peak ${mib(p.rss)}; first on a new home (builds the store image) ${s(r.pyFirst.wallMs)}, peak ${mib(r.pyFirst.peakRssMiB)} (target <= 2 s & <= 300 MiB; Airflow dags test 4-10 s)`);
  console.log(`dev loop: dags test, 10-task YAML chain: ${s(y.wall)}, peak ${mib(y.rss)} (target <= 2 s & <= 300 MiB; Airflow dags test 4-10 s)`);
  for (const [label, f] of [['examples/dags', r.standalone], ['examples/dags, WINDSOCK_LOW_MEMORY=1', r.standaloneLowMemory],
    ['examples/dags without .py', r.standaloneYaml]] as const) {
    if (!f) continue;
    console.log(`dev loop: standalone (${label}) ready in ${s(f.readyMs)} (Airflow schedules 10-14 s after start); after ${idleSeconds} s idle RSS ${mib(f.idleRssMiB)}, PSS ${mib(f.idlePssMiB)}, peak ${mib(f.peakRssMiB)} (target <= 250 MiB; Airflow idle ~247 MB PSS)`);
    const [main, ...children] = f.processes;
    if (main) console.log(`  by process (MiB): standalone RSS ${main.rssMiB} / PSS ${main.pssMiB}; ${children.length} child process(es)${children.length ? `: ${children.map((c) => `RSS ${c.rssMiB} / PSS ${c.pssMiB}`).join(', ')}` : ''}`);
    if (f.parts) console.log(`  parts of the standalone process (MiB): ${JSON.stringify(f.parts)}`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { tiny: { type: 'boolean', default: false }, idle: { type: 'string' }, cli: { type: 'string' } } });
  const tiny = values.tiny ?? false;
  const idleSeconds = Number(values.idle ?? (tiny ? 3 : 30));
  const r = await devLoop({ tiny, idleSeconds, cli: values.cli ?? join(ROOT, 'apps/cli/bin/windsock.js') });
  printDevLoop(r, idleSeconds);
}
