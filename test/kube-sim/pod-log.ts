/**
 * GET /api/v1/namespaces/{ns}/pods/{name}/log, as the API server proxies it to the kubelet:
 * container defaulting and the kubelet's 400 texts (pkg/kubelet/kubelet_pods.go validateContainerLogStatus),
 * sinceTime / sinceSeconds / tailLines / limitBytes / timestamps, and `follow`, which streams lines as the
 * simulated container writes them and ends when it terminates (or the pod goes away).
 */
import type { ServerResponse } from 'node:http';
import { badRequest, notFound } from './errors.ts';
import type { Kubelet } from './kubelet.ts';
import { nowNs, parseRfc3339Ns, renderLine, selectLines, type LogLine } from './logs.ts';
import { PODS } from './resources.ts';
import type { Store } from './store.ts';
import type { Pod } from './types.ts';

interface OpenStream {
  res: ServerResponse;
  close: () => void;
}

/** The followed log streams currently open, so tests can drop them. */
export class LogStreams {
  readonly #open = new Set<OpenStream>();

  get openCount(): number {
    return this.#open.size;
  }

  add(s: OpenStream): () => void {
    this.#open.add(s);
    return () => this.#open.delete(s);
  }

  dropAll(mode: 'end' | 'destroy'): number {
    const all = [...this.#open];
    for (const s of all) {
      s.close();
      if (mode === 'end') s.res.end();
      else s.res.destroy();
    }
    return all.length;
  }
}

function flag(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  return v === 'true' || v === '1';
}

function intParam(q: URLSearchParams, name: string, min: number): number | null {
  const raw = q.get(name);
  if (raw === null || raw === '') return null;
  if (!/^-?\d+$/.test(raw) || Number(raw) < min) throw badRequest(`${name}: Invalid value: ${raw}: must be greater than or equal to ${min}`);
  return Number(raw);
}

const WAITING_TEXT: Record<string, string> = {
  ErrImagePull: "image can't be pulled",
  ImagePullBackOff: 'trying and failing to pull image',
};

export function serveLog(res: ServerResponse, store: Store, kubelet: Kubelet, streams: LogStreams, namespace: string, name: string,
  q: URLSearchParams): void {
  const pod = store.get<Pod>(PODS.plural, namespace, name);
  if (pod === undefined) throw notFound(PODS.ref, name);
  const names = [...pod.spec.containers, ...(pod.spec.initContainers ?? [])].map((c) => c.name);
  let container = q.get('container') ?? '';
  if (container === '') {
    if (pod.spec.containers.length !== 1) throw badRequest(`a container name must be specified for pod ${name}, choose one of: [${pod.spec.containers.map((c) => c.name).join(' ')}]`);
    container = pod.spec.containers[0]?.name as string;
  } else if (!names.includes(container)) {
    throw badRequest(`container ${container} is not valid for pod ${name}`);
  }
  if (flag(q, 'previous')) throw badRequest(`previous terminated container "${container}" in pod "${name}" not found`);
  const sinceSeconds = intParam(q, 'sinceSeconds', 1);
  const sinceTimeText = q.get('sinceTime');
  if (sinceSeconds !== null && sinceTimeText !== null) throw badRequest('at most one of `sinceTime` or `sinceSeconds` may be specified');
  let sinceNs: bigint | null = null;
  if (sinceTimeText !== null) {
    sinceNs = parseRfc3339Ns(sinceTimeText);
    if (sinceNs === null) throw badRequest(`sinceTime: Invalid value: "${sinceTimeText}": must be RFC 3339`);
  } else if (sinceSeconds !== null) {
    sinceNs = nowNs() - BigInt(sinceSeconds) * 1_000_000_000n;
  }
  const tailLines = intParam(q, 'tailLines', 0);
  const limitBytes = intParam(q, 'limitBytes', 1);
  const timestamps = flag(q, 'timestamps');
  const follow = flag(q, 'follow');

  // An unscheduled pod has no kubelet to ask: the API server answers with an empty body.
  if (pod.spec.nodeName === undefined) {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end();
    return;
  }
  const status = [...(pod.status.containerStatuses ?? []), ...(pod.status.initContainerStatuses ?? [])].find((s) => s.name === container);
  const waiting = status?.state?.waiting;
  if (status === undefined || waiting !== undefined) {
    const reason = waiting?.reason ?? 'ContainerCreating';
    throw badRequest(`container "${container}" in pod "${name}" is waiting to start: ${WAITING_TEXT[reason] ?? reason}`);
  }
  const log = kubelet.logOf(namespace, name, container);
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
  if (log === undefined) {
    res.end();
    return;
  }
  let budget = limitBytes ?? Infinity;
  const emit = (line: LogLine): boolean => {
    const text = Buffer.from(renderLine(line, timestamps));
    if (text.length >= budget) {
      res.write(text.subarray(0, budget));
      budget = 0;
      return false;
    }
    budget -= text.length;
    res.write(text);
    return true;
  };
  for (const line of selectLines(log.lines, { sinceNs, tailLines })) {
    if (!emit(line)) {
      res.end();
      return;
    }
  }
  if (!follow || log.ended) {
    res.end();
    return;
  }
  let unregister = (): void => {};
  const stop = log.follow(
    (line) => {
      if (!emit(line)) close(true);
    },
    () => close(true),
  );
  const close = (endResponse: boolean): void => {
    stop();
    unregister();
    if (endResponse && !res.writableEnded) res.end();
  };
  unregister = streams.add({ res, close: () => close(false) });
  res.on('close', () => close(false));
}
