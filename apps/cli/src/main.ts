/** The `windsock` command, mirroring Airflow's CLI. Each command lives in commands/. */
import { Command, CommanderError } from 'commander';
import { ConfigError } from '@windsock/config';

type Register = (program: Command, setExit: (code: number) => void) => void;

/**
 * Each command's module, loaded only when that command runs (or all of them for help): a process imports only
 * what it uses, which keeps, say, the webserver's memory free of the parser, queue and Kubernetes client.
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  standalone: async () => (await import('./commands/standalone.ts')).registerStandalone,
  db: async () => (await import('./commands/db.ts')).registerDb,
  dags: async () => (await import('./commands/dags.ts')).registerDags,
  tasks: async () => (await import('./commands/tasks.ts')).registerTasks,
  users: async () => (await import('./commands/users.ts')).registerUsers,
  webserver: async () => (await import('./commands/webserver.ts')).registerWebserver,
  scheduler: async () => (await import('./commands/scheduler.ts')).registerScheduler,
  worker: async () => (await import('./commands/worker.ts')).registerWorker,
};

export async function main(argv: string[]): Promise<number> {
  const program = new Command('windsock')
    .description('Windsock: an Airflow-compatible workflow scheduler that runs every task on Kubernetes')
    .exitOverride()
    .showHelpAfterError();
  let exitCode = 0;
  const setExit = (code: number) => { exitCode = code; };
  try {
    const name = argv[2];
    const wanted = name !== undefined && name in COMMANDS ? [COMMANDS[name]!] : Object.values(COMMANDS);
    for (const load of wanted) (await load())(program, setExit);
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
