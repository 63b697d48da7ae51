/**
 * Options of the BullMQ task queue, validated once here, and the pure mappings it uses: Airflow priority weights
 * to BullMQ priorities, Airflow queue names to BullMQ queue names.
 */
import { QueueError } from '../errors.ts';
import type { QueueLogger } from '../logger.ts';

export type BullMqBackend = 'redis' | 'postgres';

export interface BullMqQueueOptions {
  /** `redis` (the default) or `postgres` (BullMQ's PostgreSQL backend: a deployment on Postgres alone). */
  backend: BullMqBackend;
  /** Redis URL (backend `redis`). */
  redisUrl: string;
  /** Postgres URL (backend `postgres`); BullMQ keeps its tables in the schema `bullmq_<prefix>`. */
  postgresUrl: string;
  /** One per Windsock instance (sandbox) sharing a Redis: every key starts with it. */
  prefix: string;
  /**
   * How long a taken job stays locked without its worker renewing the lock. A job whose worker died goes back
   * to waiting after this, where another worker finds it already claimed in Postgres and drops it.
   */
  lockDurationMs: number;
  logger?: QueueLogger;
}

export const PREFIX_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

export function compileBullMqOptions(raw: Partial<BullMqQueueOptions> & { prefix: string }): BullMqQueueOptions {
  const o: BullMqQueueOptions = { backend: 'redis', redisUrl: 'redis://127.0.0.1:6379', postgresUrl: '', lockDurationMs: 30_000, ...raw };
  if (o.backend !== 'redis' && o.backend !== 'postgres') throw new QueueError('BAD_OPTIONS', `queue backend must be redis or postgres, got "${String(o.backend)}"`);
  if (!PREFIX_PATTERN.test(o.prefix)) throw new QueueError('BAD_OPTIONS', `queue prefix "${o.prefix}" must be 1-64 letters, digits, _ . -`);
  if (o.backend === 'postgres' && !o.postgresUrl) throw new QueueError('BAD_OPTIONS', 'the postgres queue backend needs a Postgres URL ([database] url)');
  if (!Number.isFinite(o.lockDurationMs) || o.lockDurationMs < 1000) throw new QueueError('BAD_OPTIONS', `lockDurationMs must be at least 1000, got ${o.lockDurationMs}`);
  return o;
}

/** BullMQ's largest priority; 1 is served first, and 0 would mean "no priority" (served before all prioritized). */
export const BULLMQ_MAX_PRIORITY = 2_097_152;
const MIDDLE = 1_048_576;

/**
 * Airflow runs a higher priority_weight first; BullMQ runs a lower priority number first. Weight w maps to
 * 2^20 - w, clamped to BullMQ's 1..2^21, so order is kept for weights in (-2^20, 2^20) and beyond that the
 * extremes share the first or last place.
 */
export function bullPriority(weight: number): number {
  const w = Number.isFinite(weight) ? Math.trunc(weight) : 0;
  return Math.min(BULLMQ_MAX_PRIORITY, Math.max(1, MIDDLE - w));
}

/** BullMQ queue names may not contain ':' (its key separator); Airflow queue names are free text. */
export function bullQueueName(airflowQueue: string): string {
  if (airflowQueue.length === 0) throw new QueueError('BAD_OPTIONS', 'a queue name cannot be empty');
  return encodeURIComponent(airflowQueue);
}

/** The Postgres schema BullMQ's PostgreSQL backend uses for one instance's jobs. */
export function postgresSchemaFor(prefix: string): string {
  return `bullmq_${prefix.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`.slice(0, 63);
}
