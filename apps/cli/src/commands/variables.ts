/** `windsock variables …` on a running Windsock (Airflow's verbs and flags); the code is in ../remote/variables.ts. */
import type { Command } from 'commander';
import { remoteOptions, type RemoteOpts } from './remote-options.ts';

const actions = () => import('../remote/variables.ts');

export function registerVariables(program: Command, _setExit: (code: number) => void): void {
  const v = program.command('variables').description('Variables on a running Windsock: get, set, list, delete, import, export');

  remoteOptions(v.command('get <key>')).description('Print a variable\'s value (exit 3 when it does not exist, unless --default)')
    .option('-j, --json', 'deserialize the value as JSON and print it')
    .option('-d, --default <value>', 'print this when the variable does not exist')
    .action(async (key: string, opts: RemoteOpts & { json?: boolean; default?: string }) => { await (await actions()).get(key, opts); });

  remoteOptions(v.command('set <key> <value>')).description('Create a variable, or change its value')
    .option('-j, --json', 'the value is JSON: stored as its JSON (a string value is stored as it is)')
    .option('--description <text>', 'the variable\'s description')
    .action(async (key: string, value: string, opts: RemoteOpts & { json?: boolean; description?: string }) => { await (await actions()).set(key, value, opts); });

  remoteOptions(v.command('list')).description('List the variables (values under sensitive keys read ***)')
    .action(async (opts: RemoteOpts) => { await (await actions()).list(opts); });

  remoteOptions(v.command('delete <key>')).description('Delete a variable')
    .action(async (key: string, opts: RemoteOpts) => { await (await actions()).remove(key, opts); });

  remoteOptions(v.command('import <file>')).description('Import variables from a JSON file {"key": value, …} (- for stdin)')
    .option('-a, --action-on-existing-key <action>', 'what to do with a key that exists: overwrite, fail or skip', 'overwrite')
    .action(async (file: string, opts: RemoteOpts & { actionOnExistingKey: string }) => { await (await actions()).importFile(file, opts); });

  remoteOptions(v.command('export <file>')).description('Export every variable to a JSON file {"key": value, …} (- for stdout)')
    .action(async (file: string, opts: RemoteOpts) => { await (await actions()).exportFile(file, opts); });
}
