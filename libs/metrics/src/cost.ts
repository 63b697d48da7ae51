/**
 * What a task asks of the cluster, read from its arguments the way the Kubernetes executor builds its pod:
 * `container_resources.requests` (KubernetesPodOperator), Windsock's `resources: {cpu, memory}`, or Airflow's
 * BaseOperator `resources: {cpus, ram}` (ram in MiB). Times its run time, this is the cost metric
 * (windsock.task.requested_*): what a DAG, a repository or a sandbox's owner has the cluster hold for it.
 */
const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { '': 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** A Kubernetes quantity (`500m`, `2Gi`, `1.5`) as a number; null when it is not one. */
export function parseQuantity(q: unknown): number | null {
  if (typeof q === 'number') return Number.isFinite(q) && q >= 0 ? q : null;
  if (typeof q !== 'string') return null;
  const m = /^(\d+(?:\.\d+)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)?$/.exec(q.trim());
  if (!m) return null;
  const suffix = m[2] ?? '';
  return Number(m[1]) * (BINARY[suffix] ?? DECIMAL[suffix]!);
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** CPU cores and memory bytes a task requests (0 where it names none). */
export function requestedResources(args: Readonly<Record<string, unknown>>): { cpu: number; memoryBytes: number } {
  const cr = args.container_resources;
  if (isObj(cr) && isObj(cr.requests)) return { cpu: parseQuantity(cr.requests.cpu) ?? 0, memoryBytes: parseQuantity(cr.requests.memory) ?? 0 };
  const r = args.resources;
  if (!isObj(r)) return { cpu: 0, memoryBytes: 0 };
  const cpu = parseQuantity(r.cpu) ?? parseQuantity(r.cpus) ?? 0;
  const memoryBytes = parseQuantity(r.memory) ?? ((parseQuantity(r.ram) ?? 0) * 2 ** 20);
  return { cpu, memoryBytes };
}

/** The repository a DAG came from: its `repo:<name>` tag (DAG sources add it), else empty. */
export const repoOf = (tags: readonly string[]): string => tags.find((t) => t.startsWith('repo:'))?.slice(5) ?? '';
