/**
 * listDagFiles: the DAG files of a folder, as Airflow's list_py_file_paths finds them, plus YAML.
 * Walks the folder following symlinks that stay inside it (a directory reached twice, e.g. through
 * a symlink loop, is walked once; a symlinked directory outside the folder is skipped; a symlinked
 * file outside it is listed, and the processor refuses it with an import error), skips hidden directories and __pycache__, honours every `.airflowignore` on the
 * way, and in safe mode keeps only the `.py` files whose lower-cased bytes contain both "airflow"
 * and "dag" (YAML files are always kept: dag-factory files carry no such marker).
 */
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { DagParserConfigError } from '../errors.ts';
import { isIgnored, parseIgnoreFile, type IgnoreRule, type IgnoreSyntax, type WarnFn } from './ignore.ts';

export const DAG_FILE_EXTENSIONS = ['.py', '.yaml', '.yml'] as const;
export const IGNORE_FILE_NAME = '.airflowignore';

export interface ListDagFilesOptions {
  safeMode: boolean;
  ignoreSyntax: IgnoreSyntax;
  /** Told about skipped ignore patterns and unreadable entries; defaults to silence. */
  onWarning?: WarnFn;
}

/** Relative paths (with `/`), sorted, of the DAG files under `folder`. */
export async function listDagFiles(folder: string, opts: ListDagFilesOptions): Promise<string[]> {
  const warn = opts.onWarning ?? (() => {});
  let root: string;
  try {
    root = await realpath(folder);
    if (!(await stat(root)).isDirectory()) throw new Error('not a directory');
  } catch (err) {
    throw new DagParserConfigError('FOLDER_NOT_FOUND',
      `DAG folder ${folder} cannot be read: ${err instanceof Error ? err.message : String(err)}`);
  }
  const out: string[] = [];
  const visited = new Set<string>([root]);
  await walk(root, path.resolve(folder), '', [], visited, opts, warn, out);
  return out.sort();
}

async function walk(root: string, abs: string, rel: string, inherited: readonly IgnoreRule[], visited: Set<string>,
  opts: ListDagFilesOptions, warn: WarnFn, out: string[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(abs, { withFileTypes: true });
  } catch (err) {
    warn(`cannot list ${rel || '.'}: ${err instanceof Error ? err.message : String(err)}`);
    return;
  }
  let rules = inherited;
  if (entries.some((e) => e.name === IGNORE_FILE_NAME)) {
    const where = path.join(abs, IGNORE_FILE_NAME);
    try {
      const text = await readFile(where, 'utf8');
      rules = [...inherited, ...parseIgnoreFile(text, rel, opts.ignoreSyntax, where, warn)];
    } catch (err) {
      warn(`cannot read ${where}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (entry.name === IGNORE_FILE_NAME) continue;
    const childAbs = path.join(abs, entry.name);
    const childRel = rel === '' ? entry.name : `${rel}/${entry.name}`;
    let isDir = entry.isDirectory();
    let isFile = entry.isFile();
    if (entry.isSymbolicLink()) {
      try {
        const s = await stat(childAbs);
        isDir = s.isDirectory();
        isFile = s.isFile();
      } catch {
        continue; // a dangling link (an editor's lock file, a half-synced checkout)
      }
    }
    if (isDir) {
      if (entry.name.startsWith('.') || entry.name === '__pycache__') continue;
      if (isIgnored(rules, childRel, true, opts.ignoreSyntax)) continue;
      let real: string;
      try {
        real = await realpath(childAbs);
      } catch {
        continue;
      }
      if (real !== root && !real.startsWith(root + path.sep)) {
        warn(`${childRel} is a symbolic link to a directory outside the DAG folder; skipped`);
        continue;
      }
      if (visited.has(real)) {
        warn(`${childRel} leads to a directory already walked (symlink loop?); skipped`);
        continue;
      }
      visited.add(real);
      await walk(root, childAbs, childRel, rules, visited, opts, warn, out);
    } else if (isFile) {
      const ext = path.extname(entry.name);
      if (!(DAG_FILE_EXTENSIONS as readonly string[]).includes(ext)) continue;
      if (isIgnored(rules, childRel, false, opts.ignoreSyntax)) continue;
      if (ext === '.py' && opts.safeMode && !(await mightContainDag(childAbs, warn, childRel))) continue;
      out.push(childRel);
    }
  }
}

/** Airflow's might_contain_dag_via_default_heuristic. */
export async function mightContainDag(file: string, warn: WarnFn = () => {}, label = file): Promise<boolean> {
  try {
    const text = (await readFile(file)).toString('latin1').toLowerCase();
    return text.includes('airflow') && text.includes('dag');
  } catch (err) {
    warn(`cannot read ${label}: ${err instanceof Error ? err.message : String(err)}`);
    return false;
  }
}
