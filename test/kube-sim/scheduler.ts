/**
 * The default scheduler's filters over the simulated nodes: taints (TaintToleration), nodeSelector
 * (NodeAffinity) and requested resources against what the node's running pods already request
 * (NodeResourcesFit). A pod that fits nowhere gets the scheduler's own message:
 * `0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 2 Insufficient cpu.
 * preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims
 * found for incoming pod.` A node given by name only is the unconstrained kind the simulator always had:
 * any capacity, every label, no taints.
 */
import { add, compare, parseQuantity, zero, type Quantity } from './quantity.ts';
import type { Pod } from './types.ts';

export interface NodeSpec {
  name: string;
  /** Allocatable resources (`cpu`, `memory`, `pods`, `nvidia.com/gpu`...); a resource not listed is 0. */
  capacity?: Record<string, string | number>;
  labels?: Record<string, string>;
  taints?: { key: string; value?: string; effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute' }[];
}

/** A node list entry: a bare name (unconstrained) or a node with capacity, labels and taints. */
export type NodeOption = string | NodeSpec;

export type Placement = { node: string } | { unschedulable: string };

interface Toleration { key?: string; operator?: string; value?: string; effect?: string }

function tolerates(tolerations: readonly Toleration[], taint: NonNullable<NodeSpec['taints']>[number]): boolean {
  return tolerations.some((t) => (t.effect === undefined || t.effect === '' || t.effect === taint.effect) &&
    (t.operator === 'Exists' ? t.key === undefined || t.key === '' || t.key === taint.key : t.key === taint.key && (t.value ?? '') === (taint.value ?? '')));
}

/** resourcehelper.PodRequests: the sum of the containers' requests, or the largest init container's if larger. */
export function podRequests(pod: Pod): Map<string, Quantity> {
  const total = new Map<string, Quantity>();
  for (const c of pod.spec.containers) {
    for (const [r, raw] of Object.entries(c.resources?.requests ?? {})) {
      const q = parseQuantity(raw);
      if (q !== null) total.set(r, add(total.get(r) ?? zero(), q));
    }
  }
  for (const c of pod.spec.initContainers ?? []) {
    for (const [r, raw] of Object.entries(c.resources?.requests ?? {})) {
      const q = parseQuantity(raw);
      if (q !== null && compare(q, total.get(r) ?? zero()) > 0) total.set(r, q);
    }
  }
  return total;
}

/** Chooses a node for `pod` given the pods already bound (and not finished), or says why none fits. */
export function schedule(pod: Pod, nodes: readonly NodeOption[], bound: readonly Pod[], rotation: number, lost: ReadonlySet<string> = new Set()): Placement {
  const reasons = new Map<string, number>();
  const preemption = new Map<string, number>();
  const count = (m: Map<string, number>, k: string): void => {
    m.set(k, (m.get(k) ?? 0) + 1);
  };
  const requests = podRequests(pod);
  const fitting: string[] = [];
  for (const n of nodes) {
    if (lost.has(typeof n === 'string' ? n : n.name)) {
      count(reasons, 'node(s) had untolerated taint {node.kubernetes.io/unreachable: }');
      count(preemption, 'Preemption is not helpful for scheduling');
      continue;
    }
    if (typeof n === 'string') {
      fitting.push(n);
      continue;
    }
    const labels: Record<string, string> = { 'kubernetes.io/hostname': n.name, ...n.labels };
    const taint = (n.taints ?? []).find((t) => t.effect !== 'PreferNoSchedule' && !tolerates((pod.spec.tolerations ?? []) as Toleration[], t));
    if (taint !== undefined) {
      count(reasons, `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`);
      count(preemption, 'Preemption is not helpful for scheduling');
      continue;
    }
    if (!Object.entries(pod.spec.nodeSelector ?? {}).every(([k, v]) => labels[k] === v)) {
      count(reasons, "node(s) didn't match Pod's node affinity/selector");
      count(preemption, 'Preemption is not helpful for scheduling');
      continue;
    }
    const here = bound.filter((p) => p.spec.nodeName === n.name);
    const insufficient: string[] = [];
    if (n.capacity?.['pods'] !== undefined && here.length + 1 > Number(n.capacity['pods'])) insufficient.push('Too many pods');
    for (const [r, q] of requests) {
      if (q.nano === 0n) continue;
      const used = here.reduce((sum, p) => add(sum, podRequests(p).get(r) ?? zero()), zero());
      const capacity = parseQuantity(n.capacity?.[r] ?? '0') ?? zero();
      if (compare(add(used, q), capacity) > 0) insufficient.push(`Insufficient ${r}`);
    }
    if (insufficient.length > 0) {
      for (const i of insufficient) count(reasons, i);
      count(preemption, 'No preemption victims found for incoming pod');
      continue;
    }
    fitting.push(n.name);
  }
  if (fitting.length > 0) return { node: fitting[rotation % fitting.length] as string };
  const list = (m: Map<string, number>): string => [...m].map(([k, v]) => `${v} ${k}`).sort().join(', ');
  return { unschedulable: `0/${nodes.length} nodes are available: ${list(reasons)}. preemption: 0/${nodes.length} nodes are available: ${list(preemption)}.` };
}
