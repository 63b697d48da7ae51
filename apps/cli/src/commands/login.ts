/** `windsock login` and `windsock logout`: an API token for a running Windsock, kept in the CLI's file. */
import type { Command } from 'commander';
import { remoteOptions } from './remote-options.ts';

export function registerLogin(program: Command, _setExit: (code: number) => void): void {
  remoteOptions(program.command('login'), { output: false, token: false })
    .description('Sign in to a running Windsock and keep the token (in ~/.config/windsock/cli.yaml, mode 0600)')
    .option('-u, --username <name>', 'user name (asked on a terminal when not given)')
    .option('--password-stdin', 'read the password from stdin (otherwise asked on the terminal without echo)')
    .action(async (opts: { apiUrl?: string; sandbox?: string; username?: string; passwordStdin?: boolean }) => {
      const { login } = await import('../remote/login.ts');
      await login(opts);
    });

  program.command('logout').description('Forget the token windsock login kept (for one sandbox with --sandbox)')
    .option('--sandbox <name>', 'forget only the login to this sandbox')
    .action(async (opts: { sandbox?: string }) => {
      const { logout } = await import('../remote/login.ts');
      logout(opts);
    });
}
