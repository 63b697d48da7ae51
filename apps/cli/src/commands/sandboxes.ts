/**
 * `windsock sandboxes create|list|get|delete|extend`: personal sandboxes, through the control plane's API
 * (`/api/windsock/v1/sandboxes`). The code runs from ../remote/sandboxes.ts, imported when a command runs.
 */
import type { Command } from 'commander';
import type { CreateOpts } from '../remote/sandboxes.ts';
import { remoteOptions, type RemoteOpts } from './remote-options.ts';

const actions = () => import('../remote/sandboxes.ts');

export function registerSandboxes(program: Command, _setExit: (code: number) => void): void {
  const sb = program.command('sandboxes').description('Personal sandboxes on a running Windsock: create, list, get, delete, extend');

  remoteOptions(sb.command('create <name>'), { sandbox: false })
    .description('Create a sandbox and wait until it is ready (progress on stderr; the sandbox on stdout)')
    .option('--dags <folder>', 'DAG folder the sandbox runs, on the server: under its sandboxes\' DAG root (relative to it, or absolute)')
    .option('--git-url <url>', 'Git repository of the DAGs (instead of --dags)')
    .option('--branch <branch>', 'branch of --git-url', 'main')
    .option('--subdir <dir>', 'folder of the DAGs inside the repository')
    .option('--ttl <duration>', 'lifetime: seconds or 30m, 8h, 2d (default: the server\'s)')
    .option('--node-group <group>', 'node group its tasks run on')
    .option('--cpu <cpu>', 'quota: CPU (e.g. 4)').option('--memory <memory>', 'quota: memory (e.g. 8Gi)')
    .option('--pods <n>', 'quota: pods at once').option('--gpu <n>', 'quota: GPUs')
    .option('--owner <user>', 'owner (admins only; default: you)')
    .option('--no-wait', 'print the sandbox at once, without waiting until it is ready')
    .option('--timeout <seconds>', 'how long to wait until it is ready', '120')
    .action(async (name: string, opts: CreateOpts) => { await (await actions()).create(name, opts); });

  remoteOptions(sb.command('list'), { sandbox: false }).description('List your sandboxes (every sandbox for an admin)')
    .action(async (opts: RemoteOpts) => { await (await actions()).list(opts); });

  remoteOptions(sb.command('get <name>'), { sandbox: false }).description('Show a sandbox')
    .action(async (name: string, opts: RemoteOpts) => { await (await actions()).get(name, opts); });

  remoteOptions(sb.command('delete <name>'), { sandbox: false }).description('Delete a sandbox (its runs, logs and pods go with it)')
    .option('--wait', 'wait until it is gone (progress on stderr)')
    .option('--timeout <seconds>', 'how long --wait waits', '300')
    .action(async (name: string, opts: RemoteOpts & { wait?: boolean; timeout: string }) => { await (await actions()).remove(name, opts); });

  remoteOptions(sb.command('extend <name>'), { sandbox: false }).description('Push a sandbox\'s expiry later')
    .requiredOption('--by <duration>', 'how much later: seconds or 30m, 8h, 2d')
    .action(async (name: string, opts: RemoteOpts & { by: string }) => { await (await actions()).extend(name, opts); });
}
