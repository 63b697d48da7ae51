/**
 * `npm run kube-sim -- --port PORT --kubeconfig FILE`: starts the simulator and writes a kubeconfig for it,
 * so that `KUBECONFIG=FILE` works for @kubernetes/client-node (KubeConfig.loadFromDefault) and kubectl.
 * Runs until SIGINT / SIGTERM.
 */
import { parseArgs } from 'node:util';
import { startKubeSim } from './index.ts';
import { KubeSimError } from './errors.ts';

const USAGE = `usage: node test/kube-sim/cli.ts [--port PORT] [--host HOST] [--kubeconfig FILE] [--token TOKEN] [--require-token]
  [--namespace NS] [--crd FILE] [--run-ms MS] [--bookmark-interval-ms MS]`;

function intOption(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw)) throw new KubeSimError('INVALID_OPTIONS', `--${name} must be a non-negative integer, got "${raw}"`);
  return Number(raw);
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      kubeconfig: { type: 'string' },
      token: { type: 'string' },
      'require-token': { type: 'boolean' },
      namespace: { type: 'string' },
      crd: { type: 'string' },
      'run-ms': { type: 'string' },
      'bookmark-interval-ms': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help === true) {
    console.log(USAGE);
    return;
  }
  const runMs = intOption('run-ms', values['run-ms']);
  const port = intOption('port', values.port);
  const bookmarkIntervalMs = intOption('bookmark-interval-ms', values['bookmark-interval-ms']);
  const token = values.token ?? 'kube-sim-token';
  const sim = await startKubeSim({
    ...(port === undefined ? {} : { port }),
    ...(values.host === undefined ? {} : { host: values.host }),
    ...(values.crd === undefined ? {} : { crdPath: values.crd }),
    ...(runMs === undefined ? {} : { defaultBehaviour: { runMs } }),
    ...(bookmarkIntervalMs === undefined ? {} : { bookmarkIntervalMs }),
    // kubectl does not send a bearer token over plain http, so the token is only enforced on request.
    token: values['require-token'] === true ? token : null,
  });
  if (values.kubeconfig !== undefined) {
    await sim.writeKubeconfig(values.kubeconfig, { token, ...(values.namespace === undefined ? {} : { namespace: values.namespace }) });
  }
  console.log(`kube-sim listening on ${sim.url}${values.kubeconfig === undefined ? '' : `; kubeconfig written to ${values.kubeconfig}`}`);
  const stop = (): void => {
    void sim.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(err instanceof KubeSimError || (err instanceof TypeError && 'code' in err) ? `kube-sim: ${(err as Error).message}\n${USAGE}` : err);
  process.exit(2);
});
