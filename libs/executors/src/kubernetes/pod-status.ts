/**
 * What a pod's status says about a try, read from one container: still pending (and why, in the words the
 * kubelet and scheduler use), running, or terminated with an exit code and reason.
 */
type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- API objects as received

export type ContainerView =
  | { state: 'pending'; reason: string | null; message: string | null }
  | { state: 'running' }
  | { state: 'terminated'; exitCode: number; reason: string | null; message: string | null };

/** Waiting reasons that are normal progress, not worth a log line. */
const QUIET_WAITING = new Set(['ContainerCreating', 'PodInitializing']);

export function containerView(pod: Obj, container: string): ContainerView {
  const statuses: Obj[] = pod.status?.containerStatuses ?? [];
  const cs = statuses.find((s) => s.name === container);
  const st = cs?.state ?? {};
  if (st.terminated) return { state: 'terminated', exitCode: Number(st.terminated.exitCode ?? -1), reason: st.terminated.reason ?? null, message: st.terminated.message ?? null };
  if (st.running) return { state: 'running' };
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') {
    // Terminated without a container status (e.g. evicted, deadline exceeded).
    return { state: 'terminated', exitCode: phase === 'Succeeded' ? 0 : -1, reason: pod.status?.reason ?? null, message: pod.status?.message ?? null };
  }
  const conditions: Obj[] = pod.status?.conditions ?? [];
  const scheduled = conditions.find((c) => c.type === 'PodScheduled');
  if (scheduled && scheduled.status === 'False') return { state: 'pending', reason: scheduled.reason ?? 'Unschedulable', message: scheduled.message ?? null };
  if (st.waiting && !QUIET_WAITING.has(st.waiting.reason)) return { state: 'pending', reason: st.waiting.reason ?? null, message: st.waiting.message ?? null };
  return { state: 'pending', reason: null, message: null };
}

/** A line for the task log explaining why a pod is still pending, or null when it is ordinary progress. */
export function pendingLine(podName: string, v: ContainerView): string | null {
  if (v.state !== 'pending' || v.reason === null) return null;
  return `Pod ${podName} is pending: ${v.reason}${v.message ? `: ${v.message}` : ''}`;
}

/**
 * Waiting reasons that mean a container will not start by itself: the image cannot be pulled or its name is
 * invalid, or its configuration (a missing ConfigMap / Secret key…) cannot be built. Airflow's pod manager fails
 * the try at once on the image ones (PodLaunchFailedException, "Pod docker image cannot be pulled, unable to
 * start") instead of waiting for the startup timeout; a config error is as final until someone fixes the cluster.
 */
export const START_FAILURES = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'CreateContainerConfigError']);

export interface StartFailure { container: string; reason: string; message: string | null }

/** The first container (init containers first) of a not-yet-finished pod stuck in a waiting state it will not leave. */
export function startFailure(pod: Obj): StartFailure | null {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return null;
  const statuses: Obj[] = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  for (const s of statuses) {
    const w = s.state?.waiting;
    if (w && START_FAILURES.has(w.reason)) return { container: String(s.name), reason: String(w.reason), message: w.message ?? null };
  }
  return null;
}

/** The task-log line (and failure text) for a start failure, in Airflow's words for the image ones. */
export function startFailureLine(podName: string, f: StartFailure): string {
  const what = f.reason === 'CreateContainerConfigError' ? 'cannot be configured' : 'docker image cannot be pulled';
  return `Pod ${podName} ${what}, unable to start: container ${f.container}: ${f.reason}${f.message ? `: ${f.message}` : ''}`;
}
