/**
 * The Kubernetes API simulator for tests (see README.md): a node:http server speaking the real API to
 * the real @kubernetes/client-node and kubectl, playing the scheduler, the kubelet and the Spark operator.
 */
import { KubeSim } from './server.ts';
import type { KubeSimOptions } from './options.ts';

export { KubeSim, type WaitForOptions } from './server.ts';
export type { KubeSimOptions } from './options.ts';
export type { NodeOption, NodeSpec } from './scheduler.ts';
export { compileKubeSimOptions, DEFAULT_CRD_PATH } from './options.ts';
export { ANNOTATION_PREFIX, BUILTIN_DEFAULTS, type ContainerBehaviour, type ImageRule } from './behaviour.ts';
export type { CountersSnapshot, FaultMatch, InjectedError, Verb } from './faults.ts';
export { KubeSimError, KUBE_SIM_ERROR_CODES, type KubeSimErrorCode } from './errors.ts';
export { kubeconfigYaml, type KubeconfigOptions } from './kubeconfig.ts';
export { DRIVER_CONTAINER } from './spark-driver.ts';
export type { Pod, SparkApplication, SparkApplicationStatus, KubeObject, StatusBody } from './types.ts';

/** Starts a simulator on 127.0.0.1 (a free port unless `port` is given). Close it with `sim.close()`. */
export function startKubeSim(options?: KubeSimOptions): Promise<KubeSim> {
  return KubeSim.start(options);
}
