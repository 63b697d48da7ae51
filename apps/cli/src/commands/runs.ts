/** `windsock runs list|get`: DAG runs on a running Windsock; the code is in ../remote/dag-verbs.ts. */
import type { Command } from 'commander';
import type { RunsListOpts } from '../remote/dag-verbs.ts';
import { remoteOptions, type RemoteOpts } from './remote-options.ts';

const actions = () => import('../remote/dag-verbs.ts');
const collect = (v: string, prev: string[] = []) => [...prev, ...v.split(',').map((s) => s.trim()).filter(Boolean)];

/** The options of a run listing, shared by `runs list` and `dags list-runs`. */
export function runsListOptions(cmd: Command): Command {
  return remoteOptions(cmd)
    .option('--state <state>', 'only runs in this state: queued, running, success, failed (repeat, or a,b)', collect)
    .option('--run-type <type>', 'only runs of this type: manual, scheduled, backfill, asset_triggered (repeat, or a,b)', collect)
    .option('-s, --start-date <date>', 'only runs with a logical date at or after this')
    .option('-e, --end-date <date>', 'only runs with a logical date at or before this')
    .option('--limit <n>', 'at most this many runs, newest first', '25');
}

export function registerRuns(program: Command, _setExit: (code: number) => void): void {
  const runs = program.command('runs').description('DAG runs on a running Windsock: list, get');

  runsListOptions(runs.command('list [dag_id]')).description('List DAG runs, newest first (every DAG\'s without DAG_ID)')
    .action(async (dagId: string | undefined, opts: RunsListOpts) => { await (await actions()).listRuns(dagId, opts); });

  remoteOptions(runs.command('get <dag_id> <run_id>')).description('Show a DAG run; --wait follows it to its end (exit 1 unless it succeeded)')
    .option('--wait', 'follow the run until it ends (progress on stderr)')
    .option('--timeout <seconds>', 'with --wait: give up after this long')
    .action(async (dagId: string, runId: string, opts: RemoteOpts & { wait?: boolean; timeout?: string }) => { await (await actions()).getRun(dagId, runId, opts); });
}
