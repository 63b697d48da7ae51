/**
 * Wall time and peak memory of a child process and everything it starts. Peak RSS is the largest of: the kernel's
 * own figure from `/usr/bin/time -f %M` (the biggest single process), the highest sum of VmRSS over the tree seen
 * while polling, and the highest VmHWM of any one process seen. PSS (proportional set size, shared pages split
 * between their users) is what Airflow's idle figure is given in.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';

const TIME = '/usr/bin/time';
const MARK = 'WS_MAXRSS_KB=';

function readKb(pid: number, file: string, key: string): number {
  try {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/${file}`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch { return 0; }
}

/** The pid and all its descendants. */
export function processTree(root: number): number[] {
  const out: number[] = [];
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop()!;
    out.push(pid);
    let tasks: string[];
    try { tasks = readdirSync(`/proc/${pid}/task`); } catch { continue; }
    for (const t of tasks) {
      try {
        for (const c of readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim().split(/\s+/)) if (c) stack.push(Number(c));
      } catch { /* gone */ }
    }
  }
  return out;
}

/** Memory of a process tree. `privateKb` (USS): the pages no other process maps, what the tree alone costs. */
export function treeMemory(root: number): { rssKb: number; pssKb: number; hwmKb: number; privateKb: number } {
  let rssKb = 0; let pssKb = 0; let hwmKb = 0; let privateKb = 0;
  for (const pid of processTree(root)) {
    rssKb += readKb(pid, 'status', 'VmRSS');
    hwmKb = Math.max(hwmKb, readKb(pid, 'status', 'VmHWM'));
    pssKb += readKb(pid, 'smaps_rollup', 'Pss');
    privateKb += readKb(pid, 'smaps_rollup', 'Private_Clean') + readKb(pid, 'smaps_rollup', 'Private_Dirty');
  }
  return { rssKb, pssKb, hwmKb, privateKb };
}

/** RSS and PSS of each process of the tree (MiB): the root first, then its children (the sandboxes' interpreters). */
export function treeProcesses(root: number): { pid: number; rssMiB: number; pssMiB: number }[] {
  return processTree(root).map((pid) => ({
    pid, rssMiB: Math.round(readKb(pid, 'status', 'VmRSS') / 1024), pssMiB: Math.round(readKb(pid, 'smaps_rollup', 'Pss') / 1024),
  })).filter((p) => p.rssMiB > 0);
}

export interface Measured { wallMs: number; peakRssMiB: number; code: number | null; stdout: string; stderr: string }

export interface Running { child: ChildProcess; started: number; peakKb: () => number; stdout: () => string; stderr: () => string; done: Promise<Measured> }

/** Starts `node args…` (under /usr/bin/time when present) and follows its memory until it exits. */
export function startMeasured(args: string[], env: NodeJS.ProcessEnv, cwd: string): Running {
  const useTime = existsSync(TIME);
  const started = performance.now();
  const child = useTime
    ? spawn(TIME, ['-f', `${MARK}%M`, process.execPath, ...args], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(process.execPath, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = ''; let err = ''; let peak = 0;
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  const poll = setInterval(() => {
    if (child.pid === undefined) return;
    const m = treeMemory(child.pid);
    peak = Math.max(peak, m.rssKb, m.hwmKb);
  }, 25);
  const done = new Promise<Measured>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(poll);
      const wallMs = performance.now() - started;
      const at = err.lastIndexOf(MARK);
      let stderr = err;
      if (useTime && at >= 0) {
        peak = Math.max(peak, Number(err.slice(at + MARK.length).trim().split(/\s/)[0]) || 0);
        stderr = err.slice(0, at);
      }
      resolve({ wallMs, peakRssMiB: peak / 1024, code, stdout: out, stderr });
    });
  });
  return { child, started, peakKb: () => peak, stdout: () => out, stderr: () => err, done };
}

/** The pid of the measured node process (below /usr/bin/time when that wraps it). */
export function nodePid(r: Running): number | undefined {
  const pid = r.child.pid;
  if (pid === undefined || !existsSync(TIME)) return pid;
  const kids = processTree(pid).filter((p) => p !== pid);
  return kids[0];
}
