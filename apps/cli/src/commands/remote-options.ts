/**
 * The options every command that talks to a running Windsock takes (see ../remote/settings.ts for where each
 * value comes from when a flag is not given). Commander only: the remote code is imported when a command runs.
 */
import type { Command } from 'commander';

export interface RemoteOpts { apiUrl?: string; token?: string; sandbox?: string; output: string }

export function remoteOptions(cmd: Command, o: { sandbox?: boolean; output?: boolean; token?: boolean } = {}): Command {
  cmd.option('--api-url <url>', 'Windsock URL (default: $WINDSOCK_API_URL, then the URL saved by windsock login)');
  if (o.token !== false) cmd.option('--token <token>', 'API token (default: $WINDSOCK_API_TOKEN, then the token saved by windsock login)');
  if (o.sandbox !== false) cmd.option('--sandbox <name>', 'talk to this sandbox of the Windsock (default: $WINDSOCK_SANDBOX)');
  if (o.output !== false) cmd.option('-o, --output <format>', 'table, json, yaml or plain', 'table');
  return cmd;
}
