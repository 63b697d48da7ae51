/** Runs the built `windsock` command as a child process (as a user runs it), piped or in a pseudo-terminal. */
import { execFile, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const BIN = join(ROOT, 'apps/cli/bin/windsock.js');

export interface CliResult { code: number; stdout: string; stderr: string }

/** stdout and stderr are pipes (not terminals). `input` is written to stdin. */
export function windsock(args: string[], env: Record<string, string | undefined> = {}, input?: string): Promise<CliResult> {
  return new Promise((res) => {
    const child = execFile(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: undefined, ...env }, cwd: ROOT, timeout: 100_000 }, (err, stdout, stderr) => {
      res({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
    if (input !== undefined) child.stdin!.end(input);
    else child.stdin!.end();
  });
}

const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

/**
 * The command in a pseudo-terminal (util-linux `script`): stdin, stdout and stderr are the terminal, so the
 * output is both streams as a terminal shows them. COLUMNS sets the terminal's width.
 */
export function windsockInTerminal(args: string[], env: Record<string, string | undefined> = {}, columns = 120, typed?: { after: string; text: string }): Promise<{ code: number; output: string }> {
  const cmd = `stty cols ${columns} rows 40 2>/dev/null; exec ${[process.execPath, BIN, ...args].map(quote).join(' ')}`;
  return new Promise((res, rej) => {
    const child = spawn('script', ['-qfec', cmd, '/dev/null'], { env: { ...process.env, NO_COLOR: undefined, TERM: 'xterm', ...env }, cwd: ROOT });
    const timer = setTimeout(() => { child.kill(); rej(new Error(`timed out: ${output}`)); }, 100_000);
    let output = '';
    let sent = false;
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      // Typed on the terminal once the command asks (so it is typed into the prompt, not before it).
      if (typed && !sent && output.includes(typed.after)) { sent = true; child.stdin.write(typed.text); }
    });
    if (!typed) child.stdin.end();
    child.once('exit', (code) => { clearTimeout(timer); child.stdin.destroy(); res({ code: code ?? 1, output }); });
  });
}
