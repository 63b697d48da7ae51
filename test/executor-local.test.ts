/** The local executor against the executor conformance suite. */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LocalExecutor } from '@windsock/executors';
import { executorConformance } from './executor-conformance.ts';

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

executorConformance({
  name: 'local',
  executor: () => new LocalExecutor({ killGraceMs: 500 }),
  task: (b) => ({
    kind: 'bash', operator: 'BashOperator',
    args: { bash_command: `printf '%s\\n' ${b.lines.map(shellQuote).join(' ')}; ${b.forever ? 'sleep 600; ' : ''}exit ${b.exitCode}` },
  }),
  async stopped(externalId) {
    // SIGKILL is delivered asynchronously: the group is gone once signal 0 finds no member (checked, bounded).
    const pid = Number(externalId?.replace(/^pid:/, ''));
    const deadline = Date.now() + 5000;
    for (;;) {
      try { process.kill(-pid, 0); } catch { return; }
      if (Date.now() > deadline) throw new Error(`process group ${pid} still runs`);
      await new Promise((r) => setTimeout(r, 50));
    }
  },
});

describe('a worker killed with SIGKILL', () => {
  it('takes its local tasks with it: SIGTERM at once, SIGKILL after the grace period', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'windsock-orphan-'));
    const pidFile = join(dir, 'pids');
    // The task ignores SIGTERM, and starts a child of its own: both must go.
    const cmd = `trap "" TERM; sleep 300 & echo $$ $! > ${pidFile}; echo ready; wait`;
    const host = spawn(process.execPath, [fileURLToPath(new URL('./fixtures/local-task-host.ts', import.meta.url)), cmd], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => {
        host.stdout!.on('data', (c: Buffer) => { if (c.toString().includes('ready')) resolve(); });
        host.once('exit', () => reject(new Error('the host exited before the task started')));
      });
      const pids = (await readFile(pidFile, 'utf8')).trim().split(' ').map(Number);
      expect(pids.every(alive)).toBe(true);
      host.kill('SIGKILL');
      const since = Date.now();
      while (pids.some(alive) && Date.now() - since < 5000) await new Promise((r) => setTimeout(r, 50));
      expect(pids.filter(alive)).toEqual([]);
      expect(Date.now() - since).toBeGreaterThan(500); // it ignored SIGTERM: SIGKILL came after the grace period
    } finally {
      host.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });
});

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}
