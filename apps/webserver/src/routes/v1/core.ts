/**
 * Airflow 2's `/api/v1`, kept for older clients on its core paths: DAGs (list, get, pause), DAG runs (list,
 * trigger, get, mark), task instances (list, get), logs, variables, pools, health, version — one file per
 * resource. Basic auth works here (guard.ts). Writes go through the same operations as /api/v2.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { LogTokens } from '../../queries/logs.ts';
import { health } from '../v2/monitoring.ts';
import type { ApiContext } from '../../types.ts';
import { dagRoutesV1 } from './dags.ts';
import { dagRunRoutesV1 } from './dag-runs.ts';
import { taskInstanceRoutesV1 } from './task-instances.ts';
import { variableRoutesV1 } from './variables.ts';
import { poolRoutesV1 } from './pools.ts';

export const coreRoutesV1 = (ctx: ApiContext, tokens: LogTokens): FastifyPluginAsync => async (app) => {
  for (const routes of [dagRoutesV1(ctx), dagRunRoutesV1(ctx), taskInstanceRoutesV1(ctx, tokens), variableRoutesV1(ctx), poolRoutesV1(ctx)]) await app.register(routes);
  app.get('/health', { config: { public: true } }, async () => health(ctx.db));
  app.get('/version', { config: { perm: 'read:health' } }, async () => ({ version: ctx.version, git_version: null }));
};
