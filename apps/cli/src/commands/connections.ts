/** `windsock connections …` on a running Windsock (Airflow's verbs and flags); the code is in ../remote/connections.ts. */
import type { Command } from 'commander';
import type { AddFlags } from '../remote/connections.ts';
import { remoteOptions, type RemoteOpts } from './remote-options.ts';

const actions = () => import('../remote/connections.ts');

export function registerConnections(program: Command, _setExit: (code: number) => void): void {
  const c = program.command('connections').description('Connections on a running Windsock: add, set, get, list, delete, import, export');

  for (const [verb, replace, what] of [['add', false, 'Add a connection (refused when it exists)'], ['set', true, 'Add a connection, or replace it whole when it exists']] as const) {
    remoteOptions(c.command(`${verb} <conn_id>`)).description(`${what}: --conn-uri, --conn-json, or --conn-type with its fields`)
      .option('--conn-uri <uri>', 'the connection as a URI: TYPE://LOGIN:PASSWORD@HOST:PORT/SCHEMA?EXTRA')
      .option('--conn-json <json>', 'the connection as JSON: {"conn_type": …, "host": …, "extra": {…}}')
      .option('--conn-type <type>', 'connection type (e.g. postgres, http)')
      .option('--conn-host <host>', 'host').option('--conn-login <login>', 'login').option('--conn-password <password>', 'password')
      .option('--conn-schema <schema>', 'schema').option('--conn-port <port>', 'port')
      .option('--conn-extra <json>', 'extra, a JSON object').option('--conn-description <text>', 'description')
      .action(async (id: string, opts: AddFlags & RemoteOpts) => { await (await actions()).add(id, opts, replace); });
  }

  remoteOptions(c.command('get <conn_id>')).description('Show a connection (its password reads ***)')
    .action(async (id: string, opts: RemoteOpts) => { await (await actions()).get(id, opts); });

  remoteOptions(c.command('list')).description('List the connections')
    .option('--conn-id <conn_id>', 'only this connection')
    .action(async (opts: RemoteOpts & { connId?: string }) => { await (await actions()).list(opts); });

  remoteOptions(c.command('delete <conn_id>')).description('Delete a connection')
    .action(async (id: string, opts: RemoteOpts) => { await (await actions()).remove(id, opts); });

  remoteOptions(c.command('import <file>')).description('Add the connections of a .json, .yaml or .env file (- for stdin, with --file-format)')
    .option('--overwrite', 'replace connections that exist (else they are skipped)')
    .option('--file-format <format>', 'json, yaml or env (default: by the file\'s extension)')
    .action(async (file: string, opts: RemoteOpts & { overwrite?: boolean; fileFormat?: string }) => { await (await actions()).importFile(file, opts); });

  remoteOptions(c.command('export <file>')).description('Export every connection to a .json, .yaml or .env file (- for stdout); passwords are not exported')
    .option('--file-format <format>', 'json, yaml or env (default: by the file\'s extension)')
    .option('--format <format>', 'the same as --file-format (Airflow\'s older spelling)')
    .option('--serialization-format <format>', 'each connection as json (fields) or uri (default: uri for env, else json)')
    .action(async (file: string, opts: RemoteOpts & { fileFormat?: string; format?: string; serializationFormat?: string }) => { await (await actions()).exportFile(file, opts); });
}
