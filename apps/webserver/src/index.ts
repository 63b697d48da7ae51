/**
 * The webserver: Airflow's REST API (/api/v2, /api/v1 core paths), tokens and roles, live updates over
 * WebSocket, and the UI's files. `startWebserver` is what `windsock webserver` and standalone call.
 */
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '@windsock/metastore';
import type { EventBus } from '@windsock/queue';
import type { Logger, WindsockConfig } from '@windsock/config';
import { buildServer, sharedAuthenticator } from './server.ts';
import { SandboxGateway } from './sandboxes/gateway.ts';
import { uiApiPlugin } from './ui-api/index.ts';
import type { WebDatabase } from './types.ts';
import { compileMetricsSettings, openMetrics, type Metrics } from '@windsock/metrics';

export { createUser, userExists, ROLES, type NewUser } from './users.ts';
export { ApiError } from './errors.ts';
export { uiApiPlugin } from './ui-api/index.ts';
export type { ApiContext, Principal, WebDatabase } from './types.ts';

export const WINDSOCK_VERSION = '0.1.0';
/** Where the UI engineer's build lands (`apps/webserver/ui/dist`). */
export const DEFAULT_UI_DIR = fileURLToPath(new URL('../ui/dist', import.meta.url));

export interface WebserverOptions {
  db: Kysely<Database>;
  events: EventBus;
  config: WindsockConfig;
  logger: Logger;
  fernetKey: string;
  port: number;
  host: string;
  /** The UI's built files; default apps/webserver/ui/dist (served only when index.html exists). */
  uiDir?: string;
  /** Extra route plugins (e.g. the UI's /ui/... data endpoints); routes declare `config.perm` like ours. */
  plugins?: FastifyPluginAsync[];
  /** Serve the sandboxes API and each sandbox under /sandboxes/<name>/ (`[sandboxes] enabled`). */
  /** The process's metrics (served on /metrics); default: opened here from [metrics]. */
  metrics?: Metrics;
  sandboxes?: {
    /** Why sandboxes cannot be made here (e.g. no Postgres server), or null. */
    unavailable: string | null;
    dagsRoot: string;
    /** The event bus of one sandbox (its queue prefix). */
    events: (queuePrefix: string) => EventBus;
    /** A sandbox was created, deleted or called while asleep: the control plane should look now. */
    onChange: (name: string) => void;
  };
}

export interface Webserver { url: string; close(): Promise<void> }

export async function startWebserver(o: WebserverOptions): Promise<Webserver> {
  if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535) throw new RangeError(`port must be 0-65535, got ${o.port}`);
  let jwtSecret = o.config.api_auth.jwt_secret;
  if (!jwtSecret) {
    jwtSecret = randomBytes(32).toString('base64url');
    o.logger.warn('[api_auth] jwt_secret is not set: tokens are signed with a per-process key and end when the webserver stops');
  }
  const db = o.db as unknown as Kysely<WebDatabase>;
  const uiDir = o.uiDir ?? DEFAULT_UI_DIR;
  const auth = sharedAuthenticator({ db, config: o.config, jwtSecret });
  const sb = o.sandboxes;
  const gateway = sb && new SandboxGateway({
    db, config: o.config, logger: o.logger, auth, events: sb.events, onWake: sb.onChange, uiDir,
    // Each sandbox: the same server over its own schema and events, its users admitted by the shared authenticator.
    build: async (p) => buildServer({ db: p.db, events: p.events, config: o.config, logger: p.logger, fernetKey: p.fernetKey, version: WINDSOCK_VERSION, jwtSecret, uiDir, auth: p.auth, plugins: [uiApiPlugin({ db: p.db })] }),
  });
  const metrics = o.metrics ?? await openMetrics(compileMetricsSettings(o.config), { logger: o.logger });
  const { app } = await buildServer({
    db, events: o.events, config: o.config, logger: o.logger, fernetKey: o.fernetKey,
    version: WINDSOCK_VERSION, jwtSecret, uiDir, auth, metrics,
    // The UI's own data endpoints (grid, graph, ...) always; extra plugins after them.
    plugins: [uiApiPlugin({ db: o.db }), ...(o.plugins ?? [])],
    ...(sb && gateway ? { sandboxes: { gateway, api: { unavailable: sb.unavailable, dagsRoot: sb.dagsRoot, onChange: (name: string) => { gateway.forget(name); sb.onChange(name); } } } } : {}),
  });
  const address = await app.listen({ port: o.port, host: o.host });
  const url = address.replace('[::1]', 'localhost').replace('0.0.0.0', '127.0.0.1');
  o.logger.info({ url }, 'webserver listening');
  return { url, close: async () => { await app.close(); if (!o.metrics) await metrics.close(); } };
}
