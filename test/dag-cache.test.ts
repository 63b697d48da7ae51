/**
 * DagCache on the metastore: copies younger than maxAgeMs are trusted, older ones have their hash checked (and are
 * reloaded only when it changed), a known hash bypasses the age, a deleted DAG is forgotten; getMany does the same
 * for many DAGs at once.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sql } from 'kysely';
import { DagCache, migrateToLatest, openMetastore, type Metastore } from '@windsock/metastore';
import { LocalEventBus } from '@windsock/queue';
import { DagProcessorService } from '@windsock/scheduler';
import { DagFolderProcessor } from '@windsock/dag-parser';
import { dagFolder } from './support/instance.ts';

let store: Metastore;

beforeAll(async () => {
  store = await openMetastore({ kind: 'pglite', dataDir: null });
  await migrateToLatest(store.db);
  const dag = (id: string) => `${id}:\n  schedule: null\n  description: first\n  default_args: {start_date: 2024-01-01}\n  tasks:\n    - task_id: t\n      operator: airflow.operators.empty.EmptyOperator\n`;
  const folder = await dagFolder({ 'a.yaml': dag('a'), 'b.yaml': dag('b'), 'c.yaml': dag('c') });
  await new DagProcessorService({ db: store.db, events: new LocalEventBus(), processor: new DagFolderProcessor({ folder }), dagsFolder: folder, options: { pausedAtCreation: false } }).syncOnce();
});
afterAll(async () => { await store?.close(); });

/** Changes a DAG behind the cache's back: a new description and hash. */
async function change(dagId: string, description: string, hash: string): Promise<void> {
  await sql`update serialized_dag set data = jsonb_set(data, '{description}', to_jsonb(${description}::text)), dag_hash = ${hash} where dag_id = ${dagId}`.execute(store.db);
}

it('trusts a young copy, reloads for a known newer hash, and checks the hash of an old copy', async () => {
  const trusting = new DagCache(store.db, { maxAgeMs: 60_000 });
  const first = (await trusting.get('a'))!;
  expect(first.dag.description).toBe('first');
  await change('a', 'second', 'h2');
  expect(await trusting.get('a')).toBe(first); // young: not asked
  const known = (await trusting.get('a', 'h2'))!;
  expect(known.dag.description).toBe('second'); // a run made with h2 needs h2
  expect(await trusting.get('a', 'h2')).toBe(known);

  const checking = new DagCache(store.db, { maxAgeMs: 0 });
  const c1 = (await checking.get('a'))!;
  expect(await checking.get('a')).toBe(c1); // hash unchanged: the same copy, not reloaded
  await change('a', 'third', 'h3');
  expect((await checking.get('a'))!.dag.description).toBe('third');
});

it('getMany loads the missing, checks the old, leaves out DAGs that are gone, and forgets them', async () => {
  const cache = new DagCache(store.db, { maxAgeMs: 0 });
  const both = await cache.getMany(['a', 'b', 'b', 'nope']);
  expect([...both.keys()].sort()).toEqual(['a', 'b']);
  await change('b', 'changed', 'hb2');
  const again = await cache.getMany(['a', 'b']);
  expect(again.get('a')).toBe(both.get('a'));
  expect(again.get('b')!.dag.description).toBe('changed');
  await store.db.deleteFrom('serialized_dag').where('dag_id', '=', 'b').execute();
  expect([...(await cache.getMany(['a', 'b'])).keys()]).toEqual(['a']);
  expect(await cache.get('b')).toBeNull();
  expect(await cache.get('b', 'hb2')).toBeNull();
});

it('looks up the DAGs that get() is asked for in the same moment with one query', async () => {
  const queries: string[] = [];
  const counted = store.db.withPlugin({
    transformQuery: (args) => { if (args.node.kind === 'SelectQueryNode') queries.push('select'); return args.node; },
    transformResult: async (args) => args.result,
  });
  const cache = new DagCache(counted, { maxAgeMs: 60_000 });
  const [a, c, again, none] = await Promise.all([cache.get('a'), cache.get('c'), cache.get('a'), cache.get('b')]); // b was deleted above
  expect(queries).toHaveLength(1);
  expect(a!.dag.dag_id).toBe('a');
  expect(c!.dag.dag_id).toBe('c');
  expect(again).toBe(a);
  expect(none).toBeNull();
  expect(await cache.get('c')).toBe(c); // young: no query
  expect(queries).toHaveLength(1);
});
