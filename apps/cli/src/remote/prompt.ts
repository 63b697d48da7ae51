/** Asking on the terminal: a line, or a password without echo (raw mode, so nothing is shown as it is typed). */
import { CliError, EXIT } from './errors.ts';

export function ask(question: string, hidden: boolean): Promise<string> {
  const input = process.stdin;
  const out = process.stderr;
  if (!input.isTTY) throw new CliError(`no terminal to ask for the ${hidden ? 'password' : 'answer'}: ${hidden ? 'use --password-stdin' : 'pass it as an option'}`, EXIT.USAGE);
  // Raw mode (the terminal echoes nothing) before the question: an answer typed as soon as it shows is never echoed.
  input.setRawMode(true);
  out.write(question);
  return new Promise((resolve, reject) => {
    let value = '';
    input.resume();
    input.setEncoding('utf8');
    const done = (err?: Error) => {
      input.setRawMode(false);
      input.pause();
      input.off('data', onData);
      out.write('\n');
      if (err) reject(err); else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') { done(); return; }
        if (ch === '\u0003') { done(new CliError('cancelled', EXIT.ERROR)); return; }
        if (ch === '\u007f' || ch === '\b') {
          if (value.length > 0) { value = [...value].slice(0, -1).join(''); if (!hidden) out.write('\b \b'); }
          continue;
        }
        if (ch < ' ') continue;
        value += ch;
        if (!hidden) out.write(ch);
      }
    };
    input.on('data', onData);
  });
}

/** All of stdin, without its last line break (`echo "$PW" | windsock login --password-stdin`). */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}
