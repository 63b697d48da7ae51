/** The `windsock` command, mirroring Airflow's CLI. Each command lives in commands/. */
import { Command, CommanderError } from 'commander';
import { ConfigError } from '@windsock/config';
import { registerStandalone } from './commands/standalone.ts';
import { registerDb } from './commands/db.ts';
import { registerDags } from './commands/dags.ts';
import { registerTasks } from './commands/tasks.ts';
import { registerUsers } from './commands/users.ts';
import { registerWebserver } from './commands/webserver.ts';
import { registerScheduler } from './commands/scheduler.ts';
import { registerWorker } from './commands/worker.ts';

export async function main(argv: string[]): Promise<number> {
  const program = new Command('windsock')
    .description('Windsock: an Airflow-compatible workflow scheduler that runs every task on Kubernetes')
    .exitOverride()
    .showHelpAfterError();
  let exitCode = 0;
  const setExit = (code: number) => { exitCode = code; };
  registerStandalone(program, setExit);
  registerDb(program, setExit);
  registerDags(program, setExit);
  registerTasks(program, setExit);
  registerUsers(program, setExit);
  registerWebserver(program, setExit);
  registerScheduler(program, setExit);
  registerWorker(program, setExit);
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof ConfigError) { process.stderr.write(`windsock: configuration error: ${err.message}\n`); return 2; }
    const e = err as Error & { code?: string };
    process.stderr.write(`windsock: ${e.message}\n`);
    return 1;
  }
}
