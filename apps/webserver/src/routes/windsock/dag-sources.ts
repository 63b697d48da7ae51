/**
 * `GET /api/windsock/v1/dag-sources`: each configured DAG source ([dag_sources]) as the DAG processor last synced
 * it: name, kind, URL (no password), ref (a branch or `tag:<name>`), sub-folder, commit, last sync and last success,
 * the current error if any, and how many active DAGs it serves. A source in error still serves its last good commit.
 * Needs `read:dag`.
 */
import type { FastifyPluginAsync } from 'fastify';
import { redactUrl } from '@windsock/dag-model';
import { listDagSources } from '@windsock/metastore';
import type { ApiContext } from '../../types.ts';

export const dagSourceRoutes = (ctx: ApiContext): FastifyPluginAsync => async (app) => {
  app.get('/dag-sources', { config: { perm: 'read:dag' } }, async () => {
    const dag_sources = (await listDagSources(ctx.db)).map((r) => ({
      name: r.name, kind: r.kind, url: r.url && r.kind === 'git' ? redactUrl(r.url) : r.url, ref: r.ref, subdir: r.subdir, commit: r.commit,
      last_sync_at: r.last_sync_at?.toISOString() ?? null, last_success_at: r.last_success_at?.toISOString() ?? null,
      error: r.error, error_code: r.error_code, dag_count: r.dag_count,
    }));
    return { dag_sources, total_entries: dag_sources.length };
  });
};
