/**
 * YAML text -> plain JS, read the way dag-factory's PyYAML FullLoader reads it: YAML 1.1 (so `no`
 * is False and `0755` octal), `<<` merge keys, duplicate keys allowed (the last wins), dates and
 * datetimes as values (here: declaration datetime tags, so a naive date stays naive), `!join`
 * concatenating a sequence. Also keeps the parsed document so that errors can point at the line
 * of the node at fault.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node, type Pair,
  type ScalarTag, type CollectionTag, type YAMLSeq } from 'yaml';

export type YamlPath = readonly (string | number)[];

export interface ParsedYaml {
  value: unknown;
  /** 1-based line of the node at `path` (the key's line for a mapping entry), or null if not in the text. */
  lineAt(path: YamlPath): number | null;
}

export interface YamlSyntaxProblem {
  line: number | null;
  message: string;
}

// YAML 1.1 timestamps (yaml.org/type/timestamp): a date, or a datetime with optional fraction and zone.
const TIMESTAMP_RE =
  /^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:(?:[Tt]|[ \t]+)([0-9]{1,2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]*))?(?:[ \t]*(Z|[-+][0-9]{1,2}(?::?[0-9]{2})?))?)?$/;

const pad = (s: string | undefined, n = 2): string => (s ?? '0').padStart(n, '0');

/** A YAML timestamp as a declaration datetime tag; no offset = naive, like Python's date/datetime. */
const timestampTag: ScalarTag = {
  tag: 'tag:yaml.org,2002:timestamp',
  default: true,
  identify: () => false,
  test: TIMESTAMP_RE,
  resolve(text: string) {
    const m = TIMESTAMP_RE.exec(text)!;
    const [, y, mo, d, h, mi, s, frac, zone] = m;
    let value = `${y}-${pad(mo)}-${pad(d)}T${pad(h)}:${pad(mi)}:${pad(s)}`;
    if (frac) value += `.${frac.slice(0, 6)}`;
    if (zone) {
      if (zone === 'Z') value += '+00:00';
      else {
        const digits = zone.slice(1).replace(':', '');
        const hh = digits.length > 2 ? digits.slice(0, digits.length - 2) : digits;
        const mm = digits.length > 2 ? digits.slice(-2) : '00';
        value += `${zone[0]}${pad(hh)}:${mm}`;
      }
    }
    return { __type: 'datetime', value };
  },
};

/** PyYAML's booleans: YAML 1.1 without y/Y/n/N (which PyYAML, unlike the 1.1 spec, reads as strings). */
const boolTags: ScalarTag[] = [
  { tag: 'tag:yaml.org,2002:bool', default: true, identify: (v) => v === true,
    test: /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/, resolve: () => true },
  { tag: 'tag:yaml.org,2002:bool', default: true, identify: (v) => v === false,
    test: /^(?:no|No|NO|false|False|FALSE|off|Off|OFF)$/, resolve: () => false },
];

/** dag-factory's `!join [a, b]` -> "ab" (Python str() of each item). */
const joinTag: CollectionTag = {
  tag: '!join',
  collection: 'seq',
  resolve(seq) {
    return (seq as YAMLSeq).items.map((item) => pyStr(isScalar(item) ? item.value : item)).join('');
  },
};

export function pyStr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  return String(v);
}

/** os.path.expandvars: `$NAME` and `${NAME}` from `env`; unknown names are left as they are. */
export function expandVars(text: string, env: Readonly<Record<string, string>>): string {
  return text.replace(/\$(\w+|\{[^}]*\})/g, (whole, name: string) => {
    const key = name.startsWith('{') ? name.slice(1, -1) : name;
    return Object.prototype.hasOwnProperty.call(env, key) ? env[key]! : whole;
  });
}

export function parseYaml(text: string): ParsedYaml | YamlSyntaxProblem {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    version: '1.1',
    schema: 'yaml-1.1',
    merge: true,
    uniqueKeys: false,
    prettyErrors: true,
    lineCounter,
    customTags: (tags) => [
      ...tags.filter((t) => typeof t === 'string'
        ? t !== 'timestamp' && t !== 'bool'
        : t.tag !== timestampTag.tag && t.tag !== 'tag:yaml.org,2002:bool'),
      ...boolTags, timestampTag, joinTag,
    ],
  });
  const first = doc.errors[0];
  if (first) {
    const line = first.linePos?.[0]?.line ?? null;
    return { line, message: first.message.split('\n')[0] ?? first.message };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 1000 });
  } catch (err) {
    return { line: null, message: err instanceof Error ? err.message : String(err) };
  }
  return { value, lineAt: (path) => lineAt(doc, lineCounter, path) };
}

function lineAt(doc: Document, lc: LineCounter, path: YamlPath): number | null {
  let node: unknown = doc.contents;
  let at: unknown = node;
  for (const key of path) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((p: Pair) => (isScalar(p.key) ? p.key.value : p.key) === key);
      if (!pair) return null;
      at = pair.key;
      node = pair.value;
    } else if (isSeq(node) && typeof key === 'number') {
      node = node.items[key];
      at = node;
    } else {
      return null;
    }
  }
  const range = (at as Node | null)?.range;
  return range ? lc.linePos(range[0]).line : null;
}
