/**
 * For the webserver's tests: a webserver on a fresh database with one user per role, a token for each, a
 * fetch helper, and validators built from Airflow's own REST documents in ../shared/specs (read from there,
 * never copied): `check(version, method, path, status, body)` validates a response against the schema the
 * document gives that operation for that status.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { compileConfig, silentLogger, type WindsockConfig } from '@windsock/config';
import { generateFernetKey, type Metastore } from '@windsock/metastore';
import type { EventBus } from '@windsock/queue';
import { createUser, startWebserver, type Webserver } from '@windsock/webserver';

export const SPEC_DIR = fileURLToPath(new URL('../../../shared/specs/', import.meta.url));
export const ROLE_USERS = { Admin: 'admin', Op: 'op', User: 'user', Viewer: 'viewer' } as const;
export const PASSWORD = 'correct horse battery staple';

type Spec = { paths: Record<string, Record<string, { operationId: string; responses: Record<string, { $ref?: string; content?: Record<string, { schema?: unknown }> }> }>>; components: { responses?: Record<string, { content?: Record<string, { schema?: unknown }> }> } };

/** OpenAPI 3.0's `nullable` (which the v2 copy also uses) → JSON Schema; drops what ajv cannot read. */
function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (!node || typeof node !== 'object') return node;
  const { nullable, discriminator: _d, example: _e, xml: _x, ...rest } = node as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(rest)) out[k] = toJsonSchema(v);
  if (nullable === true) {
    if (typeof out.type === 'string' && !out.$ref && !out.allOf && !out.anyOf && !out.oneOf && !out.enum) out.type = [out.type, 'null'];
    else return { anyOf: [out, { type: 'null' }] };
  }
  return out;
}

export class SpecValidator {
  readonly spec: Spec;
  private readonly ajv: Ajv;
  private readonly id: string;
  private readonly cache = new Map<string, ValidateFunction | null>();
  constructor(version: 'v1' | 'v2') {
    this.spec = parseYaml(readFileSync(`${SPEC_DIR}airflow-rest-api-${version}.yaml`, 'utf8')) as Spec;
    this.ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
    (addFormatsModule as unknown as (a: Ajv) => void)(this.ajv);
    for (const f of ['datetime', 'duration', 'path', 'binary']) this.ajv.addFormat(f, true);
    this.id = `airflow-${version}`;
    this.ajv.addSchema(toJsonSchema({ components: this.spec.components }) as object, this.id);
  }

  /** Every (method, path template, operationId) of the document. */
  operations(): { method: string; path: string; operationId: string }[] {
    return Object.entries(this.spec.paths).flatMap(([path, ops]) => Object.entries(ops)
      .filter(([m]) => ['get', 'post', 'put', 'patch', 'delete'].includes(m)).map(([method, op]) => ({ method: method.toUpperCase(), path, operationId: op.operationId })));
  }

  /** Throws with the validator's errors unless `body` matches the document's schema for this status. */
  check(method: string, path: string, status: number, body: unknown, contentType = 'application/json'): void {
    const op = this.spec.paths[path]?.[method.toLowerCase()];
    if (!op) throw new Error(`${method} ${path} is not in the document`);
    let resp = op.responses[String(status)] ?? op.responses.default;
    if (!resp) throw new Error(`${op.operationId}: the document declares no ${status} response (declared: ${Object.keys(op.responses).join(', ')})`);
    if (resp.$ref) resp = this.spec.components.responses![resp.$ref.split('/').pop()!]!;
    const key = `${method} ${path} ${status} ${contentType}`;
    if (!this.cache.has(key)) {
      const content = resp.content?.[contentType] ?? resp.content?.['application/json'] ?? resp.content?.['application/problem+json'];
      const schema = content?.schema ? JSON.parse(JSON.stringify(toJsonSchema(content.schema)).replaceAll('"#/components/', `"${this.id}#/components/`)) : null;
      this.cache.set(key, schema ? this.ajv.compile(schema) : null);
    }
    const validate = this.cache.get(key);
    if (validate === null) {
      if (body !== undefined && body !== '' && status !== 204 && Object.keys(resp.content ?? {}).length > 0) throw new Error(`${op.operationId} ${status}: no schema for ${contentType}`);
      return;
    }
    if (!validate!(body)) throw new Error(`${op.operationId} ${status} does not match the document: ${this.ajv.errorsText(validate!.errors)}\n${JSON.stringify(body).slice(0, 600)}`);
  }
}

export interface ApiHarness {
  server: Webserver;
  url: string;
  tokens: Record<keyof typeof ROLE_USERS, string>;
  config: WindsockConfig;
  call(method: string, path: string, o?: { token?: string | null; body?: unknown; rawBody?: string; headers?: Record<string, string> }): Promise<{ status: number; body: unknown; text: string; headers: Headers }>;
  close(): Promise<void>;
}

export async function startApi(store: Metastore, events: EventBus, overrides: Partial<Record<string, Record<string, unknown>>> = {}, opts: { uiDir?: string } = {}): Promise<ApiHarness> {
  const config = compileConfig({}, undefined, { api_auth: { jwt_secret: 'test-secret-0123456789abcdef0123456789', ...overrides.api_auth }, ...overrides });
  for (const [role, username] of Object.entries(ROLE_USERS)) await createUser(store.db, { username, password: PASSWORD, role });
  const server = await startWebserver({ db: store.db, events, config, logger: silentLogger, fernetKey: config.core.fernet_key || generateFernetKey(), port: 0, host: '127.0.0.1', uiDir: opts.uiDir ?? '/nonexistent' });
  const call: ApiHarness['call'] = async (method, path, o = {}) => {
    const headers: Record<string, string> = { ...o.headers };
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    let body: string | undefined = o.rawBody;
    if (o.body !== undefined) { body = JSON.stringify(o.body); headers['content-type'] = 'application/json'; }
    if (o.rawBody !== undefined) headers['content-type'] ??= 'application/json';
    const res = await fetch(server.url + path, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    if ((res.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text);
    return { status: res.status, body: parsed, text, headers: res.headers };
  };
  const tokens = {} as Record<keyof typeof ROLE_USERS, string>;
  for (const [role, username] of Object.entries(ROLE_USERS)) {
    const r = await call('POST', '/auth/token', { body: { username, password: PASSWORD } });
    if (r.status !== 201) throw new Error(`token for ${username}: ${r.status} ${r.text}`);
    tokens[role as keyof typeof ROLE_USERS] = (r.body as { access_token: string }).access_token;
  }
  return { server, url: server.url, tokens, config, call, close: () => server.close() };
}

export const enc = encodeURIComponent;
