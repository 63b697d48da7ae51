/**
 * Airflow's secrets masker (`airflow_shared/secrets_masker/secrets_masker.py`), pure: the one home of the rules
 * that decide what reads `***` wherever Windsock shows task data (rendered fields, task logs, XComs, the UI).
 *
 * Two mechanisms, as in Airflow:
 * - by key: a value under a key whose name looks sensitive (`password`, `api_key`, `token`, … — Airflow's list;
 *   the key lower-cased, runs of non-word characters turned into `_`, then any listed word as a substring) is
 *   replaced entirely, whatever its shape (every string inside a dict or list under it becomes `***`);
 * - by value: every secret registered with `add` (a connection's password, the sensitive extras of a connection,
 *   a variable whose key looks sensitive) is replaced wherever it appears inside any string. Secrets shorter than
 *   `MIN_LENGTH_TO_MASK` (5, Airflow's `[logging] min_length_masked_secret`) and the word "airflow" are not
 *   registered: masking every `a` of a log because a password is `a` hides everything and protects nothing.
 *
 * The walk has no depth limit for keys (a sensitive key fails closed at any depth, as Airflow's current masker);
 * structures deeper than `MAX_DEPTH` are replaced whole, failing closed rather than recursing without end.
 */

/** Airflow's DEFAULT_SENSITIVE_FIELDS (Airflow 3.x). */
export const DEFAULT_SENSITIVE_FIELDS: readonly string[] = [
  'access_key', 'access_token', 'api_key', 'apikey', 'auth_header', 'authorization', 'bearer', 'connection_string', 'dsn',
  'passphrase', 'passwd', 'password', 'private_key', 'proxy', 'proxy_password', 'proxies', 'secret', 'service_account',
  'service_key', 'token', 'keyfile_dict', 'webhook_url',
];

/** What a masked value reads. */
export const MASK = '***';
/** Registered secrets shorter than this are not masked (Airflow: `min_length_to_mask = 5`). */
export const MIN_LENGTH_TO_MASK = 5;
/** Airflow's SECRETS_TO_SKIP_MASKING: common words never registered as secrets. */
const SKIP = new Set(['airflow']);
const MAX_DEPTH = 100;

export interface SecretsMaskerOptions {
  /** Extra sensitive words (`[core] sensitive_var_conn_names`), added to the defaults. */
  sensitiveFields?: readonly string[];
  minLength?: number;
}

/** Whether a value under this key (a variable key, a connection extra's key, a field name) is hidden. */
export function isSensitiveKey(name: unknown, fields: readonly string[] = DEFAULT_SENSITIVE_FIELDS): boolean {
  if (typeof name !== 'string' || name === '') return false;
  const normalized = name.trim().toLowerCase().replace(/\W+/g, '_');
  return fields.some((f) => normalized.includes(f));
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

export class SecretsMasker {
  private readonly fields: readonly string[];
  private readonly minLength: number;
  private readonly secrets = new Set<string>();
  private replacer: RegExp | null = null;

  constructor(opts: SecretsMaskerOptions = {}) {
    const extra = (opts.sensitiveFields ?? []).map((f) => f.trim().toLowerCase()).filter(Boolean);
    this.fields = [...new Set([...DEFAULT_SENSITIVE_FIELDS, ...extra])];
    this.minLength = opts.minLength ?? MIN_LENGTH_TO_MASK;
  }

  /** How many distinct secret values are registered. */
  get size(): number { return this.secrets.size; }

  isSensitiveKey(name: unknown): boolean { return isSensitiveKey(name, this.fields); }

  /**
   * Registers secrets to mask by value (Airflow's `mask_secret` / `add_mask`). A string is registered when `name`
   * is absent or sensitive; a dict registers the values under sensitive keys (recursively); a list, each item.
   */
  add(secret: unknown, name?: string | null, depth = 0): void {
    if (depth > MAX_DEPTH || secret === null || secret === undefined) return;
    if (typeof secret === 'string') {
      if (secret.length < this.minLength || SKIP.has(secret.toLowerCase())) return;
      if (name && !this.isSensitiveKey(name)) return;
      // As printed, as it reads inside JSON, and percent-encoded as in a connection URI (Airflow's mask adapters' job).
      const forms = [secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)];
      let added = false;
      for (const f of forms) if (f.length >= this.minLength && !this.secrets.has(f)) { this.secrets.add(f); added = true; }
      if (added) this.replacer = null;
      return;
    }
    if (typeof secret === 'number' || typeof secret === 'boolean') {
      if (name && this.isSensitiveKey(name)) this.add(String(secret), name, depth);
      return;
    }
    if (Array.isArray(secret)) { for (const v of secret) this.add(v, name, depth + 1); return; }
    if (typeof secret === 'object') for (const [k, v] of Object.entries(secret)) this.add(v, k, depth + 1);
  }

  /** `text` with every registered secret replaced by `***`. */
  redactText(text: string): string {
    if (this.secrets.size === 0) return text;
    // Longest first, so a secret containing a shorter one is masked whole.
    this.replacer ??= new RegExp([...this.secrets].sort((a, b) => b.length - a.length).map(escapeRegExp).join('|'), 'g');
    return text.replace(this.replacer, MASK);
  }

  /**
   * A copy of `value` with secrets masked (Airflow's `redact`): everything under a sensitive key (or under `name`,
   * when it is sensitive) becomes `***`; every string elsewhere has registered secrets replaced.
   */
  redact<T>(value: T, name?: string | null): T {
    return this.walk(value, name ?? null, 0) as T;
  }

  private walk(item: unknown, name: string | null, depth: number): unknown {
    if (depth > MAX_DEPTH) return MASK;
    if (name !== null && this.isSensitiveKey(name)) return redactAll(item, depth);
    if (typeof item === 'string') return this.redactText(item);
    if (Array.isArray(item)) return item.map((v) => this.walk(v, null, depth + 1));
    if (item !== null && typeof item === 'object' && !(item instanceof Date)) {
      return Object.fromEntries(Object.entries(item).map(([k, v]) => [k, this.walk(v, k, depth + 1)]));
    }
    return item;
  }
}

/**
 * Every string and number (and anything past the depth limit) under a sensitive key becomes `***`; the structure,
 * booleans and nulls stay, as Airflow's `_redact_all` (which keeps numbers: a numeric PIN would show, so we mask them).
 */
function redactAll(item: unknown, depth: number): unknown {
  if (depth > MAX_DEPTH || typeof item === 'string' || typeof item === 'number' || typeof item === 'bigint') return MASK;
  if (Array.isArray(item)) return item.map((v) => redactAll(v, depth + 1));
  if (item !== null && typeof item === 'object' && !(item instanceof Date)) {
    return Object.fromEntries(Object.entries(item).map(([k, v]) => [k, redactAll(v, depth + 1)]));
  }
  return item;
}

/**
 * Registers what a task reads from a connection as Airflow's Connection does: the password always, and the values
 * under sensitive keys of its extra (as JSON, or the whole extra when it is not JSON and its key is sensitive).
 */
export function addConnectionSecrets(masker: SecretsMasker, conn: { password?: unknown; extra?: unknown; extra_dejson?: unknown }): void {
  if (typeof conn.password === 'string') masker.add(conn.password);
  if (typeof conn.extra === 'string') masker.add(conn.extra); // Airflow 3 masks the whole extra text too
  const extra = conn.extra_dejson ?? (typeof conn.extra === 'string' ? tryJson(conn.extra) : conn.extra);
  if (extra && typeof extra === 'object') masker.add(extra);
}

/** Registers a variable's value when its key looks sensitive (Airflow masks those on access); a JSON value's sensitive keys too. */
export function addVariableSecret(masker: SecretsMasker, key: string, value: unknown): void {
  if (masker.isSensitiveKey(key)) masker.add(typeof value === 'string' ? value : JSON.stringify(value));
  const parsed = typeof value === 'string' ? tryJson(value) : value;
  if (parsed && typeof parsed === 'object') masker.add(parsed);
}

function tryJson(s: string): unknown {
  try { return JSON.parse(s); } catch { return undefined; }
}
