/**
 * Secrets masking at serving time, the webserver's second wall behind the worker's masker: whatever a stored
 * rendered field, XCom value or log line holds (rows written before masking existed, a task that printed a
 * password it found elsewhere), the API, the UI's endpoints and the WebSocket show `***` for every role.
 *
 * The masker knows every connection's password and sensitive extras (decrypted with the fernet key) and every
 * variable whose key looks sensitive, reloaded at most every `ttlMs` and at once after a write to connections or
 * variables through this webserver. Masking is applied in one hook to the shapes that carry task data — a task
 * instance's `rendered_fields` (v1, v2, /ui/ti), XCom values, the task's args on /ui/ti — and in `readLog` to log
 * lines (v1, v2, WebSocket). The rules themselves live in dag-model's secrets-masker.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { addConnectionSecrets, addVariableSecret, isObject, MASK, SecretsMasker } from '@windsock/dag-model';
import { fernetDecrypt } from '@windsock/metastore';
import type { WebDb } from './types.ts';

export class ServingSecrets {
  private readonly db: WebDb;
  private readonly fernetKey: string;
  private readonly fields: readonly string[];
  private readonly ttlMs: number;
  private cached: { at: number; masker: Promise<SecretsMasker> } | null = null;

  constructor(db: WebDb, fernetKey: string, opts: { sensitiveFields?: readonly string[]; ttlMs?: number } = {}) {
    this.db = db;
    this.fernetKey = fernetKey;
    this.fields = opts.sensitiveFields ?? [];
    this.ttlMs = opts.ttlMs ?? 2000;
  }

  /** A masker holding today's secrets (shared between requests for up to `ttlMs`). */
  masker(): Promise<SecretsMasker> {
    const now = Date.now();
    if (!this.cached || now - this.cached.at > this.ttlMs) {
      const masker = this.load();
      this.cached = { at: now, masker };
      masker.catch(() => { if (this.cached?.masker === masker) this.cached = null; });
    }
    return this.cached.masker;
  }

  /** Forget the loaded secrets (a connection or variable changed). */
  invalidate(): void { this.cached = null; }

  /** A masker that knows no values: key-based redaction only (no database read). */
  keysOnly(): SecretsMasker { return new SecretsMasker({ sensitiveFields: this.fields }); }

  private async load(): Promise<SecretsMasker> {
    const m = new SecretsMasker({ sensitiveFields: this.fields });
    const conns = await this.db.selectFrom('connection').select(['password', 'extra', 'is_encrypted', 'is_extra_encrypted']).execute();
    const open = (v: string | null, encrypted: boolean): string | null => {
      if (v === null || !encrypted) return v;
      try { return fernetDecrypt(this.fernetKey, v); } catch { return null; } // another key's rows: nothing to match
    };
    for (const c of conns) addConnectionSecrets(m, { password: open(c.password, c.is_encrypted), extra: open(c.extra, c.is_extra_encrypted) ?? undefined });
    const vars = await this.db.selectFrom('variable').select(['key', 'val']).execute();
    for (const v of vars) addVariableSecret(m, v.key, v.val);
    return m;
  }
}

/** A variable's value as the API shows it (Airflow 3's VariableResponse): a JSON object's sensitive keys, or the whole value under a sensitive key, read `***`. */
export function redactVariableValue(masker: SecretsMasker, key: string, val: string): string {
  try {
    const parsed: unknown = JSON.parse(val);
    if (parsed && typeof parsed === 'object') return JSON.stringify(masker.redact(parsed));
  } catch { /* not JSON */ }
  return masker.isSensitiveKey(key) ? MASK : val;
}

type Obj = Record<string, unknown>;
const isObj = isObject;

/** Whether a response payload carries task data to mask (cheap: top level and one list level only). */
function carriesTaskData(p: Obj, xcomRoute: boolean): boolean {
  if ('rendered_fields' in p || (xcomRoute && 'value' in p) || Array.isArray(p.xcoms)) return true;
  return Array.isArray(p.task_instances) && p.task_instances.some((t) => isObj(t) && 'rendered_fields' in t);
}

/** Masks the task data in a response payload in place of a copy. */
function maskPayload(p: Obj, m: SecretsMasker, xcomRoute: boolean): Obj {
  const out: Obj = { ...p };
  if ('rendered_fields' in out) out.rendered_fields = m.redact(out.rendered_fields);
  if (xcomRoute && 'value' in out) out.value = m.redact(out.value, typeof out.key === 'string' ? out.key : null);
  if (Array.isArray(out.xcoms)) out.xcoms = out.xcoms.map((x) => (isObj(x) ? { ...x, value: m.redact(x.value, typeof x.key === 'string' ? x.key : null) } : x));
  if (isObj(out.task) && isObj(out.task.args)) out.task = { ...out.task, args: m.redact(out.task.args) };
  if (Array.isArray(out.task_instances)) out.task_instances = out.task_instances.map((t) => (isObj(t) && 'rendered_fields' in t ? { ...t, rendered_fields: m.redact(t.rendered_fields) } : t));
  return out;
}

/**
 * Registers the hook that masks task data in every /api and /ui response, whatever route produced it (before the
 * routes, so that they inherit it), and forgets the loaded secrets after a write to connections or variables.
 */
export function registerMasking(app: FastifyInstance, secrets: ServingSecrets): void {
  app.addHook('onResponse', async (req) => {
    if (req.method !== 'GET' && req.method !== 'HEAD' && /^\/api\/v[12]\/(connections|variables)/.test(req.url)) secrets.invalidate();
  });
  app.addHook('preSerialization', async (req: FastifyRequest, _reply, payload: unknown) => {
    if (!isObj(payload)) return payload;
    const xcomRoute = (req.routeOptions.config as { perm?: string } | undefined)?.perm === 'read:xcom';
    if (!carriesTaskData(payload, xcomRoute)) return payload;
    return maskPayload(payload, await secrets.masker(), xcomRoute);
  });
}
