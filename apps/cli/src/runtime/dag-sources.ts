/**
 * `[dag_sources]` as a DAG processor runs it: the sources are synced (git) or read (folder) into their root before
 * the first scan, then each on its own interval; a sync that moved a commit (or made a source readable again)
 * triggers a rescan, and every sync's state is written to the `dag_source` table for the API, the UI and metrics.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Kysely } from 'kysely';
import type { Database } from '@windsock/metastore';
import { recordDagSourceStates } from '@windsock/scheduler';
// The sync (isomorphic-git) is loaded only when sources are configured: a scheduler on a plain folder never holds it.
import type { DagSourceSet, DagSourceState } from '@windsock/dag-sources';
import { compileDagSources, type DagSourceSpec } from '@windsock/dag-sources/spec';
import type { Logger, WindsockConfig } from '@windsock/config';
import type { Metrics } from '@windsock/metrics';

/** The configured sources ([] when `[core] dags_folder` alone is used). */
export const dagSourcesOf = (config: WindsockConfig): DagSourceSpec[] => compileDagSources(config.dag_sources.sources, config.dag_sources.sync_interval_sec);

/** The folder the sources appear in (made when missing): the DAG folder when sources are configured. */
export function dagSourcesRoot(config: WindsockConfig, home: string): string {
  const root = resolve(config.dag_sources.root || join(home, 'dag-sources'));
  mkdirSync(root, { recursive: true });
  return root;
}

const rowOf = (s: DagSourceState) => ({ ...s, subdir: s.subdir || null });

export interface RunningDagSources {
  readonly set: DagSourceSet;
  /** Syncs on each source's interval from now on; `rescan` is called when a commit moved. */
  start(rescan: () => Promise<unknown>): void;
  stop(): Promise<void>;
}

/**
 * A first sync that takes longer than this (a large repository's first clone) does not hold the DAG processor back:
 * the other sources' DAGs are scanned meanwhile and the slow one is scanned when its clone lands.
 */
const FIRST_SYNC_WAIT_MS = 15_000;

/** Prepares the root and syncs every source once (errors are recorded, never thrown, so a down remote does not stop the scheduler). */
export async function openDagSources(o: { config: WindsockConfig; root: string; db: Kysely<Database>; logger: Logger; metrics?: Metrics; firstSyncWaitMs?: number }): Promise<RunningDagSources> {
  const specs = dagSourcesOf(o.config);
  const { DagSourceSet } = await import('@windsock/dag-sources');
  const set = new DagSourceSet({ root: o.root, sources: specs, credentialsFile: o.config.dag_sources.credentials_file || undefined, logger: o.logger });
  await set.prepare();
  const names = specs.map((s) => s.name);
  const record = (states: DagSourceState[]) => {
    for (const s of states) o.metrics?.gauge('windsock.dag_source.sync_failing', s.error ? 1 : 0, { source: s.name });
    return recordDagSourceStates(o.db, states.map(rowOf), names);
  };
  const started = Date.now();
  const first = set.syncAll().then(async (all) => { await record(all.map((r) => r.state)); return all; });
  let timer: NodeJS.Timeout | undefined;
  const waited = await Promise.race([first, new Promise<null>((r) => { timer = setTimeout(() => r(null), o.firstSyncWaitMs ?? FIRST_SYNC_WAIT_MS); })]);
  clearTimeout(timer);
  if (waited) o.logger.info({ sources: waited.map((r) => ({ name: r.name, commit: r.state.commit, error: r.state.error })), ms: Date.now() - started }, 'DAG sources synced');
  else o.logger.warn({ ms: Date.now() - started }, 'DAG sources still syncing (a first clone of a large repository?); scanning the others meanwhile');
  return {
    set,
    start(rescan) {
      // The first syncs still running: scanned when they land.
      if (!waited) void first.then(() => rescan()).catch((err: unknown) => o.logger.error({ err }, 'storing DAG sources after their first sync failed'));
      set.start(async (r) => {
        if (r.changed) await rescan();
        await record([r.state]);
      });
    },
    stop: async () => { await set.stop(); await first.catch(() => {}); },
  };
}
