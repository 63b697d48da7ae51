/**
 * What every remote verb starts with: the client of the Windsock (or sandbox) the flags, environment and saved login
 * name, and the output format; plus reading every page of a list endpoint and asking before a change that cannot
 * be undone.
 */
import type { RemoteOpts } from '../commands/remote-options.ts';
import { ApiClient } from './client.ts';
import { CliError, EXIT } from './errors.ts';
import { ask } from './prompt.ts';
import { parseFormat, type RemoteFormat } from './render.ts';
import { resolveTarget } from './settings.ts';

export function session(opts: RemoteOpts): { api: ApiClient; format: RemoteFormat } {
  // The format first: a bad -o is a usage error before anything is looked up.
  const format = parseFormat(opts.output);
  return { format, api: new ApiClient(resolveTarget(opts)) };
}

/** The page size the CLI asks for; the server may cut it to its [api] maximum_page_limit, which paging allows for. */
const PAGE = 100;

/** Every item of a list endpoint (`{<key>: [...], total_entries}`), page after page. */
export async function listAll<T>(api: ApiClient, path: string, key: string, query: Record<string, string | number | boolean | undefined> = {}): Promise<T[]> {
  const items: T[] = [];
  for (;;) {
    const doc = await api.request<Record<string, unknown>>('GET', path, { query: { ...query, limit: PAGE, offset: items.length } });
    const page = (doc[key] ?? []) as T[];
    items.push(...page);
    const total = typeof doc.total_entries === 'number' ? doc.total_entries : items.length;
    if (page.length === 0 || items.length >= total) return items;
  }
}

/**
 * Asks `question [y/N]` on the terminal; anything but y/yes is no. Without a terminal it is a usage error naming
 * the flag that answers yes (a script must say so, never hang on a prompt).
 */
export async function confirm(question: string, yesFlag = '--yes'): Promise<boolean> {
  if (!process.stdin.isTTY) throw new CliError(`no terminal to ask "${question}": pass ${yesFlag} to go ahead without asking`, EXIT.USAGE);
  const answer = await ask(`${question} [y/N] `, false);
  return /^y(es)?$/i.test(answer.trim());
}

/** Writes `text` to FILE, or to stdout when FILE is `-`. */
export async function writeOut(file: string, text: string): Promise<void> {
  if (file === '-') { process.stdout.write(text); return; }
  const { writeFile } = await import('node:fs/promises');
  await writeFile(file, text);
}

/** FILE's text, or stdin's when FILE is `-`. A missing file is a usage error. */
export async function readIn(file: string): Promise<string> {
  if (file === '-') {
    const { readStdin } = await import('./prompt.ts');
    return readStdin();
  }
  const { readFile } = await import('node:fs/promises');
  try { return await readFile(file, 'utf8'); } catch (e) {
    throw new CliError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`, EXIT.USAGE);
  }
}

/** `n thing(s)`. */
export const plural = (n: number, thing: string) => `${n} ${thing}${n === 1 ? '' : 's'}`;
