/**
 * `.airflowignore` rules, as Airflow's airflow/utils/file.py applies them (2.10 and 3.x):
 *  - each line loses `\s*#.*` (comments); empty lines are skipped;
 *  - `regexp` syntax: a Python regular expression, `re.search`ed against the path relative to the
 *    DAG folder (Airflow passes the folder root, not the ignore file's directory, as base_dir);
 *    any matching rule ignores the path; an invalid expression is skipped with a warning;
 *  - `glob` syntax: gitignore patterns (pathspec's GitWildMatchPattern). A pattern with a `/` at
 *    the start or in the middle is matched against the path relative to the ignore file's
 *    directory, any other against the file or directory name; a trailing `/` matches directories
 *    only; `!` re-includes; the last matching rule wins.
 * Rules of a directory's ignore file apply to it and to everything below it.
 */

export type IgnoreSyntax = 'regexp' | 'glob';

export interface IgnoreRule {
  /** Whether this rule matches; for glob rules, `include` says if a match ignores (true) or re-includes (false). */
  test(relPath: string, isDir: boolean): boolean;
  include: boolean;
}

export type WarnFn = (message: string) => void;

/** Parses the text of one ignore file found in `dirRel` ('' for the DAG folder itself). */
export function parseIgnoreFile(text: string, dirRel: string, syntax: IgnoreSyntax, where: string,
  warn: WarnFn): IgnoreRule[] {
  const rules: IgnoreRule[] = [];
  for (const rawLine of text.split('\n')) {
    const line = rawLine.replace(/\r$/, '').replace(/\s*#.*/, '');
    if (line.trim() === '') continue;
    const rule = syntax === 'regexp' ? regexpRule(line, where, warn) : globRule(line, dirRel, where, warn);
    if (rule) rules.push(rule);
  }
  return rules;
}

/** Whether `relPath` (relative to the DAG folder) is ignored by `rules` (in order, outermost file first). */
export function isIgnored(rules: readonly IgnoreRule[], relPath: string, isDir: boolean, syntax: IgnoreSyntax): boolean {
  if (syntax === 'regexp') return rules.some((r) => r.test(relPath, isDir));
  let ignored = false;
  for (const r of rules) if (r.test(relPath, isDir)) ignored = r.include;
  return ignored;
}

function regexpRule(pattern: string, where: string, warn: WarnFn): IgnoreRule | null {
  try {
    const re = pythonRegex(pattern);
    return { include: true, test: (relPath) => re.test(relPath) };
  } catch (err) {
    warn(`Ignoring invalid regex '${pattern}' from ${where}: ${err instanceof Error ? err.message : String(err)}`);
    return null;
  }
}

/** A Python (re / re2) expression as a JS RegExp: named groups and a leading (?i) flag translated. */
function pythonRegex(pattern: string): RegExp {
  let flags = 'u';
  let p = pattern;
  const inline = /^\(\?([aiLmsux]+)\)/.exec(p);
  if (inline) {
    p = p.slice(inline[0].length);
    if (inline[1]!.includes('i')) flags += 'i';
    if (inline[1]!.includes('s')) flags += 's';
    if (inline[1]!.includes('m')) flags += 'm';
  }
  p = p.replace(/\(\?P</g, '(?<').replace(/\(\?P=(\w+)\)/g, '\\k<$1>').replace(/\\A/g, '^').replace(/\\Z/g, '$');
  try {
    return new RegExp(p, flags);
  } catch {
    return new RegExp(p, flags.replace('u', '')); // Python accepts escapes that unicode-mode JS rejects
  }
}

function globRule(raw: string, dirRel: string, where: string, warn: WarnFn): IgnoreRule | null {
  if (raw.trim() === '/') {
    warn(`Ignoring no-op glob pattern '/' from ${where}`);
    return null;
  }
  const compiled = gitWildMatch(raw);
  if (!compiled) {
    warn(`Ignoring invalid glob pattern '${raw}' from ${where}`);
    return null;
  }
  const anchored = raw.startsWith('/') || raw.replace(/\/+$/, '').includes('/');
  const dirPattern = raw.endsWith('/');
  return {
    include: compiled.include,
    test(relPath, isDir) {
      let subject: string;
      if (anchored) {
        if (dirRel !== '' && !relPath.startsWith(`${dirRel}/`)) return false;
        subject = dirRel === '' ? relPath : relPath.slice(dirRel.length + 1);
      } else {
        subject = relPath.slice(relPath.lastIndexOf('/') + 1);
      }
      if (dirPattern && isDir) subject += '/';
      return compiled.re.test(subject);
    },
  };
}

/** pathspec's GitWildMatchPattern.pattern_to_regex; null for an invalid pattern. */
export function gitWildMatch(pattern: string): { re: RegExp; include: boolean } | null {
  let p = pattern.endsWith('\\ ') ? pattern.trimStart() : pattern.trim();
  if (p === '' || p.startsWith('#') || p === '/') return null;
  let include = true;
  if (p.startsWith('!')) {
    include = false;
    p = p.slice(1);
  }
  const segs = p.split('/');
  for (let i = segs.length - 1; i > 0; i--) if (segs[i - 1] === '**' && segs[i] === '**') segs.splice(i, 1);
  if (segs.length === 2 && segs[0] === '**' && segs[1] === '') return { re: /^.+\/.*$/, include };
  if (segs[0] === '') segs.shift();
  else if (segs.length === 1 || (segs.length === 2 && segs[1] === '')) {
    if (segs[0] !== '**') segs.unshift('**');
  }
  if (segs.length === 0) return null;
  if (segs.length > 1 && segs[segs.length - 1] === '') segs[segs.length - 1] = '**';
  let out = '^';
  let needSlash = false;
  const end = segs.length - 1;
  for (let i = 0; i <= end; i++) {
    const seg = segs[i]!;
    if (seg === '**') {
      if (i === 0 && i === end) out += '[^/]+(?:/.*)?';
      else if (i === 0) {
        out += '(?:.+/)?';
        needSlash = false;
      } else if (i === end) out += '/.*';
      else {
        out += '(?:/.+)?';
        needSlash = true;
      }
    } else {
      if (needSlash) out += '/';
      if (seg === '*') out += '[^/]+';
      else {
        const translated = segmentGlob(seg);
        if (translated === null) return null;
        out += translated;
      }
      if (i === end) out += '(?:/.*)?';
      needSlash = true;
    }
  }
  try {
    return { re: new RegExp(`${out}$`, 's'), include };
  } catch {
    return null;
  }
}

const escapeRe = (c: string): string => c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

/** One path segment's glob (`*`, `?`, `[...]`, `\x`) as a regex fragment. */
function segmentGlob(seg: string): string | null {
  let out = '';
  let escape = false;
  for (let i = 0; i < seg.length;) {
    const c = seg[i++]!;
    if (escape) {
      escape = false;
      out += escapeRe(c);
    } else if (c === '\\') escape = true;
    else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '[') {
      let j = i;
      if (j < seg.length && (seg[j] === '!' || seg[j] === '^')) j++;
      if (j < seg.length && seg[j] === ']') j++;
      while (j < seg.length && seg[j] !== ']') j++;
      if (j < seg.length) {
        j++;
        let expr = '[';
        if (seg[i] === '!') {
          expr += '^';
          i++;
        } else if (seg[i] === '^') {
          expr += '\\^';
          i++;
        }
        expr += seg.slice(i, j).replace(/\\/g, '\\\\');
        out += expr;
        i = j;
      } else out += '\\[';
    } else out += escapeRe(c);
  }
  return escape ? null : out;
}
