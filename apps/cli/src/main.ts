/**
 * The `windsock` command, mirroring Airflow's CLI. Each command lives in commands/: its module registers the
 * command's name, arguments, options and description (commander and the CLI's small modules only), and its action
 * imports what it needs when it runs. So `--help`, `--version` and light commands never load Pyodide, the
 * webserver, the Kubernetes client or BullMQ (test/cli-lazy.test.ts checks it).
 */
import { Command, CommanderError } from 'commander';
import { registerDags } from './commands/dags.ts';
import { registerDb } from './commands/db.ts';
import { registerConnections } from './commands/connections.ts';
import { registerJobs } from './commands/jobs.ts';
import { registerLogin } from './commands/login.ts';
import { registerPools } from './commands/pools.ts';
import { registerRuns } from './commands/runs.ts';
import { registerSandboxScheduler } from './commands/sandbox-scheduler.ts';
import { registerSandboxes } from './commands/sandboxes.ts';
import { registerScheduler } from './commands/scheduler.ts';
import { registerStandalone } from './commands/standalone.ts';
import { registerTasks } from './commands/tasks.ts';
import { registerUsers } from './commands/users.ts';
import { registerVariables } from './commands/variables.ts';
import { registerWebserver } from './commands/webserver.ts';
import { registerWorker } from './commands/worker.ts';
import cliPackage from '../package.json' with { type: 'json' };

type Register = (program: Command, setExit: (code: number) => void) => void;

const COMMANDS: Register[] = [registerStandalone, registerDb, registerDags, registerTasks, registerUsers, registerWebserver, registerScheduler, registerWorker,
  registerLogin, registerSandboxes, registerSandboxScheduler,
  registerRuns, registerVariables, registerConnections, registerPools, registerJobs];

export async function main(argv: string[]): Promise<number> {
  const program = new Command('windsock')
    .description('Windsock: an Airflow-compatible workflow scheduler that runs every task on Kubernetes')
    .version(`${cliPackage.version} (Node.js ${process.version})`, '-V, --version', 'print the version and the Node.js it runs on')
    .exitOverride()
    .showHelpAfterError();
  let exitCode = 0;
  const setExit = (code: number) => { exitCode = code; };
  try {
    for (const register of COMMANDS) register(program, setExit);
    await program.parseAsync(argv);
    return exitCode;
  } catch (err) {
    // A usage error (unknown option, missing argument) exits 2, as Airflow's CLI (argparse) does.
    if (err instanceof CommanderError) return err.exitCode === 1 ? 2 : err.exitCode;
    // Imported here, not above: only an error needs it.
    const { ConfigError } = await import('@windsock/config');
    if (err instanceof ConfigError) { process.stderr.write(`windsock: configuration error: ${err.message}\n`); return 2; }
    const e = err as Error & { exitCode?: unknown };
    process.stderr.write(`windsock: ${e.message}\n`);
    // The remote commands' errors carry their exit code (remote/errors.ts: 2 usage, 3 not found, 4 auth).
    return typeof e.exitCode === 'number' ? e.exitCode : 1;
  }
}
