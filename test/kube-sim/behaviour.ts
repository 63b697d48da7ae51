/**
 * What a simulated container does, in the manner of kwok's stages but driven by a small vocabulary of
 * pod annotations (documented in README.md). Pure: turns (simulator defaults, image rules, annotations)
 * into one ContainerBehaviour per container.
 *
 * Precedence, lowest first: simulator defaults → image rules (in order) → `sim.windsock.dev/<key>` →
 * `sim.windsock.dev/<key>.<container>`. An annotation the vocabulary does not know, or a value that does
 * not parse, is not ignored: the container fails with CreateContainerConfigError naming it, so a typo
 * shows up in the first test run instead of silently changing nothing.
 */

export const ANNOTATION_PREFIX = 'sim.windsock.dev/';

export type PullOutcome = 'ok' | 'ErrImagePull' | 'InvalidImageName';

export interface ContainerBehaviour {
  /** Time the pod stays Pending without a node. */
  scheduleDelayMs: number;
  /** When set, the pod is never scheduled: PodScheduled=False, reason Unschedulable, this message. */
  unschedulable: string | null;
  imagePull: PullOutcome;
  imagePullMessage: string | null;
  /** ErrImagePull ⇄ ImagePullBackOff alternate at this pace. */
  pullBackoffMs: number;
  /** When set, the container waits forever in CreateContainerConfigError with this message. */
  configError: string | null;
  /** ContainerCreating time after scheduling. */
  startDelayMs: number;
  /** Running time after start; the container also runs at least until its last log line. null = until deleted. */
  runMs: number | null;
  exitCode: number;
  /** Overrides the terminated reason (default Completed for 0, Error otherwise; OOMKilled when oomKilled). */
  terminationReason: string | null;
  terminationMessage: string | null;
  /** Exit 137, reason OOMKilled. */
  oomKilled: boolean;
  logLines: string[];
  logIntervalMs: number;
  /** How long the container takes to exit after SIGTERM (bounded by the grace period). */
  sigtermDelayMs: number;
}

export const BUILTIN_DEFAULTS: ContainerBehaviour = {
  scheduleDelayMs: 0,
  unschedulable: null,
  imagePull: 'ok',
  imagePullMessage: null,
  pullBackoffMs: 500,
  configError: null,
  startDelayMs: 10,
  runMs: 50,
  exitCode: 0,
  terminationReason: null,
  terminationMessage: null,
  oomKilled: false,
  logLines: [],
  logIntervalMs: 0,
  sigtermDelayMs: 0,
};

/** A per-image rule: pods whose container image matches get this behaviour (e.g. `:missing` → pull failure). */
export interface ImageRule {
  match: RegExp;
  behaviour: Partial<ContainerBehaviour>;
}

export const BUILTIN_IMAGE_RULES: ImageRule[] = [
  { match: /:missing$/, behaviour: { imagePull: 'ErrImagePull' } },
  { match: /[A-Z\s]|^$|^[:@/]|[:@]$/, behaviour: { imagePull: 'InvalidImageName' } },
];

type Parser = (raw: string) => Partial<ContainerBehaviour>;

function ms(field: keyof ContainerBehaviour): Parser {
  return (raw) => {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n) || n < 0) throw new Error(`expected a number of milliseconds ≥ 0, got "${raw}"`);
    return { [field]: n };
  };
}

function text(field: keyof ContainerBehaviour): Parser {
  return (raw) => ({ [field]: raw });
}

function parseLogLines(raw: string): string[] {
  const trimmed = raw.trim();
  if (trimmed.startsWith('[')) {
    const parsed: unknown = JSON.parse(trimmed);
    if (!Array.isArray(parsed) || !parsed.every((l) => typeof l === 'string')) throw new Error('expected a JSON array of strings');
    return parsed;
  }
  return raw.split('\n');
}

/** Annotation key (without prefix) → how it sets the behaviour. `log-count`/`log-pattern` are combined later. */
const PARSERS: Record<string, Parser> = {
  'schedule-delay-ms': ms('scheduleDelayMs'),
  unschedulable: (raw) => ({ unschedulable: raw === 'true' || raw === '' ? DEFAULT_UNSCHEDULABLE : raw }),
  'image-pull': (raw) => {
    if (raw !== 'ok' && raw !== 'ErrImagePull' && raw !== 'InvalidImageName') throw new Error(`expected ok, ErrImagePull or InvalidImageName, got "${raw}"`);
    return { imagePull: raw };
  },
  'image-pull-message': text('imagePullMessage'),
  'pull-backoff-ms': ms('pullBackoffMs'),
  'config-error': text('configError'),
  'start-delay-ms': ms('startDelayMs'),
  'run-ms': (raw) => (raw === 'forever' ? { runMs: null } : ms('runMs')(raw)),
  'exit-code': (raw) => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0 || n > 255) throw new Error(`expected an exit code 0-255, got "${raw}"`);
    return { exitCode: n };
  },
  'termination-reason': text('terminationReason'),
  'termination-message': text('terminationMessage'),
  'oom-killed': (raw) => {
    if (raw !== 'true' && raw !== 'false') throw new Error(`expected true or false, got "${raw}"`);
    return { oomKilled: raw === 'true' };
  },
  'log-lines': (raw) => ({ logLines: parseLogLines(raw) }),
  'log-interval-ms': ms('logIntervalMs'),
  'sigterm-delay-ms': ms('sigtermDelayMs'),
};

export const DEFAULT_UNSCHEDULABLE = '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.';

/** Keys read by the fake Spark operator from a SparkApplication; never copied onto pods. */
export const SPARK_ANNOTATION_KEYS = ['submission-error', 'submit-delay-ms', 'driver-pod-delay-ms', 'driver-pod-missing'];

export type BehaviourResult = { ok: true; behaviour: ContainerBehaviour } | { ok: false; error: string };

function applyAnnotations(b: ContainerBehaviour, entries: [string, string][], container: string, pod: string): ContainerBehaviour {
  let out = b;
  let count: number | null = null;
  let pattern = 'line {i}';
  for (const [k, raw] of entries) {
    if (k === 'log-count') {
      count = Number(raw);
      if (!Number.isInteger(count) || count < 0) throw new Error(`${ANNOTATION_PREFIX}log-count: expected an integer ≥ 0, got "${raw}"`);
      continue;
    }
    if (k === 'log-pattern') {
      pattern = raw;
      continue;
    }
    const parser = PARSERS[k];
    if (parser === undefined) throw new Error(`unknown annotation ${ANNOTATION_PREFIX}${k}`);
    try {
      out = { ...out, ...parser(raw) };
    } catch (err) {
      throw new Error(`${ANNOTATION_PREFIX}${k}: ${(err as Error).message}`, { cause: err });
    }
  }
  if (count !== null) {
    const n = count;
    out = { ...out, logLines: Array.from({ length: n }, (_, i) => expandPattern(pattern, i + 1, n, pod, container)) };
  }
  return out;
}

function expandPattern(pattern: string, i: number, n: number, pod: string, container: string): string {
  return pattern.replace(/\{(i|n|pod|container)\}/g, (_, k: string) => (k === 'i' ? String(i) : k === 'n' ? String(n) : k === 'pod' ? pod : container));
}

/**
 * The behaviour of container `container` (image `image`) of pod `pod`.
 * `annotations` are the pod's; only keys under ANNOTATION_PREFIX are read.
 */
export function resolveBehaviour(defaults: ContainerBehaviour, rules: readonly ImageRule[], annotations: Record<string, string>,
  pod: string, container: string, image: string): BehaviourResult {
  let b: ContainerBehaviour = { ...defaults };
  for (const rule of rules) if (rule.match.test(image)) b = { ...b, ...rule.behaviour };
  const general: [string, string][] = [];
  const specific: [string, string][] = [];
  for (const [key, value] of Object.entries(annotations)) {
    if (!key.startsWith(ANNOTATION_PREFIX)) continue;
    const name = key.slice(ANNOTATION_PREFIX.length);
    if (SPARK_ANNOTATION_KEYS.includes(name)) continue;
    const dot = name.lastIndexOf('.');
    const base = dot > 0 ? name.slice(0, dot) : name;
    if (dot > 0 && (PARSERS[base] !== undefined || base === 'log-count' || base === 'log-pattern')) {
      if (name.slice(dot + 1) === container) specific.push([base, value]);
    } else {
      general.push([name, value]);
    }
  }
  try {
    b = applyAnnotations(b, general, container, pod);
    b = applyAnnotations(b, specific, container, pod);
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
  return { ok: true, behaviour: b };
}

/** Validates a partial behaviour given over the instrumentation API (types and ranges). */
export function checkPartialBehaviour(value: unknown): string | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'behaviour must be an object';
  for (const [k, v] of Object.entries(value)) {
    if (!(k in BUILTIN_DEFAULTS)) return `unknown behaviour field "${k}"`;
    const expected = BUILTIN_DEFAULTS[k as keyof ContainerBehaviour];
    if (k === 'runMs' && v === null) continue;
    if (Array.isArray(expected)) {
      if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) return `${k} must be an array of strings`;
    } else if (expected === null) {
      if (v !== null && typeof v !== 'string') return `${k} must be a string or null`;
    } else if (typeof v !== typeof expected) {
      return `${k} must be a ${typeof expected}`;
    } else if (typeof v === 'number' && (!Number.isFinite(v) || v < 0)) {
      return `${k} must be a finite number ≥ 0`;
    }
  }
  return null;
}
