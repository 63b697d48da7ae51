/** The event bus of a process in distributed mode (its own module so the webserver need not load the rest). */
import { LocalEventBus, RedisEventBus, type EventBus } from '@windsock/queue';
import type { Logger, WindsockConfig } from '@windsock/config';

/**
 * The event bus every distributed process shares: Redis pub/sub. With the PostgreSQL queue backend there is no
 * Redis: events stay in each process, and the scheduler's tick and the worker heartbeat (which notices cancelled
 * tries) stand in for them, at the cost of latency.
 */
export function openEventBus(config: WindsockConfig, log: Logger): EventBus {
  return config.queue.backend === 'postgres' ? new LocalEventBus() : new RedisEventBus({ redisUrl: config.queue.redis_url, prefix: config.queue.prefix, logger: log });
}

