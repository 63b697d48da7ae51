/** `windsock pools …` on a running Windsock (Airflow's verbs and arguments); the code is in ../remote/pools.ts. */
import type { Command } from 'commander';
import { remoteOptions, type RemoteOpts } from './remote-options.ts';

const actions = () => import('../remote/pools.ts');

export function registerPools(program: Command, _setExit: (code: number) => void): void {
  const p = program.command('pools').description('Pools on a running Windsock: get, set, list, delete, import, export');

  remoteOptions(p.command('get <name>')).description('Show a pool and its slots in use')
    .action(async (name: string, opts: RemoteOpts) => { await (await actions()).get(name, opts); });

  remoteOptions(p.command('set <name> <slots> <description>')).description('Create a pool, or change its slots and description (-1 slots: unlimited)')
    .option('--include-deferred', 'count deferred tasks in the pool\'s slots')
    .action(async (name: string, slots: string, description: string, opts: RemoteOpts & { includeDeferred?: boolean }) => { await (await actions()).set(name, slots, description, opts); });

  remoteOptions(p.command('list')).description('List the pools')
    .action(async (opts: RemoteOpts) => { await (await actions()).list(opts); });

  remoteOptions(p.command('delete <name>')).description('Delete a pool (default_pool cannot be)')
    .action(async (name: string, opts: RemoteOpts) => { await (await actions()).remove(name, opts); });

  remoteOptions(p.command('import <file>')).description('Create or update pools from a JSON file {"name": {"slots": n, "description": "…"}} (- for stdin)')
    .action(async (file: string, opts: RemoteOpts) => { await (await actions()).importFile(file, opts); });

  remoteOptions(p.command('export <file>')).description('Export every pool to a JSON file (- for stdout)')
    .action(async (file: string, opts: RemoteOpts) => { await (await actions()).exportFile(file, opts); });
}
