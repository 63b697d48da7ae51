/** Runs the built `windsock` command as a child process (as a user runs it), piped or in a pseudo-terminal. */
import { execFile } from 'node:child_process';
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
export function windsockInTerminal(args: string[], env: Record<string, string | undefined> = {}, columns = 120): Promise<{ code: number; output: string }> {
  const cmd = `stty cols ${columns} rows 40 2>/dev/null; exec ${[process.execPath, BIN, ...args].map(quote).join(' ')}`;
  return new Promise((res) => {
    execFile('script', ['-qfec', cmd, '/dev/null'], { env: { ...process.env, NO_COLOR: undefined, TERM: 'xterm', ...env }, cwd: ROOT, timeout: 100_000 }, (err, stdout) => {
      res({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, output: stdout });
    });
  });
}
