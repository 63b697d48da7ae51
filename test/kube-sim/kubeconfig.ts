/**
 * A kubeconfig for the simulator. Plain http is accepted by @kubernetes/client-node only when the cluster
 * entry says `insecure-skip-tls-verify: true` ("HTTP protocol is not allowed when skipTLSVerify is not set"),
 * and kubectl is fine with it, so no certificate is needed.
 */
import { stringify } from 'yaml';

export interface KubeconfigOptions {
  /** Name of the cluster, user and context. Default kube-sim. */
  name?: string;
  /** The context's namespace. Default default. */
  namespace?: string;
  /** Bearer token of the user. Default kube-sim-token. */
  token?: string;
}

export function kubeconfigYaml(server: string, o: KubeconfigOptions = {}): string {
  const name = o.name ?? 'kube-sim';
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server, 'insecure-skip-tls-verify': true } }],
    users: [{ name, user: { token: o.token ?? 'kube-sim-token' } }],
    contexts: [{ name, context: { cluster: name, user: name, namespace: o.namespace ?? 'default' } }],
    'current-context': name,
    preferences: {},
  });
}
