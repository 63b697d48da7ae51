/** A sandbox as the metastore keeps it, and as the API shows it. */
import type { Selectable } from 'kysely';
import type { SandboxTable } from '@windsock/metastore';

export type SandboxRow = Selectable<SandboxTable>;
export type SandboxStatus = SandboxRow['status'];

/** The DAG source of a sandbox: a folder (under `[sandboxes] dags_root`) or a branch of a git repository. */
export type DagSource = { folder: string } | { git: { url: string; branch: string; subdir?: string } };

/** The API's view of a sandbox (`/api/windsock/v1/sandboxes`). */
export interface SandboxView {
  name: string; owner: string; status: SandboxStatus; reason: string | null; dag_source: Record<string, unknown>;
  node_group: string | null; quota: Record<string, unknown> | null; namespace: string; schema: string; queue_prefix: string;
  scheduler: SandboxRow['scheduler']; created_at: string; ready_at: string | null; expires_at: string | null; last_active_at: string;
  api_url: string; ui_url: string;
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

export function sandboxView(r: SandboxRow): SandboxView {
  return {
    name: r.name, owner: r.owner, status: r.status, reason: r.reason, dag_source: r.dag_source, node_group: r.node_group, quota: r.quota,
    namespace: r.namespace, schema: r.schema_name, queue_prefix: r.queue_prefix, scheduler: r.scheduler,
    created_at: iso(r.created_at)!, ready_at: iso(r.ready_at), expires_at: iso(r.expires_at), last_active_at: iso(r.last_active_at)!,
    api_url: `/sandboxes/${r.name}/api/v2`, ui_url: `/sandboxes/${r.name}/`,
  };
}
