/** The sandboxes control plane: the reconcile loop, where schedulers run, and a sandbox's Kubernetes objects. */
export * from './store.ts';
export { SandboxController, type ControllerOptions } from './controller.ts';
export { ProcessHost, type ProcessHostOptions } from './process-host.ts';
export { KubernetesHost, schedulerObjects } from './kube-host.ts';
export type { SchedulerHost, SchedulerLaunch, HostState } from './host.ts';
export { SandboxCluster, namespaceObjects, sandboxLabels, quotaOf, SCHEDULER_ACCOUNT, TASK_ACCOUNT } from './cluster.ts';
export { resolveDagFolder, folderSignature } from './folder.ts';
export { gitSourceOf, gitLaunchEnv, RemoteHeads, GIT_SOURCE_ENV, GIT_AUTH_ENV } from './git-source.ts';
export { dropSandboxSchema, removeQueueKeys } from './teardown.ts';
export { sandboxActivity } from './sql/sandbox-activity.ts';
