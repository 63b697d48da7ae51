/**
 * The sandboxes control plane's API, `/api/windsock/v1/sandboxes`: create, list, get, delete and extend. Users see
 * and act on their own sandboxes only (another's answers 404); admins (`admin:sandbox`) on all. The API records
 * what is wanted; the control plane (apps/sandboxes) makes it so, and the status says how far it got.
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import {
  extendSandbox, getSandbox, insertSandbox, listSandboxes, parseQuantity, requestDelete, sandboxPlaces, sandboxView,
  SANDBOX_NAME, SANDBOX_NAME_RULE, type SandboxRow,
} from '@windsock/sandboxes/store';
import { resolveDagFolder } from '@windsock/sandboxes/folder';
import { checkGitSource } from '@windsock/dag-sources/validate';
import { resolvedHostProblem } from '@windsock/dag-sources/host-check';
import { ApiError } from '../../errors.ts';
import { page } from '../../http/paging.ts';
import { audit } from '../../audit.ts';
import { userExists } from '../../users.ts';
import type { ApiContext, Principal } from '../../types.ts';

export interface SandboxApiOptions {
  /** Why sandboxes cannot be made here (no Postgres server), or null. */
  unavailable: string | null;
  dagsRoot: string;
  /** Something changed (created, deleted): the control plane takes a pass now. */
  onChange: (name: string) => void;
}

const Quota = Type.Object({
  cpu: Type.Optional(Type.Union([Type.String(), Type.Number({ exclusiveMinimum: 0 })])),
  memory: Type.Optional(Type.String()),
  pods: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
  gpu: Type.Optional(Type.Integer({ minimum: 0, maximum: 1024 })),
}, { additionalProperties: false });
const Source = Type.Union([
  Type.Object({ folder: Type.String({ minLength: 1, maxLength: 1024 }) }, { additionalProperties: false }),
  Type.Object({ git: Type.Object({
    url: Type.String({ minLength: 1, maxLength: 2048 }), branch: Type.String({ minLength: 1, maxLength: 255 }), subdir: Type.Optional(Type.String({ maxLength: 1024 })),
  }, { additionalProperties: false }) }, { additionalProperties: false }),
]);
const CreateBody = Type.Object({
  name: Type.String({ maxLength: 40 }),
  owner: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  dag_source: Source,
  ttl_seconds: Type.Optional(Type.Union([Type.Integer({ minimum: 60 }), Type.Null()])),
  node_group: Type.Optional(Type.Union([Type.String({ pattern: '^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$' }), Type.Null()])),
  quota: Type.Optional(Type.Union([Quota, Type.Null()])),
}, { additionalProperties: false });
const NameParams = Type.Object({ name: Type.String() });
const ListQuery = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 0 })), offset: Type.Optional(Type.Integer({ minimum: 0 })), owner: Type.Optional(Type.String()) });
const ExtendBody = Type.Object({ by_seconds: Type.Integer({ minimum: 1 }) }, { additionalProperties: false });

const isAdmin = (p: Principal | null) => !!p?.permissions.has('admin:sandbox');
const bad = (detail: string) => new ApiError('BAD_REQUEST', 'Bad Request', detail);

function checkQuota(q: Static<typeof Quota>, admin: boolean, c: ApiContext['config']['sandboxes']): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (q.cpu !== undefined) {
    const n = parseQuantity(q.cpu);
    if (n === null || n <= 0) throw bad(`quota.cpu: "${q.cpu}" is not a CPU quantity (e.g. 4 or 500m)`);
    if (!admin && n > parseQuantity(c.max_quota_cpu)!) throw bad(`quota.cpu: at most ${c.max_quota_cpu} (ask an admin for more)`);
    out['cpu'] = String(q.cpu);
  }
  if (q.memory !== undefined) {
    const n = parseQuantity(q.memory);
    if (n === null || n <= 0) throw bad(`quota.memory: "${q.memory}" is not a memory quantity (e.g. 8Gi)`);
    if (!admin && n > parseQuantity(c.max_quota_memory)!) throw bad(`quota.memory: at most ${c.max_quota_memory} (ask an admin for more)`);
    out['memory'] = q.memory;
  }
  if (q.pods !== undefined) out['pods'] = q.pods;
  if (q.gpu !== undefined) out['gpu'] = q.gpu;
  return out;
}

export const sandboxRoutes = (ctx: ApiContext, o: SandboxApiOptions): FastifyPluginAsync => async (app) => {
  const { db, config } = ctx;
  const c = config.sandboxes;
  const limits = { max: config.api.maximum_page_limit, fallback: config.api.fallback_page_limit };

  /** The sandbox, when the caller may see it (404 otherwise, whether or not it exists). */
  const visible = async (req: FastifyRequest, name: string): Promise<SandboxRow> => {
    const row = SANDBOX_NAME.test(name) ? await getSandbox(db, name) : null;
    if (!row || (row.owner !== req.principal!.username && !isAdmin(req.principal))) throw new ApiError('NOT_FOUND', 'Sandbox not found', `No sandbox named ${name}`);
    return row;
  };

  app.post('/sandboxes', { config: { perm: 'create:sandbox' }, schema: { body: CreateBody } }, async (req, reply) => {
    if (o.unavailable) throw new ApiError('UNAVAILABLE', 'Sandboxes unavailable', o.unavailable);
    const b = req.body as Static<typeof CreateBody>;
    const admin = isAdmin(req.principal);
    if (!SANDBOX_NAME.test(b.name)) throw bad(`name: ${SANDBOX_NAME_RULE}`);
    const owner = b.owner ?? req.principal!.username;
    if (owner !== req.principal!.username) {
      if (!admin) throw new ApiError('PERMISSION_DENIED', 'Forbidden', 'Only an admin may create a sandbox for another user');
      if (!(await userExists(db, owner))) throw bad(`owner: no user named ${owner}`);
    }
    let dagSource: Record<string, unknown> = b.dag_source;
    if ('git' in b.dag_source) {
      // The sandbox's scheduler fetches the branch over HTTP(S); a file: or ssh: URL, a bad ref or a ".." is refused.
      const git = checkGitSource(b.dag_source.git);
      if ('error' in git) throw bad(`dag_source.git.${git.error}`);
      const hostProblem = await resolvedHostProblem(git.source.url, c.git_allowed_hosts);
      if (hostProblem) throw bad(`dag_source.git.url: ${hostProblem}`);
      dagSource = { git: git.source };
    } else {
      const folder = resolveDagFolder(o.dagsRoot, b.dag_source.folder, owner, admin);
      if ('error' in folder) throw bad(`dag_source.folder: ${folder.error}`);
    }
    const ttl = b.ttl_seconds === undefined ? (c.default_ttl_sec || null) : b.ttl_seconds;
    if (ttl !== null && ttl > c.max_ttl_sec) throw bad(`ttl_seconds: at most ${c.max_ttl_sec}`);
    const places = sandboxPlaces(b.name, { namespacePrefix: c.namespace_prefix, queuePrefix: config.queue.prefix });
    const row = await insertSandbox(db, {
      name: b.name, owner, dagSource, nodeGroup: b.node_group ?? null, quota: b.quota ? checkQuota(b.quota, admin, c) : null,
      schema: places.schema, namespace: places.namespace, queuePrefix: places.queuePrefix, ttlSeconds: ttl,
    });
    if (!row) throw new ApiError('ALREADY_EXISTS', 'Conflict', `A sandbox named ${b.name} already exists`);
    await audit(db, req, { event: 'sandbox.create', extra: { name: b.name, owner, dag_source: dagSource } });
    o.onChange(b.name);
    return reply.code(201).send(sandboxView(row));
  });

  app.get('/sandboxes', { config: { perm: 'read:sandbox' }, schema: { querystring: ListQuery } }, async (req) => {
    const q = req.query as Static<typeof ListQuery>;
    const owner = isAdmin(req.principal) ? (q.owner ?? null) : req.principal!.username;
    const { rows, total } = await listSandboxes(db, { owner, ...page(q, limits) });
    return { sandboxes: rows.map(sandboxView), total_entries: total };
  });

  app.get('/sandboxes/:name', { config: { perm: 'read:sandbox' }, schema: { params: NameParams } }, async (req) =>
    sandboxView(await visible(req, (req.params as Static<typeof NameParams>).name)));

  app.delete('/sandboxes/:name', { config: { perm: 'delete:sandbox' }, schema: { params: NameParams } }, async (req, reply) => {
    const row = await visible(req, (req.params as Static<typeof NameParams>).name);
    const now = await requestDelete(db, row.name, `deleted by ${req.principal!.username}`);
    if (!now) throw new ApiError('NOT_FOUND', 'Sandbox not found', `No sandbox named ${row.name}`);
    await audit(db, req, { event: 'sandbox.delete', extra: { name: row.name } });
    o.onChange(row.name);
    return reply.code(202).send(sandboxView(now));
  });

  app.post('/sandboxes/:name/extend', { config: { perm: 'edit:sandbox' }, schema: { params: NameParams, body: ExtendBody } }, async (req) => {
    const row = await visible(req, (req.params as Static<typeof NameParams>).name);
    const { by_seconds } = req.body as Static<typeof ExtendBody>;
    if (by_seconds > c.max_ttl_sec) throw bad(`by_seconds: at most ${c.max_ttl_sec}`);
    const now = await extendSandbox(db, row.name, by_seconds, c.max_ttl_sec);
    if (!now) throw new ApiError('CONFLICT', 'Conflict', `Sandbox ${row.name} is being deleted`);
    await audit(db, req, { event: 'sandbox.extend', extra: { name: row.name, by_seconds } });
    return sandboxView(now);
  });
};
