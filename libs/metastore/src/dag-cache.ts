/**
 * Serialized DAGs by (dag_id, dag_hash): the scheduler and worker read a DAG many times per run, but it only
 * changes when its file is re-parsed, which changes the hash.
 */
import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';
import { effectivePriorityWeights, MomentBatcher, type SerializedDag, type SerializedTask } from '@windsock/dag-model';

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
  /** DAGs asked for by get() in this turn of the event loop: looked up together, in one getMany. */
  /** A worker starting a wave of tries of many DAGs asks for each in the same moment: one query for all of them. */
  private readonly lookups = new MomentBatcher<string, CachedDag | null>(async (ids) => {
    const found = await this.getMany(new Set(ids));
    return (id) => found.get(id) ?? null;
  }, setImmediate);
  /**
   * maxAgeMs: how long a copy is trusted without asking the metastore whether its hash changed. Changes normally
   * arrive sooner, as `dags:changed` events that call invalidate(); the age is the fallback when one is lost.
   */
  constructor(db: Kysely<Database>, opts: { maxAgeMs?: number } = {}) { this.db = db; this.maxAgeMs = opts.maxAgeMs ?? 10_000; }

  /**
   * The DAG's current serialized form; null when it has none (deleted). With `knownHash` (the hash a run or try
   * was made with), a copy of that hash is returned without asking the metastore. `via` runs the look-up on a
   * transaction (PGlite has one connection, which an open transaction holds).
   */
  async get(dagId: string, knownHash?: string | null, via?: Kysely<Database>): Promise<CachedDag | null> {
    if (!knownHash && via) return (await this.getMany([dagId], via)).get(dagId) ?? null;
    if (!knownHash) {
      const hit = this.byId.get(dagId);
      if (hit && Date.now() - hit.checkedAt < this.maxAgeMs) return hit;
      return this.lookups.add(dagId);
    }
    const hit = this.byId.get(dagId);
    if (hit && hit.hash === knownHash) return hit;
    return (await this.load([dagId], via ?? this.db)).get(dagId) ?? null;
  }

  /**
   * Many DAGs at once, in at most two queries whatever their number: copies younger than maxAgeMs are trusted;
   * older ones have their hash checked (cheap: the JSON only moves when it changed); the rest are loaded. DAGs that
   * have no serialized form are absent from the result.
   */
  async getMany(dagIds: Iterable<string>, via?: Kysely<Database>): Promise<Map<string, CachedDag>> {
    const db = via ?? this.db;
    const out = new Map<string, CachedDag>();
    const check: string[] = [];
    const missing: string[] = [];
    const now = Date.now();
    for (const dagId of new Set(dagIds)) {
      const hit = this.byId.get(dagId);
      if (!hit) missing.push(dagId);
      else if (now - hit.checkedAt < this.maxAgeMs) out.set(dagId, hit);
      else check.push(dagId);
    }
    if (check.length > 0) {
      const hashes = new Map((await db.selectFrom('serialized_dag').select(['dag_id', 'dag_hash']).where('dag_id', 'in', check).execute()).map((r) => [r.dag_id, r.dag_hash]));
      for (const dagId of check) {
        const hit = this.byId.get(dagId)!;
        const hash = hashes.get(dagId);
        if (hash === undefined) this.byId.delete(dagId);
        else if (hash === hit.hash) { hit.checkedAt = now; out.set(dagId, hit); } else missing.push(dagId);
      }
    }
    if (missing.length > 0) for (const [dagId, entry] of await this.load(missing, db)) out.set(dagId, entry);
    return out;
  }

  /** Reads and caches the DAGs' serialized forms; a DAG without one is forgotten. */
  private async load(dagIds: string[], db: Kysely<Database>): Promise<Map<string, CachedDag>> {
    const out = new Map<string, CachedDag>();
    for (const row of await db.selectFrom('serialized_dag').select(['dag_id', 'data', 'dag_hash']).where('dag_id', 'in', dagIds).execute()) {
      const entry = cacheEntry(row.data, row.dag_hash);
      this.byId.set(row.dag_id, entry);
      out.set(row.dag_id, entry);
    }
    for (const dagId of dagIds) if (!out.has(dagId)) this.byId.delete(dagId);
    return out;
  }

  invalidate(dagId: string): void { this.byId.delete(dagId); }
}

export function cacheEntry(dag: SerializedDag, hash: string): CachedDag {
  return { dag, hash, checkedAt: Date.now(), tasks: new Map(dag.tasks.map((t) => [t.task_id, t])), weights: effectivePriorityWeights(dag) };
}
