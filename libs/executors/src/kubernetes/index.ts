/** The Kubernetes executor and what building it needs: loaded only where `[core] executor = kubernetes`. */
export { KubernetesExecutor } from './executor.ts';
export { parseNodeGroups } from './options.ts';
export { loadDefaultKubeConfig } from './kubeconfig.ts';
