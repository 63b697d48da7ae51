/**
 * Every request to /api, /auth (except the token endpoint) and /ws passes here before its body is validated:
 * who is calling (a Bearer JWT; on /api/v1 also HTTP basic auth, as Airflow 2's basic_auth backend), and may
 * their role do what the route's `config.perm` names. A route without `perm` is refused unless it says
 * `public: true` — it fails closed.
 *
 * CSRF: credentials travel only in the Authorization header (or the WebSocket subprotocol), never in a cookie,
 * so a cross-site page cannot make the browser send them; the UI keeps its token in localStorage.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from '../errors.ts';
import type { Principal, WebDb } from '../types.ts';
import { DUMMY_HASH, verifyPassword } from './password.ts';
import type { TokenSigner } from './tokens.ts';
import type { LoginThrottle } from './throttle.ts';
import { badString } from '../http/hostile-input.ts';

const CACHE_MS = 5_000;

/**
 * Where a request lands: the shared instance (`name` null) or one sandbox. `admit` turns a signed-in user into
 * what they may do there (a sandbox admits its owner and admins, and refuses everyone else as if it did not exist).
 */
export interface AuthScope { name: string | null; admit(p: Principal): Promise<Principal> }
export const SHARED_SCOPE: AuthScope = { name: null, admit: async (p) => p };

export class Authenticator {
  private readonly db: WebDb;
  readonly tokens: TokenSigner;
  readonly throttle: LoginThrottle;
  readonly scope: AuthScope;
  private readonly cache: Map<number, { at: number; p: Principal | null }>;
  constructor(db: WebDb, tokens: TokenSigner, throttle: LoginThrottle, scope: AuthScope = SHARED_SCOPE, cache = new Map<number, { at: number; p: Principal | null }>()) {
    this.db = db; this.tokens = tokens; this.throttle = throttle; this.scope = scope; this.cache = cache;
  }

  /** The same users, tokens and throttle, for requests to one sandbox. */
  withScope(scope: AuthScope): Authenticator { return new Authenticator(this.db, this.tokens, this.throttle, scope, this.cache); }

  private async byId(id: number): Promise<Principal | null> {
    const hit = this.cache.get(id);
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.p;
    const row = await this.db.selectFrom('ab_user').innerJoin('ab_role', 'ab_role.name', 'ab_user.role')
      .select(['ab_user.id', 'ab_user.username', 'ab_user.role', 'ab_user.active', 'ab_role.permissions'])
      .where('ab_user.id', '=', id).executeTakeFirst();
    const p = row && row.active ? { userId: row.id, username: row.username, role: row.role, permissions: new Set(row.permissions) } : null;
    this.cache.set(id, { at: Date.now(), p });
    return p;
  }

  /** Checks a username and password (throttled per username + client address); returns the user or throws. */
  async login(username: string, password: string, client: string): Promise<{ id: number; username: string; role: string }> {
    // No user has such a name (Postgres cannot even compare it): refused before any query, as a wrong password.
    if (badString(username)) throw new ApiError('UNAUTHENTICATED', 'Unauthorized', 'Invalid username or password');
    const key = `${username}\u0000${client}`;
    this.throttle.check(key);
    const row = await this.db.selectFrom('ab_user').select(['id', 'username', 'role', 'password_hash', 'active'])
      .where('username', '=', username).executeTakeFirst();
    const ok = await verifyPassword(password, row?.password_hash ?? DUMMY_HASH);
    if (!row || !ok || !row.active) {
      this.throttle.fail(key);
      throw new ApiError('UNAUTHENTICATED', 'Unauthorized', 'Invalid username or password');
    }
    this.throttle.succeed(key);
    await this.db.updateTable('ab_user').set({ last_login: new Date() }).where('id', '=', row.id).execute();
    return { id: row.id, username: row.username, role: row.role };
  }

  async fromBearer(token: string): Promise<Principal> {
    const { id, sandbox } = await this.tokens.verify(token);
    if (sandbox !== null && sandbox !== this.scope.name) {
      throw new ApiError('UNAUTHENTICATED', 'Unauthorized', `This token is for sandbox ${sandbox} only; sign in here for a token of this ${this.scope.name ? 'sandbox' : 'instance'}`, { 'WWW-Authenticate': 'Bearer' });
    }
    const p = await this.byId(id);
    if (!p) throw new ApiError('UNAUTHENTICATED', 'Unauthorized', 'The user of this token no longer exists or is inactive');
    return this.scope.admit(p);
  }

  async authenticate(req: FastifyRequest, allowBasic: boolean): Promise<Principal> {
    const header = req.headers.authorization ?? '';
    const challenge = allowBasic ? 'Basic realm="Windsock"' : 'Bearer';
    const [scheme, value] = [header.slice(0, header.indexOf(' ')).toLowerCase(), header.slice(header.indexOf(' ') + 1).trim()];
    if (scheme === 'bearer' && value) return this.fromBearer(value);
    if (scheme === 'basic' && allowBasic && value) {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      if (i < 0) throw new ApiError('UNAUTHENTICATED', 'Unauthorized', 'Malformed basic credentials', { 'WWW-Authenticate': challenge });
      const user = await this.login(decoded.slice(0, i), decoded.slice(i + 1), req.ip);
      return this.scope.admit((await this.byId(user.id))!);
    }
    throw new ApiError('UNAUTHENTICATED', 'Unauthorized', 'Not authenticated', { 'WWW-Authenticate': challenge });
  }
}

export function authorize(p: Principal, perm: string): void {
  if (!p.permissions.has(perm)) {
    throw new ApiError('PERMISSION_DENIED', 'Forbidden', `Role ${p.role} may not ${perm.replace(':', ' ')}`);
  }
}

export function registerGuard(app: FastifyInstance, auth: Authenticator): void {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (req) => {
    const cfg = req.routeOptions.config;
    const url = req.routeOptions.url;
    if (!url || cfg.public) return; // unmatched routes fall to the not-found handler
    if (!url.startsWith('/api/') && !url.startsWith('/auth/') && !url.startsWith('/ui/') && url !== '/ws') return;
    req.principal = await auth.authenticate(req, url.startsWith('/api/v1/'));
    if (!cfg.perm) throw new ApiError('PERMISSION_DENIED', 'Forbidden', 'This endpoint declares no permission');
    authorize(req.principal, cfg.perm);
  });
}
