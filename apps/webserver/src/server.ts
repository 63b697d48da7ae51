/**
 * Builds the webserver: Fastify with the auth guard, the /api/v2 and /api/v1 routes, 501s for the rest of
 * Airflow's operations, POST /auth/token, the WebSocket hub, Windsock's OpenAPI document, extra route plugins
 * (the UI's own endpoints) and, when built, the UI's files.
 */
import { createServer } from 'node:http';
import Fastify, { type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import { ApiError } from './errors.ts';
import { sendProblem, validationReply } from './http/problem.ts';
import { validatorCompiler } from './http/validator.ts';
import { Authenticator, registerGuard } from './auth/guard.ts';
import { TokenSigner } from './auth/tokens.ts';
import { LoginThrottle } from './auth/throttle.ts';
import { LogTokens } from './queries/logs.ts';
import { LiveHub } from './live/ws.ts';
import { collectRoutes, openApiDocument } from './openapi.ts';
import { isApiPath, sendUiMissing, serveUi, uiAvailable } from './static.ts';
import { authTokenRoutes } from './routes/auth-token.ts';
import { dagRoutesV2 } from './routes/v2/dags.ts';
import { dagRunRoutesV2 } from './routes/v2/dag-runs.ts';
import { taskInstanceRoutesV2 } from './routes/v2/task-instances.ts';
import { logRoutesV2 } from './routes/v2/logs.ts';
import { xcomRoutesV2 } from './routes/v2/xcom.ts';
import { variableRoutesV2 } from './routes/v2/variables.ts';
import { connectionRoutesV2 } from './routes/v2/connections.ts';
import { poolRoutesV2 } from './routes/v2/pools.ts';
import { monitoringRoutesV2 } from './routes/v2/monitoring.ts';
import { coreRoutesV1 } from './routes/v1/core.ts';
import { userRoutesV1 } from './routes/v1/users.ts';
import { unimplementedRoutes } from './routes/unimplemented.ts';
import { registerMasking, ServingSecrets } from './secrets.ts';
import type { Metrics } from '@windsock/metrics';
import { registerHostileInputChecks } from './http/hostile-input.ts';
import { sandboxRoutes, type SandboxApiOptions } from './routes/windsock/sandboxes.ts';
import { jobRoutes } from './routes/windsock/jobs.ts';
import { dagSourceRoutes } from './routes/windsock/dag-sources.ts';
import type { SandboxGateway } from './sandboxes/gateway.ts';
import type { ApiContext } from './types.ts';

export interface BuiltServer { app: FastifyInstance; auth: Authenticator; hub: LiveHub }

export interface BuildOptions extends Omit<ApiContext, 'secrets'> {
  secrets?: ServingSecrets;
  jwtSecret: string;
  uiDir?: string;
  plugins?: FastifyPluginAsync[];
  /** The authenticator to use (a sandbox's server gets the shared one, scoped); default: a new one on `db`. */
  auth?: Authenticator;
  /** The shared instance: requests under /sandboxes/<name>/ go to the gateway, and the sandboxes API is served. */
  sandboxes?: { gateway: SandboxGateway; api: SandboxApiOptions };
  /** Served on /metrics (Prometheus text format) when its Prometheus backend is on; unauthenticated, as a scrape target. */
  metrics?: Metrics;
}

/** The authenticator of the shared instance: its users, tokens and sign-in throttle. */
export function sharedAuthenticator(ctx: Pick<BuildOptions, 'db' | 'config' | 'jwtSecret'>): Authenticator {
  return new Authenticator(ctx.db, new TokenSigner(ctx.jwtSecret, ctx.config.api_auth.jwt_expiration_time),
    new LoginThrottle(ctx.config.api_auth.max_failed_logins, ctx.config.api_auth.failed_login_window_sec * 1000));
}

export async function buildServer(given: BuildOptions): Promise<BuiltServer> {
  const secrets = given.secrets ?? new ServingSecrets(given.db, given.fernetKey, { sensitiveFields: given.config.core.sensitive_var_conn_names });
  const ctx = { ...given, secrets };
  const gateway = given.sandboxes?.gateway;
  const app = Fastify({
    logger: false, bodyLimit: 1024 * 1024, trustProxy: false,
    ...(gateway ? { serverFactory: (handler: Parameters<typeof createServer>[1] & object) => createServer((req, res) => { if (!gateway.dispatch(req, res)) handler(req, res); }) } : {}),
  });
  const ops = collectRoutes(app);
  const auth = given.auth ?? sharedAuthenticator(ctx);
  const logTokens = new LogTokens(ctx.jwtSecret);
  registerGuard(app, auth);
  registerHostileInputChecks(app);
  registerMasking(app, secrets);
  app.setValidatorCompiler(validatorCompiler());

  app.setErrorHandler((err: Error & { validation?: unknown[]; validationContext?: string; statusCode?: number }, req, reply) => {
    if (err.validation) return validationReply(req, reply, err.validationContext === 'querystring' ? 'query' : err.validationContext ?? 'body', err.validation as never[]);
    if (err instanceof ApiError) return sendProblem(reply, err, req.url);
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      // Fastify's own client errors (malformed JSON, wrong content type, body too large).
      const code = err.statusCode === 413 ? 'BAD_REQUEST' : 'BAD_REQUEST';
      return sendProblem(reply.code(err.statusCode), Object.assign(new ApiError(code, 'Bad Request', err.message), { status: err.statusCode }));
    }
    ctx.logger.error({ err, url: req.url }, 'request failed');
    return sendProblem(reply, new ApiError('UNKNOWN', 'Internal Server Error', 'The server could not complete the request; see its log'));
  });

  const v2 = [dagRoutesV2(ctx), dagRunRoutesV2(ctx), taskInstanceRoutesV2(ctx), logRoutesV2(ctx, logTokens), xcomRoutesV2(ctx),
    variableRoutesV2(ctx), connectionRoutesV2(ctx), poolRoutesV2(ctx), monitoringRoutesV2(ctx)];
  for (const p of v2) await app.register(p, { prefix: '/api/v2' });
  await app.register(coreRoutesV1(ctx, logTokens), { prefix: '/api/v1' });
  await app.register(userRoutesV1(ctx), { prefix: '/api/v1' });
  await app.register(unimplementedRoutes);
  await app.register(authTokenRoutes(auth));
  if (given.sandboxes) await app.register(sandboxRoutes(ctx, given.sandboxes.api), { prefix: '/api/windsock/v1' });
  // Jobs are served by every instance, a sandbox's too.
  await app.register(jobRoutes(ctx), { prefix: '/api/windsock/v1' });
  await app.register(dagSourceRoutes(ctx), { prefix: '/api/windsock/v1' });
  for (const p of ctx.plugins ?? []) await app.register(p);
  app.get('/openapi.json', { config: { public: true } }, async () => openApiDocument(ops, ctx.version));
  const metrics = given.metrics;
  if (metrics) {
    app.get('/metrics', { config: { public: true } }, async (_req, reply) => {
      const s = await metrics.scrape();
      if (!s) return sendProblem(reply, new ApiError('NOT_FOUND', 'Not Found', 'Prometheus metrics are off ([metrics] prometheus_on)'));
      return reply.header('content-type', s.contentType).send(s.body);
    });
  }

  let ui = ctx.uiDir && (await uiAvailable(ctx.uiDir)) ? ctx.uiDir : null;
  app.setNotFoundHandler(async (req, reply) => {
    const read = req.method === 'GET' || req.method === 'HEAD';
    if (read && ctx.uiDir && !isApiPath(req.url)) {
      // Not built at start: look again (it may have been built since), else say how to build it.
      ui ??= (await uiAvailable(ctx.uiDir)) ? ctx.uiDir : null;
      if (!ui) { await sendUiMissing(reply, ctx.uiDir); return reply; }
    }
    if (ui && read && (await serveUi(app, ui, req.url, reply))) return reply;
    return sendProblem(reply, new ApiError('NOT_FOUND', 'Not Found', `No route for ${req.method} ${req.url.split('?')[0]}`));
  });

  const hub = new LiveHub({ db: ctx.db, events: ctx.events, auth, logger: ctx.logger, secrets });
  app.server.on('upgrade', (req, socket, head) => {
    if ((req.url ?? '').split('?')[0] === '/ws') void hub.upgrade(req, socket, head);
    else if (!gateway?.upgrade(req, socket, head)) socket.destroy();
  });
  // Before the HTTP server closes, not after: server.close() waits for every connection, and an open WebSocket is
  // one, so closing the sockets in onClose (which runs after it) left a browser tab holding the process up.
  app.addHook('preClose', async () => { await Promise.all([hub.close(), gateway?.close()]); });
  return { app, auth, hub };
}
