/**
 * A SandboxProcess child for sandbox-process.test.ts: answers each request by trying what the body names and
 * saying what happened, so the test can see what the sandbox lets a child do.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const attempt = (fn: () => unknown): string => {
  try {
    return `ok: ${String(fn())}`;
  } catch (err) {
    return `refused: ${(err as { code?: string }).code ?? (err as Error).message}`;
  }
};

const actions: Record<string, () => string> = {
  env: () => JSON.stringify(process.env),
  readOutside: () => attempt(() => readFileSync('/etc/hostname', 'utf8').length),
  write: () => attempt(() => { writeFileSync('/tmp/windsock-sandbox-probe', 'x'); return 'written'; }),
  spawn: () => attempt(() => spawnSync('/bin/true').status),
  evalCode: () => attempt(() => (0, eval)('1 + 1') as number),
  functionCtor: () => attempt(() => new Function('return 1')() as number),
  hang: () => { for (;;) { /* until killed */ } },
  crash: () => process.exit(3),
  pid: () => String(process.pid),
};

process.on('disconnect', () => process.exit(0));
process.on('message', (m: { id: number; body: string }) => {
  process.send!({ type: 'reply', id: m.id, body: actions[m.body]?.() ?? `unknown ${m.body}` });
});
process.send!({ type: 'ready', bootMs: 0 });
