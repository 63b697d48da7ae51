/**
 * The web UI's own read endpoints under /ui/*, as one Fastify plugin the webserver mounts through
 * `startWebserver({ plugins })`. They exist so each page is one compact call (the grid's runs × tasks matrix,
 * the graph with a run's states, a task instance with its tries and XComs); every write the UI makes goes through /api/v2,
 * which owns audit, guarded state changes and events. Live updates come from the server's /ws, not from here.
 *
 * Contract: GET only; JSON; 404 problem bodies for unknown DAGs/runs/task instances. Each route names the
 * permission it needs in `config.perm` (the REST API's `action:resource` strings); the server's guard, which
 * covers /ui/*, checks the caller's token and role before the handler runs, so the UI's reads need the same
 * rights as the equivalent REST reads.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '@windsock/metastore';
import type {} from '../types.ts'; // the server's FastifyContextConfig (perm) augmentation
import { UiApiError, sendProblem } from './errors.ts';
import { GridShapeCache, loadGrid } from './grid.ts';
import { loadDagMeta, loadGantt, loadGraph, loadSource } from './dag-views.ts';
import { loadTaskInstance } from './task-instance.ts';
import { loadDagList, SORT_KEYS } from './dag-list.ts';

export { loadGrid, displayOrder, GridShapeCache, type GridResponse } from './grid.ts';
export { UiApiError, type UiApiErrorCode } from './errors.ts';

export interface UiApiOptions { db: Kysely<Database> }

type Params = Record<string, string>;
const str = { type: 'string', minLength: 1 } as const;
const dagParams = { type: 'object', properties: { dag_id: str } } as const;
const perm = (p: string) => ({ perm: p });

export function uiApiPlugin(opts: UiApiOptions): FastifyPluginAsync {
  const { db } = opts;
  const shapes = new GridShapeCache();
  return async (app) => {
    // Mounting twice (the server's default plus a caller's explicit one) keeps the first.
    if (app.hasRoute({ method: 'GET', url: '/ui/dags' })) return;
    const handle = (fn: (req: FastifyRequest) => Promise<unknown>) => async (req: FastifyRequest, reply: FastifyReply) => {
      try { return await fn(req); } catch (e) {
        if (e instanceof UiApiError) return sendProblem(reply, e);
        throw e;
      }
    };
    // Who is signed in and what their role may do, so the UI hides or disables what it may not (the API still checks).
    app.get('/ui/me', { config: perm('read:dag') }, async (req) => {
      const p = req.principal!;
      return { username: p.username, role: p.role, permissions: [...p.permissions].sort() };
    });
    app.get('/ui/dags', {
      config: perm('read:dag'),
      schema: { querystring: { type: 'object', properties: {
        search: { type: 'string' }, tags: { type: 'string' }, paused: { type: 'string', enum: ['all', 'active', 'paused'] },
        order_by: { type: 'string', pattern: `^-?(${SORT_KEYS.join('|')})$` },
        limit: { type: 'integer', minimum: 1, maximum: 1000, default: 25 }, offset: { type: 'integer', minimum: 0, default: 0 },
      } } },
    }, handle((req) => {
      const q = req.query as { search?: string; tags?: string; paused?: 'all' | 'active' | 'paused'; order_by?: string; limit: number; offset: number };
      return loadDagList(db, { ...q, tags: q.tags ? q.tags.split(',').filter(Boolean) : [] });
    }));
    app.get('/ui/dags/:dag_id', { config: perm('read:dag'), schema: { params: dagParams } },
      handle((req) => loadDagMeta(db, (req.params as Params).dag_id!)));
    app.get('/ui/grid/:dag_id', {
      config: perm('read:task_instance'), schema: { params: dagParams, querystring: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: 100, default: 25 } } } },
    }, handle((req) => loadGrid(db, (req.params as Params).dag_id!, (req.query as { limit: number }).limit, shapes)));
    app.get('/ui/graph/:dag_id', {
      config: perm('read:task_instance'), schema: { params: dagParams, querystring: { type: 'object', properties: { run_id: str } } },
    }, handle((req) => loadGraph(db, (req.params as Params).dag_id!, (req.query as { run_id?: string }).run_id)));
    app.get('/ui/source/:dag_id', { config: perm('read:dag_code') }, handle((req) => loadSource(db, (req.params as Params).dag_id!)));
    app.get('/ui/gantt/:dag_id/:run_id', { config: perm('read:task_instance') }, handle((req) => {
      const p = req.params as Params;
      return loadGantt(db, p.dag_id!, p.run_id!);
    }));
    app.get('/ui/ti/:dag_id/:run_id/:task_id', { config: perm('read:task_instance') }, handle((req) => {
      const p = req.params as Params;
      const m = Number((req.query as { map_index?: string }).map_index);
      return loadTaskInstance(db, p.dag_id!, p.run_id!, p.task_id!, Number.isInteger(m) && (req.query as { map_index?: string }).map_index !== undefined ? m : undefined);
    }));
  };
}
