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
