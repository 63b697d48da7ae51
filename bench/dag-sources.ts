/**
 * DAG sources: the time from a commit pushed to a git repository until its DAG is schedulable, i.e. its row in `dag`
 * is active and carries the new commit (`bundle_version`). The repository is served over smart HTTP (`git
 * http-backend`, as test/support/git-http.ts does); Windsock syncs it with isomorphic-git every `--interval` seconds
 * (2 s by default, git-sync's default period is 10 s) into its DAG sources root and the DAG processor (YAML DAGs, on
 * PGlite) stores what changed. Each commit adds one DAG and is pushed at a random point of the sync period, so the
 * figures include the wait for the next sync (on average half an interval). Also reports the first clone's time.
 * Target: every commit schedulable within 5 s with a 2 s interval.
 * Usage: node bench/dag-sources.ts [--commits 10] [--interval 2] [--files 200]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { compileConfig, silentLogger, type Logger } from '@windsock/config';
import { migrateToLatest, openMetastore } from '@windsock/metastore';
import { LocalEventBus } from '@windsock/queue/local';
import { startDagProcessing } from '../apps/cli/src/runtime/dag-processing.ts';
import { fixtureRepo, serveGit } from '../test/support/git-http.ts';

const yamlDag = (id: string) => `${id}:\n  schedule: null\n  default_args: {start_date: 2024-01-01}\n  tasks:\n    - task_id: t\n      operator: airflow.operators.empty.EmptyOperator\n`;
const TARGET_MS = 5000;

export interface DagSourcesResult { commits: number; intervalSec: number; files: number; firstCloneMs: number; latenciesMs: number[]; p50: number; max: number; syncedMs: number[] }

export async function dagSourcesBench(o: { commits: number; intervalSec: number; files: number }): Promise<DagSourcesResult> {
  const srv = await mkdtemp(join(tmpdir(), 'ws-bench-git-'));
  const root = await mkdtemp(join(tmpdir(), 'ws-bench-sources-'));
  const repo = fixtureRepo(srv, 'team');
  // A repository of some size: `files` DAG files in the first commit.
  repo.commit('main', Object.fromEntries(Array.from({ length: o.files }, (_, i) => [`dags/d${i}.yaml`, yamlDag(`d${i}`)])));
  const server = await serveGit(srv);
  const store = await openMetastore({ kind: 'pglite', dataDir: null });
  await migrateToLatest(store.db);
  const sources = [{ name: 'team', git: `${server.url}/team.git`, branch: 'main', subdir: 'dags', sync_interval_sec: o.intervalSec }];
  const config = compileConfig({ WINDSOCK__DAG_SOURCES__SOURCES: JSON.stringify(sources) });
  // When the source saw each new commit (its checkout swapped): splits the latency into sync and store.
  const seen = new Map<string, number>();
  const logger: Logger = { ...silentLogger, info: (obj: object | string, msg?: string) => {
    if (msg === 'DAG source at a new commit') seen.set(String((obj as { commit: string }).commit), performance.now());
  } };
  const t0 = performance.now();
  const processing = await startDagProcessing({ config, db: store.db, events: new LocalEventBus(), dagsFolder: root, logger, lazyPython: true });
  const firstCloneMs = Math.round(performance.now() - t0);
  processing.start();
  const latenciesMs: number[] = [];
  const syncedMs: number[] = [];
  try {
    for (let i = 0; i < o.commits; i++) {
      // Push at a random phase of the sync period.
      await new Promise((r) => setTimeout(r, Math.random() * o.intervalSec * 1000));
      const id = `new_${i}`;
      const pushed = performance.now();
      const commit = repo.commit('main', { [`dags/${id}.yaml`]: yamlDag(id) });
      for (;;) {
        const row = await store.db.selectFrom('dag').select(['bundle_version', 'is_active']).where('dag_id', '=', id).executeTakeFirst();
        if (row?.is_active && row.bundle_version === commit) break;
        if (performance.now() - pushed > 60_000) throw new Error(`commit ${i} not schedulable after 60 s`);
        await new Promise((r) => setTimeout(r, 10));
      }
      latenciesMs.push(Math.round(performance.now() - pushed));
      syncedMs.push(Math.round((seen.get(commit) ?? NaN) - pushed));
    }
  } finally {
    await processing.stop();
    await store.close();
    await server.close();
    await rm(srv, { recursive: true, force: true });
    await rm(root, { recursive: true, force: true });
  }
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  return { commits: o.commits, intervalSec: o.intervalSec, files: o.files, firstCloneMs, latenciesMs, p50: sorted[Math.floor(sorted.length / 2)] ?? NaN, max: sorted.at(-1) ?? NaN, syncedMs };
}

export function printDagSources(r: DagSourcesResult): void {
  console.log(`DAG sources: commit -> schedulable p50 ${r.p50} ms, max ${r.max} ms over ${r.commits} commits, sync every ${r.intervalSec} s `
    + `(target <= ${TARGET_MS} ms: ${r.max <= TARGET_MS ? 'met' : 'MISSED'}; git-sync's default period alone is 10 s); `
    + `first clone + parse of ${r.files} DAG files ${r.firstCloneMs} ms`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { commits: { type: 'string', default: '10' }, interval: { type: 'string', default: '2' }, files: { type: 'string', default: '200' } } });
  const r = await dagSourcesBench({ commits: Number(values.commits), intervalSec: Number(values.interval), files: Number(values.files) });
  printDagSources(r);
  console.log(`  each: ${r.latenciesMs.join(', ')} ms; of which until the checkout was at the commit: ${r.syncedMs.join(', ')} ms`);
}
