/**
 * A failed pod's Events into the task log, as Airflow's KubernetesPodOperator does with `log_events_on_failure`:
 * what the scheduler and the kubelet said about the pod (FailedScheduling, Failed to pull, BackOff…) is often the
 * only explanation of a failure, and it is gone with the pod. One line per Event: type, reason, count, message,
 * oldest first. Reading them is best effort: a failure to list them is one line, never a second failure.
 */
import type { LogSink } from '../types.ts';
import type { KubeRuntime } from './runtime.ts';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- API objects as received

function when(e: Obj): string {
  const t = e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp ?? '';
  return t instanceof Date ? t.toISOString() : String(t);
}

export async function logPodEvents(rt: KubeRuntime, log: LogSink, namespace: string, pod: string): Promise<void> {
  let items: Obj[];
  try {
    const list = await rt.gate.call(() => rt.core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${pod}` }));
    items = ((list as Obj).items ?? []) as Obj[];
  } catch (err) {
    log.write(`Could not read the events of pod ${pod}: ${(err as Error).message.split('\n')[0]}`);
    return;
  }
  items = items.filter((e) => (e.involvedObject?.kind ?? 'Pod') === 'Pod');
  if (items.length === 0) { log.write(`Pod ${pod} has no events`); return; }
  items.sort((a, b) => when(a).localeCompare(when(b)));
  log.write(`Events of pod ${pod}:`);
  for (const e of items) {
    const count = Number(e.count ?? e.series?.count ?? 1);
    log.write(`  ${e.type ?? 'Normal'} ${e.reason ?? ''}${count > 1 ? ` (x${count})` : ''}: ${e.message ?? ''}`);
  }
}
