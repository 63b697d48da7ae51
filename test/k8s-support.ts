/** Helpers shared by the Kubernetes executor tests (simulator side). */
import type { KubeSim } from './kube-sim/index.ts';

/** Resolves once the pod / SparkApplication an external id names is gone or being deleted. */
export function deletedIn(sim: KubeSim, externalId: string | null, timeoutMs = 5000): Promise<unknown> {
  const m = /^(pod|sparkapplication):([^/]+)\/(.+)$/.exec(externalId ?? '');
  if (!m) throw new Error(`unexpected external id ${externalId}`);
  const [, kind, ns, name] = m as unknown as [string, string, string, string];
  return sim.waitFor(() => {
    const o = kind === 'pod' ? sim.pod(ns, name) : sim.sparkApplication(ns, name);
    return o === undefined || o === null || Boolean((o as { metadata: { deletionTimestamp?: string } }).metadata.deletionTimestamp);
  }, { timeoutMs, description: `${externalId} deleted` });
}

/** The simulator's behaviour annotations for a container that writes `lines` and exits with `exitCode` (or runs on). */
export function behaviour(b: { lines: string[]; exitCode: number; forever?: boolean }): Record<string, string> {
  return {
    'sim.windsock.dev/log-lines': JSON.stringify(b.lines), 'sim.windsock.dev/exit-code': String(b.exitCode),
    'sim.windsock.dev/run-ms': b.forever ? 'forever' : '20',
  };
}
