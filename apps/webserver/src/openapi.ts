/**
 * Windsock's own OpenAPI document (`GET /openapi.json`): every route this server answers, with the request
 * schemas it validates against, collected as routes are registered — so it is always what the server does.
 * For the response shapes it points at Airflow's documents, which the contract tests hold it to.
 */
import type { FastifyInstance, RouteOptions } from 'fastify';

interface Op { method: string; url: string; schema?: RouteOptions['schema']; perm?: string; public?: boolean }

export function collectRoutes(app: FastifyInstance): Op[] {
  const ops: Op[] = [];
  app.addHook('onRoute', (r) => {
    const methods = (Array.isArray(r.method) ? r.method : [r.method]).filter((m) => m !== 'HEAD');
    const cfg = (r.config ?? {}) as { perm?: string; public?: boolean };
    for (const m of methods) ops.push({ method: m, url: r.url, schema: r.schema, perm: cfg.perm, public: cfg.public });
  });
  return ops;
}

export function openApiDocument(ops: Op[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of ops) {
    if (!/^\/(api|auth)\//.test(op.url)) continue;
    const path = op.url.replace(/:([A-Za-z_]+)/g, '{$1}');
    const s = (op.schema ?? {}) as { params?: { properties?: Record<string, unknown> }; querystring?: { properties?: Record<string, unknown> }; body?: unknown };
    const parameters = [
      ...Object.entries(s.params?.properties ?? {}).map(([name, schema]) => ({ name, in: 'path', required: true, schema })),
      ...Object.entries(s.querystring?.properties ?? {}).map(([name, schema]) => ({ name, in: 'query', schema })),
    ];
    paths[path] ??= {};
    paths[path]![op.method.toLowerCase()] = {
      operationId: `${op.method.toLowerCase()}_${path.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_|_$/g, '')}`,
      parameters,
      ...(s.body ? { requestBody: { required: true, content: { 'application/json': { schema: s.body } } } } : {}),
      security: op.public ? [] : [{ HTTPBearer: [] }, ...(path.startsWith('/api/v1/') ? [{ Basic: [] }] : [])],
      ...(op.perm ? { 'x-windsock-permission': op.perm } : {}),
      responses: { default: { description: 'As the operation of the same method and path in Airflow\'s REST API document (v1 for /api/v1, v2 for /api/v2); errors are problem bodies' } },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Windsock REST API', version, description: 'Airflow-compatible: /api/v2 follows Airflow 3\'s public API, /api/v1 Airflow 2\'s core paths.' },
    components: { securitySchemes: {
      HTTPBearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
      OAuth2PasswordBearer: { type: 'oauth2', flows: { password: { tokenUrl: '/auth/token', scopes: {} } } },
      Basic: { type: 'http', scheme: 'basic' },
    } },
    paths,
  };
}
