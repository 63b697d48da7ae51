/**
 * Serialized DAGs by (dag_id, dag_hash): the scheduler and worker read a DAG many times per run, but it only
 * changes when its file is re-parsed, which changes the hash.
 */
import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';
import { effectivePriorityWeights, type SerializedDag, type SerializedTask } from '@windsock/dag-model';

export interface CachedDag {
  dag: SerializedDag;
  hash: string;
  /** When the hash was last confirmed against the metastore (ms since epoch). */
  checkedAt: number;
  tasks: Map<string, SerializedTask>;
  weights: Map<string, number>;
}

export class DagCache {
  private readonly byId = new Map<string, CachedDag>();
  private readonly db: Kysely<Database>;
  private readonly maxAgeMs: number;
  /**
   * maxAgeMs: how long a copy is trusted without asking the metastore whether its hash changed. Changes normally
   * arrive sooner, as `dags:changed` events that call invalidate(); the age is the fallback when one is lost.
   */
  constructor(db: Kysely<Database>, opts: { maxAgeMs?: number } = {}) { this.db = db; this.maxAgeMs = opts.maxAgeMs ?? 10_000; }

  /**
   * The DAG's current serialized form; null when it has none (deleted). `via` runs the look-up on a transaction
   * (PGlite has one connection, which an open transaction holds).
   */
  async get(dagId: string, knownHash?: string | null, via?: Kysely<Database>): Promise<CachedDag | null> {
    const db = via ?? this.db;
    const hit = this.byId.get(dagId);
    if (hit && knownHash && hit.hash === knownHash) return hit;
    if (hit && !knownHash && Date.now() - hit.checkedAt < this.maxAgeMs) return hit;
    // With a copy in hand, check the hash first: cheap, and the JSON only moves when it changed.
    if (hit && !knownHash) {
      const row = await db.selectFrom('serialized_dag').select('dag_hash').where('dag_id', '=', dagId).executeTakeFirst();
      if (!row) { this.byId.delete(dagId); return null; }
      if (row.dag_hash === hit.hash) { hit.checkedAt = Date.now(); return hit; }
    }
    const row = await db.selectFrom('serialized_dag').select(['data', 'dag_hash']).where('dag_id', '=', dagId).executeTakeFirst();
    if (!row) { this.byId.delete(dagId); return null; }
    const entry = cacheEntry(row.data, row.dag_hash);
    this.byId.set(dagId, entry);
    return entry;
  }

  /**
   * Many DAGs at once: those trusted in memory as get() would, the rest (missing, or due for a hash check) in one
   * query rather than one each. DAGs that have no serialized form are absent from the result.
   */
  async getMany(dagIds: Iterable<string>, via?: Kysely<Database>): Promise<Map<string, CachedDag>> {
    const out = new Map<string, CachedDag>();
    const ask: string[] = [];
    const now = Date.now();
    for (const dagId of new Set(dagIds)) {
      const hit = this.byId.get(dagId);
      if (hit && now - hit.checkedAt < this.maxAgeMs) out.set(dagId, hit);
      else ask.push(dagId);
    }
    if (ask.length === 0) return out;
    const db = via ?? this.db;
    // Hashes first (cheap); the JSON only for DAGs not held or whose hash changed.
    const hashes = new Map((await db.selectFrom('serialized_dag').select(['dag_id', 'dag_hash']).where('dag_id', 'in', ask).execute()).map((r) => [r.dag_id, r.dag_hash]));
    const load: string[] = [];
    for (const dagId of ask) {
      const hash = hashes.get(dagId);
      const hit = this.byId.get(dagId);
      if (hash === undefined) { this.byId.delete(dagId); continue; }
      if (hit && hit.hash === hash) { hit.checkedAt = now; out.set(dagId, hit); } else load.push(dagId);
    }
    if (load.length > 0) {
      for (const row of await db.selectFrom('serialized_dag').select(['dag_id', 'data', 'dag_hash']).where('dag_id', 'in', load).execute()) {
        const entry = cacheEntry(row.data, row.dag_hash);
        this.byId.set(row.dag_id, entry);
        out.set(row.dag_id, entry);
      }
    }
    return out;
  }

  invalidate(dagId: string): void { this.byId.delete(dagId); }
}

export function cacheEntry(dag: SerializedDag, hash: string): CachedDag {
  return { dag, hash, checkedAt: Date.now(), tasks: new Map(dag.tasks.map((t) => [t.task_id, t])), weights: effectivePriorityWeights(dag) };
}
