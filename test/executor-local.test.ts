/** The local executor against the executor conformance suite. */
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
