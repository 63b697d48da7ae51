/** The local executor alone: what a process that runs tasks as local processes loads (no Kubernetes client). */
export { LocalExecutor, type LocalExecutorOptions } from './executor.ts';
