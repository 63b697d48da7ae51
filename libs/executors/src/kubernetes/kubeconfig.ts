/** The cluster a process talks to: $KUBECONFIG, else ~/.kube/config, else the in-cluster service account. */
import * as k8s from '@kubernetes/client-node';

export function loadDefaultKubeConfig(): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromDefault();
  return kc;
}
